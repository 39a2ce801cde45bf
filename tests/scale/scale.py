#!/usr/bin/python3
"""The multi-host test's scenarios: uploads through HAProxy to three web hosts
(tests/scale/cluster.sh) while their three drainers work, with a fault in
the middle of the load, then the SQL and S3 invariants of the fault suite
(tests/faults/faults.py) and this test's own.

Scenarios:
  * the resumes uploaded while three drainers work, to completion;
  * one web host's lighttpd killed (SIGKILL) mid-load: only the requests in
    flight on it fail (the client sends those again), and none started a
    check interval after the kill fails;
  * one web host stopped with SIGTERM mid-load: no request fails;
  * one of the two memcached servers stopped mid-load: no 5xx;
  * pgbouncer restarted mid-load: requests fail only while it is down (the
    client sends them again), none started a few check intervals after it
    is back.

Every statement of the hosts' handlers and drainers goes through pgbouncer
in transaction mode; during each load the connections PostgreSQL holds are
sampled (pg_stat_activity): those from pgbouncer stay within its
max_db_connections however many processes are its clients, and no error of
a named prepared statement reaches PostgreSQL's log (through a
transaction-mode pooler the programs send unnamed statements).

After each: every file sent is one resume row (nothing lost, none twice),
every resume finished with one current analysis, no analysis made twice, S3
objects and rows match. It prints one table (scenario, requests, failures,
resumes, PostgreSQL connections, invariants, secs) and exits 1 on any violation. Run by scripts/scale
(`make scale`), which builds the cluster and loads its configuration;
tests/t0950-scale-short.sh runs the short set (--short).
"""

import argparse
import hashlib
import http.client
import io
import json
import os
import queue
import subprocess
import sys
import threading
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "faults"))
import faults as F  # noqa: E402  (the invariants, the organisation and its SQL helpers)

ENV = os.environ
HOST, PORT = "127.0.0.1", int(ENV["SHORTLIST_SCALE_HTTP_PORT"])
F.BASE = "http://%s:%d" % (HOST, PORT)
CHECK_INTERVAL_S = 1.0  # HAProxy's `check inter 1s` (tests/scale/cluster.sh)
PGB = (ENV["SHORTLIST_PGBOUNCER_ADDRESS"], ENV["SHORTLIST_PGBOUNCER_PORT"])


def pool_max():
    """max_db_connections of infra/pgbouncer/pgbouncer.ini: what PostgreSQL may see from pgbouncer."""
    with open(os.path.join(ROOT, "infra", "pgbouncer", "pgbouncer.ini")) as f:
        for line in f:
            k, _, v = line.partition("=")
            if k.strip() == "max_db_connections":
                return int(v)
    raise F.Failure("infra/pgbouncer/pgbouncer.ini sets no max_db_connections")


POOL_MAX = pool_max()


def log(msg):
    print("# " + msg, flush=True)


