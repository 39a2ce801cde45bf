#!/usr/bin/python3
"""The fault suite: scripted faults against the real local services, with
SQL and S3 invariants checked after each scenario.

Each scenario makes its own organisation and job, sends work (uploads,
emails), breaks something while the work runs (a drainer killed or frozen,
PostgreSQL restarted or its connections cut, memcached, S3 or SMTP stopped,
the LLM provider throttling, failing, hanging or answering nonsense), heals
it, lets the drainers finish and then checks, for that organisation only:

  * every accepted resume ends in exactly one terminal state (scored,
    needs_review, failed) with one current analysis, or with a reason;
  * no resume that could not be read or scored is rejected;
  * no task's work is done twice (one analysis per resume and rubric);
  * no email is sent twice unless it is marked uncertain, and none marked
    sent is missing from the mail server;
  * every S3 object under the organisation's prefix has its row and every
    row its object.

It prints one table (scenario, requests, accepted, lost, duplicated,
violations) and exits 1 on any violation. Run through tests/faults/run,
which loads the instance's configuration (`make faults` starts an instance
of its own; tests/t0700-faults.sh runs the short set in `make test`).
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, os.environ.get("SHORTLIST_BUILD") or "build", "bin")
ENV = os.environ
BASE = "http://127.0.0.1:%s" % ENV["SHORTLIST_HTTP_PORT"]
TERMINAL = ("scored", "needs_review", "failed")
RUN = uuid.uuid4().hex[:8]


class Failure(Exception):
    """A scenario could not be carried out (not an invariant violation)."""


def log(msg):
    print("# " + msg, flush=True)


def sql(query):
    out = subprocess.run(
        ["psql", "-h", ENV.get("SHORTLIST_PG_ADDRESS") or "127.0.0.1", "-p", ENV["SHORTLIST_PG_PORT"], "-U", "postgres", "-d", "shortlist",
         "-Atq", "-v", "ON_ERROR_STOP=1", "-c", query],
        capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise Failure("sql failed: %s: %s" % (query[:80], out.stderr.strip()))
    return out.stdout.strip()


def sql_int(query):
    return int(sql(query) or 0)


def services(*args):
    subprocess.run([os.path.join(ROOT, "scripts", "services"), *args], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120, check=False)


def curl(args, timeout=120):
    """Runs curl; returns (status, parsed JSON body or None)."""
    out = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", str(timeout), *args],
                         capture_output=True, text=True, timeout=timeout + 10)
    body, _, code = out.stdout.rpartition("\n")
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        doc = None
    return int(code or 0), doc


def eventually(seconds, fn, step=0.25):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if fn():
            return True
        time.sleep(step)
    return fn()


class Org:
    """An organisation of one scenario, with a job and what was sent to it."""

    def __init__(self, tag):
        self.name = "faults-%s-%s" % (tag, RUN)
        subprocess.run([os.path.join(BIN, "shortlistctl"), "org", "create", self.name], check=True,
                       stdout=subprocess.DEVNULL, timeout=30)
        self.key = subprocess.run([os.path.join(BIN, "shortlistctl"), "key", "create", "--org", self.name],
                                  check=True, capture_output=True, text=True, timeout=30).stdout.strip()
        self.id = sql_int("SELECT id FROM organisations WHERE name = '%s'" % self.name)
        self.auth = ["-H", "Authorization: Bearer " + self.key]
        code, doc = curl(self.auth + ["-H", "Content-Type: application/json", "--data", json.dumps({
            "title": "Backend Engineer", "company": "Acme Robotics", "location": "Remote",
            "description": "We build services in C and Go on PostgreSQL and Linux. 3+ years of experience.",
            "required_skills": ["C", "PostgreSQL"]}), BASE + "/api/v1/jobs"])
        if code != 201:
            raise Failure("cannot create a job: %s %s" % (code, doc))
        self.job = doc["id"]
        self.requests = 0
        self.uploaded = 0
        self.accepted = set()
        self.queued_emails = 0
        self.tmp = tempfile.mkdtemp(prefix="faults-")

    def resume(self, name, email, note):
        """Writes one plain-text resume that the local scorer reads and scores; returns its path."""
        p = os.path.join(self.tmp, name + ".txt")
        with open(p, "w") as f:
            f.write("Candidate %s\nEmail: %s\n\nExperience\nSoftware Engineer, Acme (2017 - 2024)\n"
                    "Built backend services in C and Go on PostgreSQL and Linux (%s).\n"
                    "Tuned queries and indexes, ran on-call, mentored two engineers.\n"
                    "Education\nBSc Computer Science (2013 - 2017)\n" % (name, email, note))
        return p

    def resumes(self, n, tag):
        """Writes n distinct resumes; returns their paths."""
        return [self.resume("%s-%d" % (tag, i), "c%d.%s.%s@example.org" % (i, tag, RUN), "run %s, file %d" % (RUN, i))
                for i in range(n)]

    def upload(self, paths):
        """One multipart request; counts what was sent and what was accepted."""
        args = []
        for i, p in enumerate(paths):
            args += ["-F", "f%d=@%s" % (i, p)]
        self.requests += len(paths)
        self.uploaded += len(paths)
        code, doc = curl(self.auth + args + [BASE + "/api/v1/jobs/%d/resumes" % self.job], timeout=60)
        if doc and isinstance(doc.get("files"), list):
            for f in doc["files"]:
                if f.get("status") == "accepted" and f.get("resume_id"):
                    self.accepted.add(int(f["resume_id"]))
        return code

    def invite(self, resume_ids):
        self.requests += len(resume_ids)
        code, doc = curl(self.auth + ["-H", "Content-Type: application/json", "--data", json.dumps({
            "kind": "invite", "candidate_ids": sorted(resume_ids), "recruiter_name": "Sam",
            "scheduling_link": "https://cal.example.com/s"}), BASE + "/api/v1/jobs/%d/emails" % self.job])
        if code != 202:
            raise Failure("cannot queue invitations: %s %s" % (code, doc))
        self.queued_emails += doc.get("queued", 0)
        return doc.get("queued", 0)

    def pending(self):
        return sql_int(
            "SELECT (SELECT count(*) FROM resumes WHERE org_id = %d AND status IN ('queued', 'processing'))"
            " + (SELECT count(*) FROM tasks WHERE org_id = %d AND state IN ('queued', 'running'))"
            " + (SELECT count(*) FROM emails WHERE org_id = %d AND state IN ('queued', 'sending', 'retrying'))"
            % (self.id, self.id, self.id))

    def due_now(self):
        """Makes the organisation's waiting retries due, so a bounded run need not sit out backoffs."""
        sql("UPDATE tasks SET run_at = now() WHERE org_id = %d AND state = 'queued' AND run_at > now()" % self.id)
        sql("UPDATE emails SET next_attempt_at = now() WHERE org_id = %d AND state = 'retrying'" % self.id)

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


