#!/usr/bin/env python3
"""The near-duplicate measurement: false-link and miss rates of SimHash links on the labelled set.

Writes the labelled set (tests/eval/labelled.py) to a temporary folder, runs
build/tests/tools/simhash_files on every file (the drainer's extraction and
the service's SimHash), and counts, for each shingle size and distance
threshold, the pairs of files that would be linked: a pair of files of the
same person is a hit when linked and a miss when not; a pair of files of
different people is a false link when linked. Two files are linked when
their fingerprints are at most the threshold apart, both texts have at
least MIN_WORDS words and their contact names agree (or one has none), the
service's rule; "text alone" counts the false links without the name rule. The "one word changed"
duplicate traps are counted on their own too. Prints one table; --check
exits 1 when the service's setting (shingle 1, distance 7) misses a
duplicate trap or links two different people.
"""
import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import labelled  # noqa: E402

TOOL = os.path.join(HERE, "..", "..", "build", "tests", "tools", "simhash_files")
SERVICE = (1, 7)  # shingle words, largest distance linked: shared/text/simhash.h and shared/score/neardup.h


def fingerprints(d, files):
    out = subprocess.run([TOOL] + [os.path.join(d, f) for f in files], capture_output=True, text=True, check=True)
    fp = {}
    for line in out.stdout.splitlines():
        status, words, h1, h2, h3, name, path = line.split("\t")
        fp[os.path.basename(path)] = {"words": int(words), "h": [int(h1, 16), int(h2, 16), int(h3, 16)],
                                      "name": name_key(name)}
    return fp


MIN_WORDS = 30  # NEARDUP_MIN_WORDS: shorter texts get no fingerprint


def name_key(s):
    return " ".join(s.split()).lower()


def linked(a, b, k, t, names=True):
    if a["words"] < MIN_WORDS or b["words"] < MIN_WORDS:
        return False
    if names and a["name"] and b["name"] and a["name"] != b["name"]:
        return False
    return bin(a["h"][k - 1] ^ b["h"][k - 1]).count("1") <= t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when the service's setting fails a trap or links two people")
    args = ap.parse_args()
    s = labelled.build()
    person = {}
    dup_pairs = []
    for j in s["jobs"]:
        for it in j["items"]:
            person[it["file"]] = it["person"]
            if it.get("trap") == "duplicate":
                dup_pairs.append((it["base"], it["file"]))
    with tempfile.TemporaryDirectory() as d:
        for name, data in s["files"].items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        fp = fingerprints(d, sorted(s["files"]))
    files = sorted(fp)
    same = [(a, b) for a, b in itertools.combinations(files, 2) if person[a] == person[b]]
    diff = [(a, b) for a, b in itertools.combinations(files, 2) if person[a] != person[b]]
    print("# %d files, %d people, %d same-person pairs (%d one-word duplicates), %d different-people pairs" % (
        len(files), len(set(person.values())), len(same), len(dup_pairs), len(diff)))
    print("%-8s %-9s %10s %10s %12s %14s" % ("shingle", "distance", "miss", "dup miss", "false link", "text alone"))
    failed = False
    for k in (1, 2, 3):
        for t in range(0, 13):
            miss = sum(1 for a, b in same if not linked(fp[a], fp[b], k, t))
            dmiss = sum(1 for a, b in dup_pairs if not linked(fp[a], fp[b], k, t))
            false = [(a, b) for a, b in diff if linked(fp[a], fp[b], k, t)]
            textonly = sum(1 for a, b in diff if linked(fp[a], fp[b], k, t, names=False))
            mark = "  <- service" if (k, t) == SERVICE else ""
            print("%-8d <= %-6d %4d/%-5d %4d/%-5d %5d/%-6d %5d/%-6d%s" % (
                k, t, miss, len(same), dmiss, len(dup_pairs), len(false), len(diff), textonly, len(diff), mark))
            if (k, t) == SERVICE:
                failed = dmiss > 0 or bool(false)
                for a, b in false:
                    print("# false link at the service's setting: %s ~ %s" % (a, b))
    dist = sorted(bin(fp[a]["h"][SERVICE[0] - 1] ^ fp[b]["h"][SERVICE[0] - 1]).count("1") for a, b in diff)
    print("# closest different-people pairs (distance, shingle %d): %s" % (SERVICE[0], dist[:10]))
    dd = [bin(fp[a]["h"][SERVICE[0] - 1] ^ fp[b]["h"][SERVICE[0] - 1]).count("1") for a, b in dup_pairs]
    print("# one-word duplicates' distances (shingle %d): %s" % (SERVICE[0], dd))
    if args.check and failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
