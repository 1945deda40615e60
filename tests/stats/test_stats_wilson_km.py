"""Wilson intervals and Kaplan-Meier against values worked out by hand."""

import pytest

from app.stats.wilson import wilson
from app.survival import kaplan_meier, km_quantile

# z = 1.96, z^2 = 3.8416. For 0 of 10: denominator 1 + 0.38416 = 1.38416, centre 0.19208 / 1.38416
# = 0.138770 and half-width (1.96 / 1.38416) * sqrt(3.8416 / 400) = 0.138770.


def test_wilson_at_zero_percent() -> None:
    low, high = wilson(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.27754, abs=1e-5)


def test_wilson_at_hundred_percent_mirrors_zero() -> None:
    low, high = wilson(10, 10)
    assert low == pytest.approx(1 - 0.27754, abs=1e-5)
    assert high == 1.0


def test_wilson_with_a_single_complaint() -> None:
    # p = 1, n = 1: centre (1 + 1.9208) / 4.8416 = 0.603272, half 0.404825 * 0.98 = 0.396728.
    assert wilson(1, 1) == (pytest.approx(0.206544, abs=1e-5), 1.0)
    assert wilson(0, 1) == (0.0, pytest.approx(0.793456, abs=1e-5))


def test_wilson_half() -> None:
    # centre 0.5; half 1.416021 * sqrt(0.025 + 0.009604) = 0.263410.
    low, high = wilson(5, 10)
    assert (low, high) == (pytest.approx(0.236590, abs=1e-5), pytest.approx(0.763410, abs=1e-5))


def test_wilson_without_data_is_none() -> None:
    assert wilson(0, 0) is None


def test_wilson_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_km_without_censoring_is_the_empirical_curve() -> None:
    curve = kaplan_meier([1, 2, 3, 4], [True] * 4)
    assert curve == [(0.0, 1.0), (1.0, 0.75), (2.0, 0.5), (3.0, 0.25), (4.0, 0.0)]
    assert km_quantile(curve, 0.5) == 2.0
    assert km_quantile(curve, 0.9) == 4.0


def test_km_all_censored_never_falls() -> None:
    curve = kaplan_meier([1, 2, 3], [False] * 3)
    assert curve == [(0.0, 1.0)]
    assert km_quantile(curve, 0.5) is None


def test_km_ties_count_events_before_censoring() -> None:
    # t=2: 5 at risk, 1 event -> 0.8 (the one censored at 2 was still at risk);
    # t=3: 3 at risk, 1 event -> 0.8 * 2/3; t=4 censored; t=5: 1 at risk, 1 event -> 0.
    curve = kaplan_meier([2, 2, 3, 4, 5], [True, False, True, False, True])
    assert [t for t, _ in curve] == [0.0, 2.0, 3.0, 5.0]
    assert [s for _, s in curve] == pytest.approx([1.0, 0.8, 0.8 * 2 / 3, 0.0])
    assert km_quantile(curve, 0.5) == 5.0


def test_km_median_not_reached_while_most_still_wait() -> None:
    curve = kaplan_meier([1, 5, 6, 7], [True, False, False, False])
    assert curve == [(0.0, 1.0), (1.0, 0.75)]
    assert km_quantile(curve, 0.5) is None


def test_km_counts_open_complaints_that_a_naive_median_would_drop() -> None:
    # Answered in 1 and 2 days; three still open after 30: the naive median says 1.5 days.
    curve = kaplan_meier([1, 2, 30, 30, 30], [True, True, False, False, False])
    assert km_quantile(curve, 0.5) is None


def test_km_events_at_time_zero_keep_the_first_point() -> None:
    curve = kaplan_meier([0, 0, 1, 2], [True, True, True, False])
    assert curve[0] == (0.0, 1.0)
    assert curve[1] == (0.0, 0.5)
    assert km_quantile(curve, 0.5) == 0.0