class Drainer:
    """A `drainer --follow` process with its own log and environment."""

    def __init__(self, name, env=None, logdir=None):
        self.log = open(os.path.join(logdir or tempfile.gettempdir(), "drainer-%s.log" % name), "ab")
        e = dict(ENV)
        e.update(env or {})
        self.proc = subprocess.Popen([os.path.join(BIN, "drainer"), "--follow", "--grace-seconds", "5"],
                                     env=e, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def signal(self, sig):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def drain(org, seconds, env=None, logdir=None):
    """Runs one drainer until the organisation has nothing pending (or the time is up)."""
    d = Drainer("drain-%s" % org.name, env, logdir)
    try:
        def settled():
            if d.proc.poll() is not None:
                raise Failure("the drainer exited with %s (see %s)" % (d.proc.returncode, d.log.name))
            org.due_now()
            return org.pending() == 0
        return eventually(seconds, settled, 0.5)
    finally:
        d.stop()


# ---- the S3 side of the invariants

def s3_keys(prefix):
    """Every object key under prefix, listed through the S3 API (botocore signs)."""
    import botocore.session
    from botocore.config import Config
    s = botocore.session.get_session()
    c = s.create_client("s3", region_name=ENV.get("SHORTLIST_S3_REGION", "us-east-1"),
                        endpoint_url=ENV["SHORTLIST_S3_ENDPOINT"],
                        aws_access_key_id=ENV.get("SHORTLIST_S3_ACCESS_KEY", "S3RVER"),
                        aws_secret_access_key=ENV.get("SHORTLIST_S3_SECRET_KEY", "S3RVER"),
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}))
    keys, token = set(), None
    while True:
        kw = {"Bucket": ENV.get("SHORTLIST_S3_BUCKET", "shortlist"), "Prefix": prefix}
        if token:
            kw["ContinuationToken"] = token
        for attempt in range(6):
            try:
                page = c.list_objects_v2(**kw)
                break
            except Exception as e:  # the local S3 server answers InternalError while it rewrites an object
                if attempt == 5:
                    raise Failure("cannot list S3 under %s: %s" % (prefix, e))
                time.sleep(1)
        keys.update(o["Key"] for o in page.get("Contents", []))
        if not page.get("IsTruncated"):
            return keys
        token = page["NextContinuationToken"]


