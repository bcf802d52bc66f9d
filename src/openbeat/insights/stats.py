"""The arithmetic behind the dashboards: percentiles, Student's t and the trust index.

Plain Python on purpose: the inputs are a few thousand numbers per agency, computed in the
background, and every formula here is checked in the tests against values worked by hand.
"""

import math

ITEMS = ("safety", "respect", "fairness", "voice", "comfort")


def percentile(values, fraction):
    """The `fraction` quantile (0–1) of `values`, interpolating linearly between closest ranks.

    For sorted x[0..n-1] the quantile sits at rank h = (n − 1)·fraction: x[⌊h⌋] plus the part
    (h − ⌊h⌋) of the step to the next value (the common "linear" definition). None when empty.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * fraction
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _t_within(t, df):
    """P(|T| ≤ t) for Student's t with an integer number of degrees of freedom.

    The closed forms for integer df (Abramowitz & Stegun 26.7.3 and 26.7.4), with
    θ = atan(t / √df): finite sums of powers of cos θ.
    """
    theta = math.atan(t / math.sqrt(df))
    cos2 = math.cos(theta) ** 2
    if df % 2 == 1:
        term, total = math.cos(theta), 0.0
        if df > 1:
            total = term
            for k in range(2, df - 1, 2):
                term *= cos2 * k / (k + 1)
                total += term
        return 2 / math.pi * (theta + math.sin(theta) * total)
    term, total = 1.0, 1.0
    for k in range(1, df - 2, 2):
        term *= cos2 * k / (k + 1)
        total += term
    return math.sin(theta) * total


def t_critical(df, confidence=0.95):
    """The two-sided critical value of Student's t (e.g. 2.262157 for df = 9 at 95 %)."""
    if df < 1:
        raise ValueError("t needs at least one degree of freedom")
    low, high = 0.0, 1000.0
    for _step in range(100):  # bisection to well below 1e-9
        middle = (low + high) / 2
        if _t_within(middle, df) < confidence:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def answer_score(answer):
    """One answer on the 0–100 scale: the mean of its five 1–5 items, 1 → 0 and 5 → 100."""
    total = sum(answer[item] for item in ITEMS)
    return (total - len(ITEMS)) * 100 / (4 * len(ITEMS))


def trust_index(scores, minimum):
    """Mean score, 95 % confidence interval (Student's t) and count; only the count below `minimum`.

    The interval is mean ± t(0.975, n − 1)·s/√n with s the sample standard deviation, clipped
    to the 0–100 scale. Fewer answers than `minimum` (never fewer than 2) publish nothing but
    their number, so no one's answer can be picked out.
    """
    scores = list(scores)
    count = len(scores)
    if count < max(minimum, 2):
        return {"n": count, "shown": False}
    mean = sum(scores) / count
    spread = math.sqrt(sum((s - mean) ** 2 for s in scores) / (count - 1))
    half = t_critical(count - 1) * spread / math.sqrt(count)
    return {
        "n": count,
        "shown": True,
        "mean": round(mean, 1),
        "low": round(max(0.0, mean - half), 1),
        "high": round(min(100.0, mean + half), 1),
    }
