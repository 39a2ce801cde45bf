#!/usr/bin/python3
"""The ranking-quality evaluation: the labelled set (tests/eval/labelled.py)
uploaded through the API of a running instance, scored by its drainer with
whatever provider the instance is configured for, and judged: top-1
accuracy, NDCG@5, Spearman correlation of score with grade, band accuracy,
stability, name-swap invariance, required-skill recall of the derived rubric
and the traps' outcomes, printed as one table.

It exits 1 when a figure is worse than the one recorded in floors.json for
the provider that scored (higher is better, except the two spreads, where
lower is); a provider with no recorded figures is reported, not judged.
Run through scripts/eval (`make eval`) or tests/t0965-eval-short.sh, which
load the instance's configuration. Usage: eval.py [--short] [--floors FILE]
[--write-floors] [--keep DIR].
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import labelled  # noqa: E402
import metrics  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.join(ROOT, os.environ.get("SHORTLIST_BUILD") or "build", "bin")
ENV = os.environ
BASE = "http://127.0.0.1:%s/api/v1" % ENV["SHORTLIST_HTTP_PORT"]
RUN = uuid.uuid4().hex[:8]
NO_LIFT = 0.5  # points a trap may add to its baseline's score and still count as not lifting it
# Figures where lower is better.
SPREADS = ("stability_spread", "name_swap_diff", "nice_as_required", "neardup_false_links", "neardup_dup_missed")


class Failure(Exception):
    """The evaluation could not be carried out (as opposed to a figure below its floor)."""


def sql(query):
    out = subprocess.run(["psql", "-h", ENV.get("SHORTLIST_PG_ADDRESS") or "127.0.0.1", "-p", ENV["SHORTLIST_PG_PORT"],
                          "-U", "postgres", "-d", "shortlist", "-Atq", "-v", "ON_ERROR_STOP=1", "-c", query],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise Failure("sql failed: %s" % out.stderr.strip())
    return out.stdout.strip()


def curl(key, args, timeout=120):
    """Runs curl against the API; returns (status, parsed JSON body or None)."""
    out = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", str(timeout),
                          "-H", "Authorization: Bearer " + key, *args], capture_output=True, text=True,
                         timeout=timeout + 10)
    body, _, code = out.stdout.rpartition("\n")
    try:
        return int(code or 0), json.loads(body) if body else None
    except ValueError:
        return int(code or 0), None


def ctl(*args):
    out = subprocess.run([os.path.join(BIN, "shortlistctl"), *args], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise Failure("shortlistctl %s: %s" % (args[0], out.stderr.strip()))
    return out.stdout.strip()


def closed_port():
    """A loopback port nothing listens on (the drainer's memcached for calls that must not hit the cache)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def drain(org_id, seconds, env=None):
    """Runs `drainer --once` until no resume of the organisation is queued or processing."""
    e = dict(ENV)
    e.update(env or {})
    end = time.monotonic() + seconds
    q = "SELECT count(*) FROM resumes WHERE org_id = %d AND status IN ('queued', 'processing')" % org_id
    while time.monotonic() < end:
        subprocess.run([os.path.join(BIN, "drainer"), "--once", "--max-seconds", "60"], env=e,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        if int(sql(q) or 0) == 0:
            return
        time.sleep(0.3)
    raise Failure("resumes still waiting after %d s" % seconds)


def upload(key, job_id, paths):
    args = []
    for p in paths:
        args += ["-F", "f=@%s" % p]
    code, doc = curl(key, args + ["%s/jobs/%d/resumes" % (BASE, job_id)])
    if code not in (200, 201, 202) or not doc:
        raise Failure("upload to job %d: HTTP %d %s" % (job_id, code, doc))
    return {f["filename"]: f for f in doc["files"]}


def ranking(key, job_id):
    """Every candidate of the job in rank order."""
    items, cursor = [], None
    while True:
        q = "%s/jobs/%d/candidates?limit=100" % (BASE, job_id)
        if cursor:
            q += "&cursor=" + urllib.parse.quote(cursor, safe="")
        code, doc = curl(key, [q])
        if code != 200:
            raise Failure("candidates of job %d: HTTP %d %s" % (job_id, code, doc))
        items += doc["items"]
        cursor = doc.get("next_cursor")
        if not cursor:
            return items


def run(short, tmp):
    s = labelled.build(short)
    for name, data in s["files"].items():
        with open(os.path.join(tmp, name), "wb") as f:
            f.write(data)
    org = "eval-%s" % RUN
    ctl("org", "create", org)
    key = ctl("key", "create", "--org", org).splitlines()[-1].strip()
    org_id = int(sql("SELECT id FROM organisations WHERE name = '%s'" % org))
    jobs = s["jobs"]
    for j in jobs:
        code, doc = curl(key, ["-H", "Content-Type: application/json", "--data",
                               json.dumps({"title": j["title"], "description": j["description"]}), BASE + "/jobs"])
        if code != 201:
            raise Failure("cannot create job %s: HTTP %d %s" % (j["key"], code, doc))
        j["id"], j["rubric"] = doc["id"], doc["rubric"]
        if j.get("prose"):
            # The same job written as prose, for the rubric only: no resumes are uploaded to it.
            code, doc = curl(key, ["-H", "Content-Type: application/json", "--data",
                                   json.dumps({"title": j["title"], "description": j["prose"]}), BASE + "/jobs"])
            if code != 201:
                raise Failure("cannot create the prose job %s: HTTP %d %s" % (j["key"], code, doc))
            j["rubric_prose"] = doc["rubric"]
    for copies in (False, True):
        for j in jobs:
            if bool(j.get("copy_of")) == copies:
                j["upload"] = upload(key, j["id"], [os.path.join(tmp, it["file"]) for it in j["items"]])
        # The copies are scored without the model-answer cache, so a provider is asked each time.
        drain(org_id, 300 if short else 900,
              {"SHORTLIST_MEMCACHED_SERVERS": "127.0.0.1:%d" % closed_port()} if copies else None)
    for j in jobs:
        j["ranking"] = ranking(key, j["id"])
    if not jobs[0]["ranking"]:
        raise Failure("job %s has no candidates after the drainer ran" % jobs[0]["key"])
    first = jobs[0]["ranking"][0]["resume_id"]
    _, detail = curl(key, ["%s/candidates/%d" % (BASE, first)])
    a = (detail or {}).get("analysis") or {}
    provider = a.get("provider") or "unknown"
    if a.get("model"):
        provider += " (%s)" % a["model"]
    return jobs, provider, a.get("provider") or "unknown"


def by_file(j):
    return {c["filename"]: c for c in j["ranking"]}


def is_scored(c):
    """Whether the candidate (None: not in the ranking) was read and got a score: scored, or needing review
    with one (the stuffed resume does), not failed."""
    return bool(c) and c.get("category") in ("shortlist", "consider", "reject", "needs_review") and \
        c.get("score") is not None


def score_of(c):
    """The candidate's score; 0 for one without (needs review, failed, missing)."""
    return c["score"] if c and c.get("score") is not None else 0.0


def required_keywords(rubric):
    """The keywords of a rubric's first skills criterion ("Required skills")."""
    skills = [c for c in rubric["criteria"] if c.get("kind") == "skills"]
    return skills[0]["keywords"] if skills else []


def figures(jobs):
    """The figures and the trap rows: ({name: value}, [(trap row, passed, total, detail)])."""
    graded = [j for j in jobs if not j.get("copy_of")]
    top1, ndcg, rho, band, recall_hit, recall_all, prose_hit, prose_all = [], [], [], [], 0, 0, 0, 0
    nice_hit, nice_all = 0, 0
    for j in graded:
        grade_of = {it["file"]: it["grade"] for it in j["items"] if it.get("grade")}
        ranked = [c for c in j["ranking"] if c["filename"] in grade_of]
        g = [metrics.GRADE[grade_of[c["filename"]]] for c in ranked]
        top1.append(1.0 if g and g[0] == 2 else 0.0)
        ndcg.append(metrics.ndcg_at(g, 5))
        rho.append(metrics.spearman([score_of(c) for c in ranked], g))
        for c in ranked:
            r = metrics.band_right(grade_of[c["filename"]], c.get("category"))
            if r is not None:
                band.append(1.0 if r else 0.0)
        kws = required_keywords(j["rubric"])
        recall_all += len(j["labels"])
        recall_hit += sum(1 for lab in j["labels"] if metrics.label_recalled(lab, kws))
        # A nice-to-have among the required skills, in either wording, is a requirement the job does not make.
        for rub in (j["rubric"], j.get("rubric_prose")):
            if rub:
                nice_all += len(j.get("nice") or [])
                nice_hit += sum(1 for n in j.get("nice") or [] if metrics.label_recalled([n], required_keywords(rub)))
        if j.get("rubric_prose"):
            prose_kws = required_keywords(j["rubric_prose"])
            prose_all += len(j["labels"])
            prose_hit += sum(1 for lab in j["labels"] if metrics.label_recalled(lab, prose_kws))
        j["figures"] = (g[0] if g else None, metrics.ndcg_at(g, 5), rho[-1],
                        sum(1 for lab in j["labels"] if metrics.label_recalled(lab, kws)), len(j["labels"]),
                        sum(1 for lab in j["labels"] if metrics.label_recalled(lab, required_keywords(
                            j.get("rubric_prose") or {"criteria": []}))))
    copies = [j for j in jobs if j.get("copy_of")]
    spread = 0.0
    if copies:
        for f in (it["file"] for it in copies[0]["items"]):
            ss = [score_of(by_file(j).get(f)) for j in copies]
            spread = max(spread, max(ss) - min(ss))
    scored = [is_scored(by_file(j).get(it["file"])) for j in jobs for it in j["items"]]
    out = {"scored": sum(scored) / len(scored) if scored else 0.0,
           "top1": metrics.mean(top1), "ndcg5": metrics.mean(ndcg), "spearman": metrics.mean(rho),
           "band": metrics.mean(band), "skill_recall": recall_hit / recall_all if recall_all else 0.0,
           "skill_recall_prose": prose_hit / prose_all if prose_all else 0.0,
           "nice_as_required": nice_hit / nice_all if nice_all else 0.0,
           "stability_spread": spread, "name_swap_diff": 0.0}
    out.update(neardup_figures(jobs))
    rows = trap_rows(graded, out)
    passed = sum(r[1] for r in rows)
    total = sum(r[2] for r in rows)
    out["traps_passed"] = passed / total if total else 1.0
    return out, rows


def neardup_figures(jobs):
    """The service's near-duplicate links (score/neardup.h) read from the lists, against the people of the labels.

    Every resume of the organisation is in some job's ranking with its near_duplicates; a linked pair of
    files of different people is a false link, a one-word duplicate not linked to its base a miss. Same-person
    pairs include the stability copies, which are the same files again in other jobs.
    """
    person, fname = {}, {}
    for j in jobs:
        who = {it["file"]: it["person"] for it in j["items"]}
        for c in j["ranking"]:
            if c["filename"] in who:
                person[c["resume_id"]] = who[c["filename"]]
                fname[c["resume_id"]] = c["filename"]
    links = set()
    for j in jobs:
        for c in j["ranking"]:
            for d in c.get("near_duplicates") or []:
                links.add(tuple(sorted((c["resume_id"], d["resume_id"]))))
    ids = sorted(person)
    same = sum(1 for i, a in enumerate(ids) for b in ids[i + 1:] if person[a] == person[b])
    pairs = len(ids) * (len(ids) - 1) // 2
    false = [(a, b) for a, b in links if a in person and b in person and person[a] != person[b]]
    hits = sum(1 for a, b in links if a in person and b in person and person[a] == person[b])
    dups = [(j, it) for j in jobs if not j.get("copy_of") for it in j["items"] if it.get("trap") == "duplicate"]
    missed = 0
    for j, it in dups:
        cs = by_file(j)
        a, b = cs.get(it["file"]), cs.get(it["base"])
        if not a or not b or tuple(sorted((a["resume_id"], b["resume_id"]))) not in links:
            missed += 1
    for a, b in false:
        print("# near-duplicate link between different people: %s ~ %s" % (fname[a], fname[b]))
    print("# near-duplicates through the service: %d links; %d of %d same-person pairs linked; %d false links of %d "
          "different-people pairs; %d of %d one-word duplicates missed" % (
              len(links), hits, same, len(false), pairs - same, missed, len(dups)))
    return {"neardup_false_links": float(len(false)), "neardup_dup_missed": float(missed),
            "neardup_same_linked": hits / same if same else 0.0}


def trap_rows(graded, out):
    """Each trap kind's outcome over the jobs that carry traps; sets out["name_swap_diff"]."""
    kinds = {"hidden_pdf_white": [], "hidden_pdf_tiny": [], "hidden_docx": [], "injection": [], "stuffing": [],
             "duplicate": []}
    swap = 0.0
    for j in graded:
        cs = by_file(j)
        strong_min = min((score_of(cs.get(it["file"])) for it in j["items"] if it.get("grade") == "strong"), default=0)
        names = []
        for it in j["items"]:
            t, c = it.get("trap"), cs.get(it["file"])
            if not t or t == "baseline":
                continue
            if t == "name_swap":
                names.append(score_of(c) if is_scored(c) else -100.0)  # an unscored one shows as a large difference
                continue
            if not is_scored(c) or (it.get("base") and not is_scored(cs.get(it["base"]))):
                kinds[t].append((False, "%s: not scored" % j["key"]))
                continue
            lift = score_of(c) - score_of(cs[it["base"]]) if it.get("base") else 0.0
            flags = [f.get("name", "") if isinstance(f, dict) else str(f) for f in c.get("flags") or []]
            if t.startswith("hidden"):
                ok = "hidden_text" in flags and lift <= NO_LIFT
                note = "%s: %s, %+.1f" % (j["key"], "flagged" if "hidden_text" in flags else "NOT flagged", lift)
            elif t == "injection":
                ok, note = lift <= NO_LIFT, "%s: %+.1f" % (j["key"], lift)
            elif t == "stuffing":
                pos = j["ranking"].index(c)
                ok = all(j["ranking"].index(cs[x["file"]]) < pos for x in j["items"]
                         if x.get("grade") == "strong" and x["file"] in cs)
                note = "%s: %.1f %s, strong >= %.1f" % (j["key"], score_of(c), c["category"], strong_min)
            else:  # duplicate with one word changed
                base_id = cs[it["base"]]["resume_id"]
                seen = (any("dup" in f for f in flags) or j["upload"][it["file"]].get("status") == "duplicate"
                        or any(d.get("resume_id") == base_id for d in c.get("near_duplicates") or []))
                ok = seen or abs(lift) <= NO_LIFT
                note = "%s: %s, %+.1f" % (j["key"], "noticed" if seen else "not noticed", lift)
            kinds[t].append((ok, note))
        if names:
            swap = max(swap, max(names) - min(names))
    out["name_swap_diff"] = swap
    titles = {"hidden_pdf_white": "hidden text, PDF white: flagged, no lift",
              "hidden_pdf_tiny": "hidden text, PDF 1 pt: flagged, no lift",
              "hidden_docx": "hidden text, DOCX white: flagged, no lift",
              "injection": "prompt injection line: no lift",
              "stuffing": "keyword stuffing x50: below the strong",
              "duplicate": "one word changed: noticed or same score"}
    return [(titles[k], sum(1 for ok, _ in v if ok), len(v), "; ".join(n for _, n in v)) for k, v in kinds.items()]


LABELS = [("scored", "files read and scored (none failed or lost)"),
          ("top1", "top-1 accuracy (top candidate is strong)"), ("ndcg5", "NDCG@5 against the grades"),
          ("spearman", "Spearman correlation, score vs grade"), ("band", "band accuracy (strong shortlist, weak reject)"),
          ("stability_spread", "stability: max score spread over 5 runs"),
          ("name_swap_diff", "name swap: max score difference (5 names)"),
          ("skill_recall", "required-skill recall of the derived rubric"),
          ("skill_recall_prose", "the same, descriptions written as prose"),
          ("nice_as_required", "nice-to-haves taken as required skills"),
          ("neardup_false_links", "near-duplicate links between different people"),
          ("neardup_dup_missed", "one-word duplicates not linked"),
          ("neardup_same_linked", "same-person pairs linked as near-duplicates"), ("traps_passed", "traps passed")]


def verdict(name, value, floor):
    if floor is None:
        return "-", None
    value = round(value, 3)
    worse = value > floor if name in SPREADS else value < floor
    return ("%.3f" % floor, "BELOW" if worse else "ok")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--short", action="store_true", help="three jobs, traps on one (tests/t0965-eval-short.sh)")
    ap.add_argument("--floors", default=os.path.join(HERE, "floors.json"))
    ap.add_argument("--write-floors", action="store_true", help="record this run's figures as the floors")
    ap.add_argument("--keep", help="write the labelled set to this folder and leave it there")
    args = ap.parse_args()
    tmp = args.keep or tempfile.mkdtemp(prefix="eval-")
    os.makedirs(tmp, exist_ok=True)
    try:
        jobs, provider_label, provider = run(args.short, tmp)
    except (Failure, subprocess.SubprocessError, OSError) as e:
        print("eval: cannot run: %s" % e, file=sys.stderr)
        return 2
    finally:
        if not args.keep:
            subprocess.run(["rm", "-rf", tmp], check=False)
    figs, rows = figures(jobs)
    which = "short" if args.short else "full"
    try:
        with open(args.floors) as f:
            floors_doc = json.load(f)
    except (OSError, ValueError):
        floors_doc = {}
    floors = floors_doc.get(provider, {}).get(which, {})
    graded = [j for j in jobs if not j.get("copy_of")]
    print("# provider: %s; %s set: %d jobs, %d graded resumes, %d traps, %d stability copies" % (
        provider_label, which, len(graded), sum(1 for j in graded for it in j["items"] if it.get("grade")),
        sum(1 for j in graded for it in j["items"] if it.get("trap") not in (None, "baseline")),
        len(jobs) - len(graded)))
    print("# %-12s %-6s %-6s %-6s %s" % ("job", "top-1", "ndcg5", "rho", "skills recalled (in prose)"))
    grade_name = {2: "strong", 1: "medium", 0: "weak", None: "-"}
    for j in graded:
        t, n, r, hit, alls, prose = j["figures"]
        print("# %-12s %-6s %-6.3f %-6.3f %d of %d (%d)" % (j["key"], grade_name[t], n, r, hit, alls, prose))
    print("%-50s %8s %8s" % ("figure (provider: %s)" % provider, "value", "floor"))
    below = 0
    for name, label in LABELS:
        fl, v = verdict(name, figs[name], floors.get(name))
        below += v == "BELOW"
        extra = " (identical)" if name == "stability_spread" and figs[name] == 0 else ""
        print("%-50s %8.3f %8s  %s%s" % (label, figs[name], fl, v or "not judged", extra))
    for title, passed, total, note in rows:
        print("%-50s %8s %8s  %s" % ("trap: " + title, "%d/%d" % (passed, total), "", note))
    if args.write_floors:
        floors_doc.setdefault(provider, {})[which] = {k: round(v, 3) for k, v in figs.items()}
        with open(args.floors, "w") as f:
            json.dump(floors_doc, f, indent=1, sort_keys=True)
            f.write("\n")
        print("# floors for %s (%s) written to %s" % (provider, which, args.floors))
    if floors:
        print("eval: %d figures, %d below the floor" % (len(LABELS), below))
    else:
        print("eval: %d figures, not judged: no floors recorded for %s (%s set)" % (len(LABELS), provider, which))
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
