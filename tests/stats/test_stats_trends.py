"""Monthly trends: per cohort of complaints filed in a month, answered on time, the Kaplan-Meier
median first response with its interval, and confirmed resolution; a hand-computed cohort."""

from datetime import UTC, datetime, timedelta

from app.models.complaint import ComplaintState
from app.stats.metrics import Record
from app.stats.trends import km_median_interval, monthly

AS_OF = datetime(2026, 12, 5, tzinfo=UTC)
NOV = datetime(2026, 11, 1, tzinfo=UTC)


def _day(n: float) -> datetime:
    return NOV + timedelta(days=n)


def november() -> list[Record]:
    answered = ComplaintState.ANSWERED
    return [
        Record(NOV, "billing", ComplaintState.CONFIRMED, _day(1), closed_at=_day(5)),
        Record(NOV, "billing", answered, _day(2)),
        Record(NOV, "billing", answered, _day(3)),
        Record(NOV, "billing", ComplaintState.OPEN),  # still waiting: censored at 34 days
        Record(NOV, "billing", ComplaintState.WITHDRAWN, closed_at=_day(2)),  # censored at 2
    ]


def test_km_median_and_interval_by_hand() -> None:
    # Times 1, 2, 2+, 3, 34+. S(1) = 4/5 = 0.8, S(2) = 0.8 x 3/4 = 0.6, S(3) = 0.6 x 1/2 = 0.3:
    # median 3. Greenwood: 1/(5x4) = 0.05, + 1/(4x3) = 0.1333, + 1/(2x1) = 0.6333; standard
    # errors 0.8 x sqrt(0.05) = 0.179, 0.6 x sqrt(0.1333) = 0.219, 0.3 x sqrt(0.6333) = 0.239.
    # |S - 0.5| <= 1.96 se at t = 1 (0.3 <= 0.351), so the interval starts at 1; S never falls
    # below 0.5 - 1.96 x 0.239 = 0.032, so its upper end is not reached.
    median, low, high = km_median_interval([1, 2, 2, 3, 34], [True, True, False, True, False])
    assert (median, low, high) == (3, 1, None)


def test_monthly_cohorts_by_hand() -> None:
    months = monthly(november(), as_of=AS_OF, months=3)
    assert [m.month for m in months] == ["2026-10", "2026-11", "2026-12"]
    october, nov, december = months
    assert (
        october.filed == 0 and october.timely_rate is None and october.response_median_days is None
    )
    assert december.filed == 0
    assert nov.filed == 5
    # Due: the three answered and the one still open (its 14 days passed); the one withdrawn on
    # day 2, before its deadline, was never due. All three answers came within 14 days.
    assert (nov.timely, nov.due, nov.timely_rate) == (3, 4, 0.75)
    assert round(nov.timely_low, 4) == 0.3006 and round(nov.timely_high, 4) == 0.9544
    assert (nov.response_median_days, nov.response_median_low, nov.response_median_high) == (
        3.0,
        1.0,
        None,
    )
    assert (nov.confirmed, nov.confirmed_rate) == (1, 0.2)


def test_the_company_statistics_page_shows_the_months(db, client) -> None:
    from app.clock import utcnow
    from tests.support.factories import make_complaint

    complaint = make_complaint(db, title="Still waiting", now=utcnow() - timedelta(days=1))
    from app.models.company import Company
    from app.stats import aggregates

    aggregates.refresh_company(session=db, company_id=complaint.company_id)  # stored with charts
    db.commit()
    company = db.get(Company, complaint.company_id)
    page = client.get(f"/companies/{company.slug}/stats")
    assert page.status_code == 200
    this_month = utcnow().strftime("%Y-%m")
    # Three tables beside three charts: filed and answered, shares, median first response.
    counts, shares, median = (
        part.split("</tr>")[0] for part in page.text.split(f'<tr data-month="{this_month}">')[1:]
    )
    assert "<td>1</td><td>0</td>" in counts
    assert "<td>—</td>" in shares  # not due yet: no share answered on time
    assert "not reached" in median
    assert page.text.count("<tr data-month=") == 3 * 12
