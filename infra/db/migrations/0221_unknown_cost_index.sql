-- A job's calls whose model had no price, counted from an index alone (the job's summary).
CREATE INDEX analyses_job_unknown_cost ON analyses (job_id) WHERE NOT cost_known;
