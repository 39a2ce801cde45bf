-- Each run of the retention sweep (the drainer's daily one, or
-- `shortlistctl retention`), with what it did or, for a dry run, would do.
-- The drainer starts a run only when none started in the last day: it
-- first writes a row {"claimed": true}, then the sweep writes its report.
CREATE TABLE retention_runs (
    id          bigserial PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT now(),
    dry_run     boolean NOT NULL,
    report      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX retention_runs_started ON retention_runs (started_at DESC) WHERE NOT dry_run;