# ---- invariants

def check(org, maildirs=None):
    """Returns (lost, duplicated, [violations]) for the organisation."""
    v = []
    o = org.id
    known = set(int(x) for x in sql("SELECT id FROM resumes WHERE org_id = %d" % o).split() if x)
    missing = org.accepted - known
    if missing:
        v.append("%d accepted resumes have no row" % len(missing))
    unfinished = sql_int("SELECT count(*) FROM resumes WHERE org_id = %d AND status NOT IN %s" % (o, str(TERMINAL)))
    if unfinished:
        v.append("%d resumes not in a terminal state" % unfinished)
    lost = len(missing) + unfinished
    bad_current = sql_int(
        "SELECT count(*) FROM resumes r WHERE r.org_id = %d AND r.status = 'scored' AND"
        " (SELECT count(*) FROM analyses a WHERE a.resume_id = r.id AND a.is_current) <> 1" % o)
    if bad_current:
        v.append("%d scored resumes without exactly one current analysis" % bad_current)
    no_reason = sql_int(
        "SELECT count(*) FROM resumes r WHERE r.org_id = %d AND r.status IN ('failed', 'needs_review')"
        " AND coalesce(r.status_reason, '') = '' AND NOT EXISTS (SELECT 1 FROM analyses a WHERE"
        " a.resume_id = r.id AND a.is_current)" % o)
    if no_reason:
        v.append("%d failed or needs_review resumes with neither a reason nor an analysis" % no_reason)
    rejected_unread = sql_int(
        "SELECT count(*) FROM resumes r JOIN analyses a ON a.resume_id = r.id AND a.is_current"
        " WHERE r.org_id = %d AND a.category = 'reject' AND (r.status <> 'scored' OR a.score IS NULL)" % o)
    if rejected_unread:
        v.append("%d resumes rejected without being read and scored" % rejected_unread)
    dup = sql_int(
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM analyses WHERE org_id = %d"
        " GROUP BY resume_id, rubric_version, prompt_version, provider, model HAVING count(*) > 1) d" % o)
    if dup:
        v.append("%d analyses made twice" % dup)
    stuck_tasks = sql_int("SELECT count(*) FROM tasks WHERE org_id = %d AND state IN ('queued', 'running')" % o)
    if stuck_tasks:
        v.append("%d tasks still queued or running" % stuck_tasks)
    if maildirs is not None:
        seen = {}
        for name in [os.path.join(d, n) for d in maildirs for n in os.listdir(d)]:
            if name.endswith(".eml"):
                with open(name, errors="replace") as f:
                    m = re.search(r"^Message-ID:\s*(\S+)", f.read(), re.M | re.I)
                if m:
                    seen[m.group(1)] = seen.get(m.group(1), 0) + 1
        rows = sql("SELECT message_id, state, uncertain FROM emails WHERE org_id = %d" % o)
        for line in filter(None, rows.split("\n")):
            mid, state, uncertain = line.split("|")
            n = seen.get(mid, 0)
            if n > 1 and int(uncertain) == 0:
                dup += n - 1
                v.append("email %s delivered %d times, not marked uncertain" % (mid, n))
            if state == "sent" and n == 0:
                lost += 1
                v.append("email %s is sent but the server never got it" % mid)
            if state in ("queued", "sending", "retrying"):
                lost += 1
                v.append("email %s still %s" % (mid, state))
    objects = s3_keys("orgs/%d/" % o)
    rows = set(filter(None, sql(
        "SELECT s3_key FROM resumes WHERE org_id = %d UNION SELECT s3_key FROM upload_slots"
        " WHERE org_id = %d AND state = 'received'" % (o, o)).split("\n")))
    if objects - rows:
        v.append("%d S3 objects without their row" % len(objects - rows))
    if rows - objects:
        v.append("%d rows without their S3 object" % len(rows - objects))
    return lost, dup, v


