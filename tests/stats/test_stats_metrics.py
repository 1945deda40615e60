"""Every metric of app/stats/metrics.py on a small fixture worked out by hand."""

from datetime import UTC, datetime, timedelta

import pytest

from app.models.complaint import ComplaintState as S
from app.stats.metrics import Record, Targets, compute, in_window

AS_OF = datetime(2026, 6, 30, 12, tzinfo=UTC)
D = timedelta(days=1)


def records() -> list[Record]:
    a = AS_OF - 30 * D
    b = AS_OF - 20 * D
    c = AS_OF - 20 * D
    d = AS_OF - 3 * D
    e = AS_OF - 10 * D
    f = AS_OF - 100 * D
    return [
        # A: answered in 2 days, resolved at 5, confirmed at 6.
        Record(a, "billing", S.CONFIRMED, a + 2 * D, a + 6 * D, handoffs=1, cosigns=2,
               contact_attempts=3, resolves=[a + 5 * D], replies=[(a + 2 * D, False), (a + 5 * D, True)]),
        # B: answered late (16 days), resolved at 17, disputed at 18: open again.
        Record(b, "billing", S.DISPUTED, b + 16 * D, None, contact_attempts=1,
               resolves=[b + 17 * D], disputes=[b + 18 * D], replies=[(b + 16 * D, True)]),
        # C: never answered, 20 days old: overdue.
        Record(c, "refund", S.OPEN, cosigns=1),
        # D: 3 days old, not due yet.
        Record(d, "refund", S.OPEN),
        # E: withdrawn after 2 days, unanswered: never due.
        Record(e, "billing", S.WITHDRAWN, None, e + 2 * D),
        # F: outside the 90-day window, answered in a day.
        Record(f, "billing", S.ANSWERED, f + D),
    ]  # fmt: skip


def window(period: str) -> list[Record]:
    return [r for r in records() if in_window(r, period, AS_OF)]


def test_every_metric_over_90_days_by_hand() -> None:
    s = compute(window("90d"), as_of=AS_OF, targets=Targets(10, 30), min_ranked=5)
    assert s.filed == 5 and s.ranked
    # Due: A and B (answered) and C (deadline passed); D is young and E was withdrawn early.
    assert (s.timely, s.due) == (1, 3)
    assert s.timely_rate == pytest.approx(1 / 3)
    assert s.timely_low < 1 / 3 < s.timely_high
    # First response KM: events at 2 (A) and 16 (B); censored 2 (E), 3 (D), 20 (C).
    # t=2: 5 at risk -> 0.8; t=16: 2 at risk -> 0.4. Median 16, p90 not reached.
    assert s.responded == 2
    assert s.response_median_days == pytest.approx(16)
    assert s.response_p90_days is None
    # Resolution: only A's stands (5 days); B's was disputed. 3 at risk at t=5 -> 2/3.
    assert s.resolved_now == 1
    assert s.resolution_median_days is None
    assert (s.resolved_by_company, s.resolved_rate) == (2, pytest.approx(0.4))
    assert (s.confirmed, s.confirmed_rate) == (1, pytest.approx(0.2))
    assert (s.disputed, s.dispute_rate) == (1, pytest.approx(0.5))
    assert (s.open_now, s.overdue_now) == (3, 1)  # B, C, D open; C overdue
    assert s.contact_attempts_avg == pytest.approx(4 / 5)
    assert s.handoffs_avg == pytest.approx(1 / 5)
    assert s.cosigns_avg == pytest.approx(3 / 5)
    assert (s.replies, s.templated_replies) == (3, 2)
    assert s.templated_share == pytest.approx(2 / 3)
    # Targets: respond in 10 days (median 16: missed), resolve in 30 (not reached: missed).
    assert (s.target_response_days, s.target_response_met) == (10, False)
    assert (s.target_resolution_days, s.target_resolution_met) == (30, False)


def test_all_time_adds_the_old_complaint() -> None:
    s = compute(window("all"), as_of=AS_OF, min_ranked=5)
    assert s.filed == 6
    assert (s.timely, s.due) == (2, 4)
    # t=1: 6 at risk -> 5/6; t=2: 5 at risk -> 2/3; t=16: 2 at risk -> 1/3.
    assert s.response_median_days == pytest.approx(16)
    assert s.target_response_met is None  # no target declared


def test_below_the_minimum_sample_a_company_is_not_ranked() -> None:
    assert not compute(window("90d"), as_of=AS_OF, min_ranked=6).ranked
    assert compute(window("all"), as_of=AS_OF, min_ranked=6).ranked


def test_events_after_as_of_are_ignored() -> None:
    # Eleven days earlier: B was not answered yet (answered at day 16 of 20), nor resolved.
    earlier = AS_OF - 11 * D
    s = compute([r for r in records() if in_window(r, "90d", earlier)], as_of=earlier, min_ranked=1)
    # In the window then: A (19 days old, confirmed), B and C (9 days old, unanswered) and F
    # (89 days old, answered); E was not filed yet.
    assert s.filed == 4
    assert (s.resolved_by_company, s.disputed, s.confirmed) == (1, 0, 1)
    assert (s.timely, s.due) == (2, 2)  # B and C are not due yet
    assert s.open_now == 3  # B, C and F


def test_no_complaints_means_no_rates() -> None:
    s = compute([], as_of=AS_OF)
    assert (s.filed, s.ranked, s.timely_rate, s.confirmed_low) == (0, False, None, None)
    assert s.response_median_days is None and s.contact_attempts_avg is None