def ctl(*args, timeout=120):
    out = subprocess.run([os.path.join(HERE, "ctl"), *args], capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise F.Failure("tests/scale/ctl %s: %s" % (" ".join(args), out.stderr.strip()))
    return out.stdout


# ---- files: small resumes as text, PDF and DOCX, each one distinct

def resume_lines(tag, i):
    return ["Candidate %s %d" % (tag, i), "Email: c%d.%s.%s@example.org" % (i, tag, F.RUN), "",
            "Experience", "Software Engineer, Acme (2017 - 2024)",
            "Built backend services in C and Go on PostgreSQL and Linux (file %d of run %s)." % (i, F.RUN),
            "Tuned queries and indexes, ran on-call, mentored two engineers.", "",
            "Education", "BSc Computer Science (2013 - 2017)"]


def make_pdf(lines):
    """A one-page PDF with the lines as real text (Helvetica), offsets computed."""
    def esc(s):
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    text = "BT /F1 11 Tf 56 780 Td 15 TL " + " ".join("(%s) Tj T*" % esc(s) for s in lines) + " ET"
    objs = ["<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
            " /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text)]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, o in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(("%d 0 obj\n%s\nendobj\n" % (n, o)).encode())
    xref = out.tell()
    out.write(("xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)).encode())
    for off in offsets:
        out.write(("%010d 00000 n \n" % off).encode())
    out.write(("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)).encode())
    return out.getvalue()


def make_docx(lines):
    """A minimal Word document: content types, the package relation and the body."""
    from xml.sax.saxutils import escape
    body = "".join("<w:p><w:r><w:t xml:space=\"preserve\">%s</w:t></w:r></w:p>" % escape(s) for s in lines)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                   'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                   '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                   'document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   'wordprocessingml/2006/main"><w:body>%s</w:body></w:document>' % body)
    return out.getvalue()


def make_files(n, tag):
    """n distinct resumes: 3 in 5 text, 1 in 5 PDF, 1 in 5 DOCX. Returns [(name, bytes, content type)]."""
    files = []
    for i in range(n):
        lines = resume_lines(tag, i)
        kind = ("txt", "txt", "pdf", "txt", "docx")[i % 5]
        if kind == "pdf":
            files.append(("%s-%d.pdf" % (tag, i), make_pdf(lines), "application/pdf"))
        elif kind == "docx":
            files.append(("%s-%d.docx" % (tag, i), make_docx(lines),
                          "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
        else:
            files.append(("%s-%d.txt" % (tag, i), ("\n".join(lines) + "\n").encode(), "text/plain"))
    return files


def multipart(files):
    boundary = "scale%s" % os.urandom(8).hex()
    out = io.BytesIO()
    for i, (name, data, ctype) in enumerate(files):
        out.write(("--%s\r\nContent-Disposition: form-data; name=\"f%d\"; filename=\"%s\"\r\n"
                   "Content-Type: %s\r\n\r\n" % (boundary, i, name, ctype)).encode())
        out.write(data)
        out.write(b"\r\n")
    out.write(("--%s--\r\n" % boundary).encode())
    return boundary, out.getvalue()


# ---- the load: upload requests through HAProxy from a few client threads

class Load:
    """Sends the files in requests of `per` files from `conc` threads; a request that failed
    (an error status or a broken connection) is counted and sent again. With `spread` seconds,
    the first sending of each request is paced evenly over that time (a fault then falls in
    the middle of a steady load, not at the end of a burst); without, they go as fast as
    the hosts answer."""

    def __init__(self, org, files, per, conc, spread=0.0):
        self.org, self.conc, self.spread = org, conc, spread
        self.t_start = None
        self.sent = 0  # requests taken for their first sending
        self.todo = queue.Queue()
        for i in range(0, len(files), per):
            self.todo.put((i, files[i:i + per]))
        self.chunks = self.todo.qsize()
        self.lock = threading.Lock()
        self.log = []  # (started, finished, status or 0, error text)
        self.finished_chunks = 0
        self.stop = threading.Event()
        self.tried = set()  # requests sent at least once (by the index of their first file)

    def _send(self, conn, chunk):
        boundary, body = multipart(chunk)
        conn.request("POST", "/api/v1/jobs/%d/resumes" % self.org.job, body=body, headers={
            "Authorization": "Bearer " + self.org.key,
            "Content-Type": "multipart/form-data; boundary=" + boundary})
        resp = conn.getresponse()
        data = resp.read()
        doc = None
        try:
            doc = json.loads(data)
        except ValueError:
            pass
        return resp.status, doc

    def _worker(self):
        conn = None
        while not self.stop.is_set() and self.finished_chunks < self.chunks:
            try:
                key, chunk = self.todo.get(timeout=0.1)
            except queue.Empty:
                continue  # the others' requests may still fail and come back
            first = key not in self.tried
            if first and self.spread:
                with self.lock:
                    slot = self.sent
                    self.sent += 1
                wait = self.t_start + slot * self.spread / self.chunks - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            self.tried.add(key)
            if conn is None:
                conn = http.client.HTTPConnection(HOST, PORT, timeout=120)
            t0 = time.monotonic()
            status, err, doc = 0, "", None
            try:
                status, doc = self._send(conn, chunk)
            except (OSError, http.client.HTTPException) as e:
                err = "%s: %s" % (type(e).__name__, e)
                conn.close()
                conn = None
            ok = status in (200, 201) and isinstance(doc, dict)
            with self.lock:
                self.log.append((t0, time.monotonic(), status,
                                 err or ("" if ok else "HTTP %d %s" % (status, str(doc)[:200]))))
                if ok:
                    for f in doc.get("files", []):
                        rid = f.get("resume_id") or f.get("duplicate_of")
                        if f.get("status") in ("accepted", "duplicate") and rid:
                            self.org.accepted.add(int(rid))
                    self.finished_chunks += 1
            if not ok:
                self.todo.put((key, chunk))  # the client knows this one failed: it sends it again
                time.sleep(0.2)
        if conn:
            conn.close()

    def run(self, fault=None, at=0.3, seconds=900):
        """Runs the load; calls fault() in this thread once `at` of the requests are done.
        Returns the monotonic time the fault started (None without one)."""
        threads = [threading.Thread(target=self._worker) for _ in range(self.conc)]
        self.t_start = time.monotonic()
        deadline = self.t_start + seconds + self.spread
        for t in threads:
            t.start()
        t_fault = None
        try:
            if fault:
                while self.finished_chunks < self.chunks * at and time.monotonic() < deadline:
                    time.sleep(0.01)
                t_fault = time.monotonic()
                fault()
            while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            self.stop.set()
            for t in threads:
                t.join()
        if self.finished_chunks < self.chunks:
            raise F.Failure("%d of %d upload requests never succeeded" % (self.chunks - self.finished_chunks,
                                                                         self.chunks))
        return t_fault

    def started_after(self, since):
        return [x for x in self.log if x[0] >= since]

    def failures(self, since=None):
        return [x for x in self.log if x[2] not in (200, 201) and (since is None or x[0] >= since)]


# ---- connections to PostgreSQL, sampled while a scenario runs

class ConnSampler:
    """Samples every 0.25 s the client connections PostgreSQL holds to the database: from
    pgbouncer (it connects from the services' address, where it runs), the drainers' direct
    LISTEN connections, and the rest (the scenario's own checks); and pgbouncer's clients
    (one per handler process and drainer that has connected). Keeps the largest of each."""

    QUERY = ("SELECT count(*) FILTER (WHERE client_addr = '%s'),"
             " count(*) FILTER (WHERE application_name = 'shortlist-listen'),"
             " count(*) FROM pg_stat_activity WHERE datname = 'shortlist' AND backend_type = 'client backend'"
             " AND pid <> pg_backend_pid()" % ENV["SHORTLIST_PGBOUNCER_ADDRESS"])

    def __init__(self):
        self.pooled = self.listen = self.total = self.clients = 0
        self.samples = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _clients(self):
        out = subprocess.run(["psql", "-h", PGB[0], "-p", PGB[1], "-U", "postgres", "-d", "pgbouncer", "-Atq",
                              "-F", "|", "-c", "SHOW CLIENTS"], capture_output=True, text=True, timeout=10)
        if out.returncode != 0:
            return 0  # pgbouncer restarting
        # type|user|database|...: the clients of the shortlist database (not this admin console)
        return sum(1 for line in out.stdout.splitlines() if line.split("|")[2:3] == ["shortlist"])

    def _run(self):
        while not self.stop.is_set():
            try:
                pooled, listen, total = (int(x) for x in F.sql(self.QUERY).split("|"))
                clients = self._clients()
            except (F.Failure, ValueError, subprocess.TimeoutExpired):
                pooled = listen = total = clients = 0
            self.pooled, self.listen = max(self.pooled, pooled), max(self.listen, listen)
            self.total, self.clients = max(self.total, total), max(self.clients, clients)
            self.samples += 1
            self.stop.wait(0.25)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def violations(self):
        if self.samples < 3:
            return ["only %d samples of PostgreSQL's connections" % self.samples]
        if self.pooled > POOL_MAX:
            return ["PostgreSQL held %d connections from pgbouncer, over its max_db_connections %d"
                    % (self.pooled, POOL_MAX)]
        return []

    def cell(self):
        """pooled+listen/total, and pgbouncer's clients."""
        return "%d+%d/%d" % (self.pooled, self.listen, self.total), self.clients


def pg_log_size():
    try:
        return os.path.getsize(PG_LOG)
    except OSError:
        return 0


PG_LOG = os.path.join(ENV.get("SHORTLIST_LOG_DIR", ""), "postgresql.log")


def prepared_errors(since):
    """Errors about named prepared statements PostgreSQL logged since offset `since`: what a
    program preparing by name through a transaction-mode pooler gets ("does not exist" on a
    server connection that never saw the PREPARE, "already exists" on one that did)."""
    try:
        with open(PG_LOG, "rb") as f:
            f.seek(since)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if "ERROR:" in line and "prepared statement" in line]


# ---- readers beside the uploads, so that many handler processes are pgbouncer's clients

class Readers:
    """`n` threads reading the job and a page of its shortlist through HAProxy, one request
    after another, for as long as the `with` block runs. Any answer but 200 is a failure."""

    def __init__(self, org, n):
        self.org, self.n = org, n
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.count = 0
        self.failed = []
        self.threads = [threading.Thread(target=self._worker, args=(i,), daemon=True) for i in range(n)]

    def _worker(self, i):
        paths = ["/api/v1/jobs/%d/candidates?limit=20" % self.org.job, "/api/v1/jobs/%d" % self.org.job]
        conn = None
        k = i
        while not self.stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
            status, err = 0, ""
            try:
                conn.request("GET", paths[k % 2], headers={"Authorization": "Bearer " + self.org.key})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException) as e:
                err = "%s: %s" % (type(e).__name__, e)
                conn.close()
                conn = None
            with self.lock:
                self.count += 1
                if status != 200:
                    self.failed.append(err or "HTTP %d on %s" % (status, paths[k % 2]))
            k += 1
            self.stop.wait(0.1)
        if conn:
            conn.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()


# ---- invariants beyond the fault suite's

def check_files(org, files):
    """Every file sent is exactly one resume row of the organisation."""
    v = []
    sent = set(hashlib.sha256(d).hexdigest() for _, d, _ in files)
    rows = F.sql("SELECT sha256 FROM resumes WHERE org_id = %d" % org.id).split()
    if len(rows) != len(set(rows)):
        v.append("%d files stored twice" % (len(rows) - len(set(rows))))
    if sent - set(rows):
        v.append("%d files sent and never stored" % len(sent - set(rows)))
    if set(rows) - sent:
        v.append("%d resumes that were never sent" % len(set(rows) - sent))
    tasks = F.sql_int("SELECT count(*) FROM tasks WHERE org_id = %d AND kind = 'process_resume'" % org.id)
    if tasks != len(rows):
        v.append("%d processing tasks for %d resumes" % (tasks, len(rows)))
    return v, len(rows)


def settle(org, seconds):
    """Waits for the hosts' drainers to finish the organisation's work."""
    def done():
        org.due_now()
        return org.pending() == 0
    if not F.eventually(seconds, done, 0.5):
        raise F.Failure("%d items still pending after %d s" % (org.pending(), seconds))


# ---- scenarios: each returns (load, extra violations)

def scen_baseline(a, org, files):
    load = Load(org, files, a.per, a.conc)
    with Readers(org, a.readers) as reads:
        load.run()
    v = ["%d requests failed with no fault" % len(load.failures())] if load.failures() else []
    if reads.failed:
        v.append("%d of %d reads failed with no fault: %s" % (len(reads.failed), reads.count, reads.failed[0]))
    log("  %d reads beside the uploads from %d connections, %d failed" % (reads.count, a.readers, len(reads.failed)))
    return load, v


def host_down_in_haproxy(name, seconds):
    return F.eventually(seconds, lambda: ("%s down" % name) in ctl("haproxy-servers").splitlines(), 0.1)


def scen_kill(a, org, files):
    load = Load(org, files, a.per, a.conc, a.spread)
    seen = {}

    def fault():
        ctl("host-kill", "2")
        seen["down"] = host_down_in_haproxy("h2", 5)
    t_kill = load.run(fault)
    v = []
    if not seen.get("down"):
        v.append("HAProxy did not mark the killed host down within 5 s")
    late = load.failures(t_kill + CHECK_INTERVAL_S)
    after = len(load.started_after(t_kill + CHECK_INTERVAL_S))
    if after < 10:
        v.append("only %d requests started after the kill and its check interval: nothing was shown" % after)
    if late:
        v.append("%d requests failed that started over %.0f s after the kill: %s"
                 % (len(late), CHECK_INTERVAL_S, late[0][3] or late[0][2]))
    log("  %d requests failed, all in flight at the kill; %d started later, none failed"
        % (len(load.failures()), after) if not late else "  %d requests failed" % len(load.failures()))
    ctl("host-start", "2")
    return load, v


def too_few_after(load, t_fault):
    after = len(load.started_after(t_fault))
    return ["only %d requests started after the fault: nothing was shown" % after] if after < 10 else []


def scen_term(a, org, files):
    load = Load(org, files, a.per, a.conc, a.spread)
    seen = {}

    def fault():
        ctl("host-term", "3")
        seen["down"] = host_down_in_haproxy("h3", 5)
    t_term = load.run(fault)
    v = ["%d requests failed around a graceful stop: %s" % (len(load.failures()), load.failures()[0][3]
                                                             or load.failures()[0][2])] if load.failures() else []
    if not seen.get("down"):
        v.append("HAProxy did not mark the stopped host down")
    v += too_few_after(load, t_term)
    ctl("host-start", "3")
    return load, v


def scen_pgbouncer(a, org, files):
    """pgbouncer restarted mid-load: the handlers' and drainers' connections to it are cut;
    each process's next statement reconnects. Requests fail only while it is down, or just
    after (a host whose /readyz failed twice is out of HAProxy until two checks pass)."""
    load = Load(org, files, a.per, a.conc, a.spread)
    back = {}

    def fault():
        ctl("pgbouncer-restart")
        back["t"] = time.monotonic()
    t_restart = load.run(fault)
    grace = 3 * CHECK_INTERVAL_S
    late = [x for x in load.failures() if x[0] > back["t"] + grace]
    fails = load.failures()
    v = []
    if late:
        v.append("%d requests failed that started over %.0f s after pgbouncer was back: %s"
                 % (len(late), grace, late[0][3] or late[0][2]))
    log("  pgbouncer down for %.1f s; %d requests failed, all started within %.0f s of it being back, and were sent"
        " again" % (back["t"] - t_restart, len(fails), grace) if not late else "  %d requests failed" % len(fails))
    return load, v + too_few_after(load, back["t"] + grace)


def scen_memcached(a, org, files):
    load = Load(org, files, a.per, a.conc, a.spread)
    try:
        t_stop = load.run(lambda: ctl("memcached2-stop"))
    finally:
        ctl("memcached2-start")
    five = [x for x in load.failures() if x[2] >= 500 or x[2] == 0]
    v = ["%d requests answered 5xx or cut with one memcached down: %s" % (len(five), five[0][3] or five[0][2])] \
        if five else []
    return load, v + too_few_after(load, t_stop)


# (name, function, share of --resumes in the full run, share in --short or None when left out)
SCENARIOS = [
    ("uploads while three drainers work", scen_baseline, 1.0, None),
    ("SIGKILL of a web host's lighttpd", scen_kill, 0.5, 1.0),
    ("SIGTERM of a web host", scen_term, 0.5, None),
    ("one memcached stopped", scen_memcached, 0.5, None),
    ("pgbouncer restarted", scen_pgbouncer, 0.5, 0.5),
]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--short", action="store_true", help="the kill scenario with a few hundred resumes and the"
                                                         " pgbouncer restart with half as many")
    p.add_argument("--only", help="run the scenarios whose name contains this text")
    p.add_argument("--resumes", type=int, help="resumes of the first scenario (default 2000; --short 300);"
                                               " the fault scenarios send half as many")
    p.add_argument("--per-request", dest="per", type=int, default=5, help="files per upload request")
    p.add_argument("--clients", dest="conc", type=int, default=6, help="concurrent client connections")
    p.add_argument("--readers", type=int, default=12, help="connections reading the shortlist beside the first"
                                                         " scenario's uploads")
    p.add_argument("--spread", type=float, help="seconds the fault scenarios' requests are paced over"
                                               " (default 10; 20 with 1,000 resumes or more)")
    p.add_argument("--wait", type=int, default=600, help="seconds to wait for the drainers per scenario")
    a = p.parse_args()
    n = a.resumes or (300 if a.short else 2000)
    if a.spread is None:
        a.spread = 20.0 if n >= 2000 else 10.0
    rows, violations = [], 0
    for name, fn, share, short_share in SCENARIOS:
        if (a.short and short_share is None) or (a.only and a.only.lower() not in name.lower()):
            continue
        count = max(a.per, int(n * (short_share if a.short else share)))
        log("scenario: %s (%d resumes)" % (name, count))
        started = time.monotonic()
        load, resumes, v = None, 0, []
        org = None
        conns = ConnSampler()
        log_at = pg_log_size()
        try:
            org = F.Org("scale%d" % len(rows))
            files = make_files(count, "s%d" % len(rows))
            with conns:
                load, v = fn(a, org, files)
                settle(org, a.wait)
            v += conns.violations()
            prep = prepared_errors(log_at)
            if prep:
                v.append("%d errors of named prepared statements in PostgreSQL's log: %s" % (len(prep), prep[0][-160:]))
            lost, dup, fv = F.check(org)
            more, resumes = check_files(org, files)
            v += fv + more
        except F.Failure as e:
            v.append("could not run: %s" % e)
        except Exception as e:  # a scenario that breaks is a row with a violation, not the end of the run
            v.append("broke: %s: %s" % (type(e).__name__, e))
        for x in v:
            log("  violation: " + x)
        violations += len(v)
        rows.append((name, len(load.log) if load else 0, len(load.failures()) if load else 0, resumes)
                    + conns.cell() + ("ok" if not v else "violated", int(time.monotonic() - started)))
        if org:
            org.cleanup()
    w = max([len(r[0]) for r in rows] + [8])
    print("%-*s %8s %8s %7s %9s %7s %-10s %5s" % (w, "scenario", "requests", "failures", "resumes", "pg conns",
                                                 "clients", "invariants", "secs"))
    for r in rows:
        print("%-*s %8d %8d %7d %9s %7d %-10s %5d" % ((w,) + r))
    print("pg conns: the most PostgreSQL held at once, from pgbouncer + drainers' LISTEN / all (max_db_connections"
          " %d); clients: the most connected to pgbouncer" % POOL_MAX)
    print("scale: %d scenarios, %d violations" % (len(rows), violations))
    return 1 if violations or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