# ---- scenarios: each returns the organisation (and the mail folder when it sent mail)

def scen_drainer_sigkill(a):
    org = Org("sigkill")
    one, two = Drainer("k1", logdir=a.logdir), Drainer("k2", logdir=a.logdir)
    org.upload(org.resumes(a.n, "k"))
    eventually(30, lambda: sql_int("SELECT count(*) FROM resumes WHERE org_id = %d AND status = 'scored'"
                                   % org.id) >= 1, 0.05)
    one.signal(signal.SIGKILL)
    one.stop()
    two.stop()
    # The lease of what the killed drainer held must run out before another may take it.
    drain(org, a.wait, {"SHORTLIST_TASK_LEASE_SECONDS": "5"}, a.logdir)
    return org, None


def scen_drainer_sigstop(a):
    org = Org("sigstop")
    frozen = Drainer("s1", {"SHORTLIST_TASK_LEASE_SECONDS": "5"}, a.logdir)
    org.upload(org.resumes(a.n, "s"))
    eventually(15, lambda: sql_int("SELECT count(*) FROM tasks WHERE org_id = %d AND state = 'running'"
                                   % org.id) >= 1, 0.02)
    frozen.signal(signal.SIGSTOP)
    # Another drainer takes over once the frozen one's leases run out; then the frozen one wakes up
    # and must not record results over the ones made meanwhile.
    ok = drain(org, a.wait, {"SHORTLIST_TASK_LEASE_SECONDS": "5"}, a.logdir)
    frozen.signal(signal.SIGCONT)
    time.sleep(2)
    frozen.stop()
    if not ok:
        log("  the drainers did not settle everything in time")
    return org, None


def upload_under(org, a, fault, heal, tag):
    """Uploads batches from a background loop while fault() runs, then heal()s."""
    import threading
    done = threading.Event()

    def loop():
        i = 0
        while not done.is_set():
            org.upload(org.resumes(4, "%s%d" % (tag, i)))
            i += 1

    t = threading.Thread(target=loop)
    t.start()
    try:
        time.sleep(1)
        fault()
        time.sleep(2)
        heal()
        time.sleep(1)
    finally:
        done.set()
        t.join(120)
    drain(org, a.wait, None, a.logdir)


def scen_pg_restart(a):
    org = Org("pgrestart")
    upload_under(org, a, lambda: services("stop", "postgresql"), lambda: services("start", "postgresql"), "p")
    return org, None


