"""Ranking-quality figures over graded candidates: grades are strong 2,
medium 1, weak 0. Every function is pure; each takes what one job's ranking
gave (lists in the API's rank order) unless it says otherwise."""

import math

GRADE = {"strong": 2, "medium": 1, "weak": 0}


def ndcg_at(grades, k=5):
    """NDCG@k of a ranking whose items have these grade values (gain 2^g - 1); 1.0 when nothing can be gained."""
    def dcg(gs):
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gs[:k]))
    ideal = dcg(sorted(grades, reverse=True))
    return dcg(grades) / ideal if ideal > 0 else 1.0


def _ranks(values):
    """Ranks from 1, ties given their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for m in range(i, j + 1):
            ranks[order[m]] = (i + j) / 2.0 + 1
        i = j + 1
    return ranks


def spearman(xs, ys):
    """Spearman's rank correlation with ties (Pearson of the ranks); 0.0 when either side is constant."""
    rx, ry = _ranks(xs), _ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = math.sqrt(sum((a - mx) ** 2 for a in rx))
    vy = math.sqrt(sum((b - my) ** 2 for b in ry))
    return cov / (vx * vy) if vx > 0 and vy > 0 else 0.0


def band_right(grade, category):
    """Whether a strong candidate is on the shortlist or a weak one rejected; None for a medium one (not judged)."""
    if grade == "strong":
        return category == "shortlist"
    if grade == "weak":
        return category == "reject"
    return None


def label_recalled(label, keywords):
    """Whether a hand label (accepted spellings) is among the criterion's keywords, ignoring case.

    A keyword of alternatives ("forklift licence or forklift license") holds each of them."""
    kw = {a.strip().lower() for k in keywords for a in k.split(" or ")}
    return any(s.lower() in kw for s in label)


def mean(xs):
    return sum(xs) / len(xs) if xs else 0.0
