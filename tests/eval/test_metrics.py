#!/usr/bin/python3
"""Checks of the evaluation's figures (tests/eval/metrics.py) on rankings whose
answers are known by hand; prints `N passed, N failed` last. Run by
tests/t0965-eval-short.sh."""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics  # noqa: E402

CASES = [
    ("NDCG@5 of the ideal order is 1", lambda: metrics.ndcg_at([2, 2, 1, 1, 0, 0]), 1.0),
    ("NDCG@5 with nothing to gain is 1", lambda: metrics.ndcg_at([0, 0, 0]), 1.0),
    ("NDCG@5 of the reversed order", lambda: metrics.ndcg_at([0, 0, 1, 1, 2, 2]),
     (1 / math.log2(4) + 1 / math.log2(5) + 3 / math.log2(6)) / (3 + 3 / math.log2(3) + 1 / math.log2(4) + 1 / math.log2(5))),
    ("NDCG@5 looks at the first five only", lambda: metrics.ndcg_at([1, 1, 1, 1, 1, 2]),
     sum(1 / math.log2(i + 2) for i in range(5)) / (3 + sum(1 / math.log2(i + 2) for i in range(1, 5)))),
    ("Spearman of the same order is 1", lambda: metrics.spearman([90, 80, 50, 40], [3, 2, 1, 0]), 1.0),
    ("Spearman with tied grades (mean ranks)", lambda: metrics.spearman([90, 80, 50, 40], [2, 2, 1, 0]), 3 / math.sqrt(10)),
    ("Spearman of the opposite order is -1", lambda: metrics.spearman([1, 2, 3], [2, 1, 0]), -1.0),
    ("Spearman with a constant side is 0", lambda: metrics.spearman([5, 5, 5], [2, 1, 0]), 0.0),
    ("Spearman with ties on both sides", lambda: metrics.spearman([10, 20, 20, 30], [0, 1, 2, 2]), 5 / 6),
    ("a strong candidate on the shortlist is right", lambda: metrics.band_right("strong", "shortlist"), True),
    ("a strong candidate to consider is wrong", lambda: metrics.band_right("strong", "consider"), False),
    ("a weak candidate needing review is wrong", lambda: metrics.band_right("weak", "needs_review"), False),
    ("a medium candidate is not judged", lambda: metrics.band_right("medium", "reject"), None),
    ("a label is recalled by another spelling, in any case", lambda: metrics.label_recalled(["BLS", "basic life support"],
                                                                                            ["Basic Life Support"]), True),
    ("a label is not recalled by a part of it", lambda: metrics.label_recalled(["PAT testing"], ["PAT"]), False),
]


def main():
    passed = failed = 0
    for name, fn, want in CASES:
        got = fn()
        good = (abs(got - want) < 1e-9) if isinstance(want, float) else got == want
        print("%s - %s%s" % ("ok" if good else "not ok", name, "" if good else ": got %r, want %r" % (got, want)))
        passed += good
        failed += not good
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