def scen_pg_terminate(a):
    org = Org("pgterm")

    def cut():
        for _ in range(5):
            sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = 'shortlist' AND pid <> pg_backend_pid()")
            time.sleep(0.3)
    upload_under(org, a, cut, lambda: None, "t")
    return org, None


def scen_memcached_stopped(a):
    org = Org("memcached")
    services("stop", "memcached")
    try:
        org.upload(org.resumes(a.n, "m"))
        drain(org, a.wait, None, a.logdir)
    finally:
        services("start", "memcached")
    return org, None


def scen_s3_upload(a):
    org = Org("s3upload")
    upload_under(org, a, lambda: services("stop", "s3"), lambda: services("start", "s3"), "u")
    return org, None


def scen_s3_download(a):
    org = Org("s3download")
    org.upload(org.resumes(a.n, "d"))
    services("stop", "s3")
    try:
        d = Drainer("s3down", logdir=a.logdir)
        eventually(20, lambda: sql_int("SELECT count(*) FROM tasks WHERE org_id = %d AND attempts >= 1"
                                       % org.id) >= 1)
        d.stop()
    finally:
        services("start", "s3")
    drain(org, a.wait, None, a.logdir)
    return org, None


class FakeLLM:
    def __init__(self, args, logdir):
        self.log = open(os.path.join(logdir, "fake-llm.log"), "ab")
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "tests", "fakes", "fake_openai.py"),
                                      "--port", "0", "--latency-median-ms", "20", *args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = ""
        end = time.monotonic() + 20
        while time.monotonic() < end and "listening on" not in line:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
        m = re.search(r":(\d+)\s*$", line)
        if not m:
            raise Failure("the fake LLM did not say its port: %r" % line)
        self.port = m.group(1)

    def env(self):
        return {"SHORTLIST_LLM_PROVIDER": "openai", "SHORTLIST_OPENAI_API_KEY": "sk-faults",
                "SHORTLIST_OPENAI_BASE_URL": "http://127.0.0.1:%s/v1" % self.port, "SHORTLIST_LLM_TIMEOUT_MS": "3000"}

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def llm_scenario(tag, fake_args):
    def run(a):
        org = Org(tag)
        fake = FakeLLM(fake_args, a.logdir)
        try:
            org.upload(org.resumes(a.n, tag[:2]))
            drain(org, a.wait, fake.env(), a.logdir)
        finally:
            fake.stop()
        # The scenario means something only if the provider did the scoring.
        local = sql_int("SELECT count(*) FROM analyses WHERE org_id = %d AND is_current AND score IS NOT NULL"
                        " AND provider <> 'openai'" % org.id)
        if local:
            raise Failure("%d resumes were scored without the LLM provider" % local)
        return org, None
    return run


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FaultySMTP:
    """tests/fakes/smtp_faults.py on a port of its own; restart() brings it back on the same port."""

    def __init__(self, logdir):
        self.logdir = logdir
        self.port = free_port()
        self.dirs = []
        self.start()

    def start(self):
        d = tempfile.mkdtemp(prefix="faults-mail-", dir=self.logdir)
        self.dirs.append(d)
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "tests", "fakes", "smtp_faults.py"),
                                      "--port", str(self.port), "--dir", d], stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(d, "server.log"), "ab"), text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            raise Failure("the SMTP server did not start: %r" % line)

    def env(self):
        return {"SHORTLIST_SMTP_URL": "smtp://127.0.0.1:%d" % self.port, "SHORTLIST_TASK_LEASE_SECONDS": "5"}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def mail_scenario(tag, locals_, stop_midway=False):
    """Scores one resume per recipient local part, invites them all, sends through a failing server."""
    def run(a):
        org = Org(tag)
        paths = [org.resume(lp, "%s.%s.%s@example.org" % (lp, tag, RUN), "run %s" % RUN) for lp in locals_]
        org.upload(paths)
        drain(org, a.wait, None, a.logdir)
        smtp = FaultySMTP(a.logdir)
        try:
            ids = [int(x) for x in sql("SELECT id FROM resumes WHERE org_id = %d AND status = 'scored'"
                                       % org.id).split()]
            org.invite(ids)
            if stop_midway:
                d = Drainer("smtp-stop", smtp.env(), a.logdir)
                eventually(20, lambda: sql_int("SELECT count(*) FROM emails WHERE org_id = %d AND state = 'sent'"
                                               % org.id) >= 1, 0.05)
                smtp.stop()
                time.sleep(2)
                d.stop()
                smtp.start()
            drain(org, a.wait, smtp.env(), a.logdir)
        finally:
            smtp.stop()
        return org, smtp.dirs
    return run


