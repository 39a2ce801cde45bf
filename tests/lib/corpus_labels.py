#!/usr/bin/env python3
"""Compares extract_file's output for the corpus resumes with tests/corpus-labels.tsv.

usage: corpus_labels.py LABELS CORPUS_RESUMES EXTRACT_FILE
Prints one TAP-style line a file ("ok - ..." or "not ok - ...") and exits 1
when any file differs from its label.
"""
import json
import os
import re
import subprocess
import sys


def digits(s):
    return re.sub(r"[^0-9]", "", s)


def read_labels(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 5:
                raise SystemExit(f"bad label line: {line!r}")
            rows.append([None if p == "-" else p for p in parts])
    return rows


def main():
    labels, root, tool = sys.argv[1:4]
    failed = 0
    for path, kind, name, email, phone in read_labels(labels):
        full = os.path.join(root, path)
        if not os.path.exists(full):
            print(f"not ok - {path}: listed in the labels but missing from the corpus")
            failed += 1
            continue
        out = subprocess.run([tool, full], capture_output=True, text=True)
        try:
            r = json.loads(out.stdout.splitlines()[0])
        except (IndexError, ValueError):
            print(f"not ok - {path}: extract_file printed no result ({out.stderr.strip()[:200]})")
            failed += 1
            continue
        c = r.get("contact") or {}
        got_name = c.get("name")
        emails = c.get("emails") or []
        phones = c.get("phones") or []
        got_email = emails[0] if emails else None
        got_phone = phones[0] if phones else None
        problems = []
        if got_name != name:
            problems.append(f"name {got_name!r}, label {name!r}")
        if got_email != email:
            problems.append(f"email {got_email!r}, label {email!r}")
        if (digits(got_phone) if got_phone else None) != (digits(phone) if phone else None):
            problems.append(f"phone {got_phone!r}, label {phone!r}")
        want_review = kind != "resume"
        is_review = r.get("status") == "needs_review"
        if want_review != is_review:
            problems.append(f"status {r.get('status')!r} ({r.get('reason')!r}) for a {kind}")
        if problems:
            print(f"not ok - {path}: " + "; ".join(problems))
            failed += 1
        else:
            print(f"ok - {path}: {kind}, name {name!r}, email {email!r}, phone {phone!r}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
