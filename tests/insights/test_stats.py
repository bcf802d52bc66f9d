"""The trust index and response-time arithmetic against values worked out by hand."""

import pytest

from openbeat.insights.stats import answer_score, percentile, t_critical, trust_index


def answers_with_sums(*sums):
    """Answers whose five items add up to each sum (spread as evenly as the scale allows)."""
    made = []
    for total in sums:
        base, extra = divmod(total, 5)
        items = [base + (1 if i < extra else 0) for i in range(5)]
        made.append(
            dict(zip(("safety", "respect", "fairness", "voice", "comfort"), items, strict=True))
        )
    return made


def test_an_answer_scores_from_0_to_100():
    assert answer_score(answers_with_sums(5)[0]) == 0  # all 1s
    assert answer_score(answers_with_sums(25)[0]) == 100  # all 5s
    assert answer_score(answers_with_sums(15)[0]) == 50  # all 3s
    assert answer_score({"safety": 4, "respect": 5, "fairness": 3, "voice": 2, "comfort": 4}) == 65


@pytest.mark.parametrize(
    ("df", "expected"),
    # Student's t, two-sided 95 %, from printed tables.
    [(1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262), (10, 2.228), (19, 2.093), (29, 2.045)],
)
def test_t_critical_values_match_the_printed_table(df, expected):
    assert t_critical(df) == pytest.approx(expected, abs=5e-4)


def test_percentiles_interpolate_between_ranks():
    assert percentile([4, 2, 10], 0.5) == 4
    # rank (3 - 1) * 0.9 = 1.8: 4 + 0.8 * (10 - 4)
    assert percentile([2, 4, 10], 0.9) == pytest.approx(8.8)
    assert percentile([24, 48], 0.5) == 36
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


def test_trust_index_and_its_interval_by_hand():
    # Scores 100, 75, 50, 75, 100, 25, 75, 50, 75, 100: mean 72.5; squared deviations add up to
    # 5562.5, so s = sqrt(5562.5 / 9) = 24.8607 and s / sqrt(10) = 7.8617; t(0.975, 9) = 2.2622
    # gives a half-width of 17.784: 54.7 to 90.3.
    scores = [answer_score(a) for a in answers_with_sums(25, 20, 15, 20, 25, 10, 20, 15, 20, 25)]
    assert scores == [100, 75, 50, 75, 100, 25, 75, 50, 75, 100]
    assert trust_index(scores, minimum=10) == {
        "n": 10,
        "shown": True,
        "mean": 72.5,
        "low": 54.7,
        "high": 90.3,
    }


def test_an_interval_is_clipped_to_the_scale():
    # Eleven answers of 100 and one of 0: mean 91.67, s = 28.87, t(0.975, 11) = 2.201,
    # half-width 18.34: 73.3 up to 110.0, which the scale stops at 100.
    result = trust_index([100] * 11 + [0], minimum=10)
    assert (result["mean"], result["low"], result["high"]) == (91.7, 73.3, 100.0)


def test_below_the_minimum_only_the_count_is_given():
    assert trust_index([80] * 9, minimum=10) == {"n": 9, "shown": False}
    assert trust_index([], minimum=10) == {"n": 0, "shown": False}