SCENARIOS = [
    ("drainer SIGKILL mid-batch", scen_drainer_sigkill, True),
    ("drainer SIGSTOP mid-batch", scen_drainer_sigstop, False),
    ("PostgreSQL restart under uploads", scen_pg_restart, True),
    ("pg_terminate_backend under uploads", scen_pg_terminate, False),
    ("memcached stopped", scen_memcached_stopped, True),
    ("S3 stopped mid-upload", scen_s3_upload, False),
    ("S3 stopped mid-download", scen_s3_download, True),
    ("LLM 429 storm", llm_scenario("llm429", ["--rpm", "30"]), False),
    ("LLM 5xx", llm_scenario("llm5xx", ["--fault-rate-500", "0.4"]), True),
    ("LLM hangs", llm_scenario("llmhang", ["--fault-rate-timeout", "0.3", "--hang-ms", "5000"]), False),
    ("LLM malformed answers", llm_scenario("llmbad", ["--fault-rate-malformed", "0.4"]), False),
    ("SMTP 451, 550, cut after DATA", mail_scenario("smtpmix", ["ok1", "ok2", "tempfail1", "reject1", "dropdata1"]),
     True),
    ("SMTP stopped mid-send", mail_scenario("smtpstop", ["ok%d" % i for i in range(12)], True), False),
]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--short", action="store_true", help="the short set, with small batches (make test)")
    p.add_argument("--only", help="run the scenarios whose name contains this text")
    p.add_argument("--logdir", default=os.path.join(ENV.get("SHORTLIST_LOG_DIR", tempfile.gettempdir())))
    a = p.parse_args()
    a.n = 6 if a.short else 30
    a.wait = 90 if a.short else 240
    os.makedirs(a.logdir, exist_ok=True)
    rows, violations = [], 0
    for name, fn, in_short in SCENARIOS:
        if (a.short and not in_short) or (a.only and a.only.lower() not in name.lower()):
            continue
        log("scenario: " + name)
        started = time.monotonic()
        org = None
        try:
            org, maildirs = fn(a)
            lost, dup, v = check(org, maildirs)
        except Failure as e:
            lost, dup, v = 0, 0, ["could not run: %s" % e]
        except Exception as e:  # a scenario that breaks is a failure in the table, not the end of the suite
            lost, dup, v = 0, 0, ["broke: %s: %s" % (type(e).__name__, e)]
        finally:
            services("start")  # whatever a scenario stopped is back for the next one
        for x in v:
            log("  violation: " + x)
        violations += len(v)
        rows.append((name, org.requests if org else 0, len(org.accepted) + org.queued_emails if org else 0, lost, dup,
                     len(v),
                     int(time.monotonic() - started)))
        if org:
            org.cleanup()
    w = max([len(r[0]) for r in rows] + [8])
    print("%-*s %8s %8s %5s %10s %10s %5s" % (w, "scenario", "requests", "accepted", "lost", "duplicated",
                                                "violations", "secs"))
    for r in rows:
        print("%-*s %8d %8d %5d %10d %10d %5d" % ((w,) + r))
    print("faults: %d scenarios, %d violations" % (len(rows), violations))
    return 1 if violations or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
