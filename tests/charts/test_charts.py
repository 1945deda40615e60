"""The company statistics page and its chart SVGs, against hand-computed numbers."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from app.charts import cache, data, render
from app.clock import utcnow
from app.models.complaint import ComplaintState, ResolutionType, Visibility
from tests.support.charts_fixtures import SVG_NS, complaint_at

pytestmark = pytest.mark.usefixtures("fresh_chart_caches")

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def five_complaints(db: Session, now: datetime, company: str = "Chartco") -> int:
    """Durations to a first response (days): 0.25, 2 and 8 answered; 10 (still open) and 1
    (withdrawn unanswered) censored. By hand, Kaplan-Meier: S(0.25) = 4/5 = 0.8,
    S(2) = 0.8 * 2/3 = 0.5333, S(8) = 0.5333 * 1/2 = 0.2667; median 8 days; 90th not reached."""
    a = complaint_at(
        db,
        company=company,
        created=now - 40 * D,
        answered_after=6 * H,
        state=ComplaintState.CONFIRMED,
        resolution=ResolutionType.MONETARY,
        resolved_after=2 * D,
        closed_after=3 * D,
    )
    complaint_at(
        db,
        company=company,
        created=now - 35 * D,
        answered_after=2 * D,
        state=ComplaintState.RESOLVED,
        resolution=ResolutionType.EXPLANATION,
        resolved_after=4 * D,
    )
    complaint_at(db, company=company, created=now - 10 * D)
    complaint_at(
        db,
        company=company,
        created=now - 20 * D,
        answered_after=8 * D,
        state=ComplaintState.ANSWERED,
    )
    complaint_at(
        db, company=company, created=now - 3 * D, state=ComplaintState.WITHDRAWN, closed_after=1 * D
    )
    # Not on the public record: never counted.
    complaint_at(db, company=company, created=now - 1 * D, visibility=Visibility.PENDING)
    complaint_at(
        db, company=company, created=now - 2 * D, answered_after=H, visibility=Visibility.REMOVED
    )
    return a.company_id


def test_numbers_match_a_hand_computation(db: Session) -> None:
    company_id = five_complaints(db, NOW)
    charts = cache.charts_for(session=db, company_id=company_id, now=NOW)

    # 40, 35 and 20 days before 20 November are in October; 10 and 3 days in November.
    assert charts.months == [("2026-10", 3), ("2026-11", 2)]
    km = charts.survival
    assert (km.n, km.answered) == (5, 3)
    assert [(t, round(s, 4)) for t, s in km.curve] == [
        (0.0, 1.0),
        (0.25, 0.8),
        (2.0, 0.5333),
        (8.0, 0.2667),
    ]
    assert km.median_days == 8.0
    assert km.p90_days is None
    assert [(d, round(s, 4)) for d, s in charts.survival_table] == [
        (1, 0.8),
        (3, 0.5333),
        (7, 0.5333),
        (14, 0.2667),
        (30, 0.2667),
        (90, 0.2667),
    ]
    assert charts.distribution == [
        ("under 1 day", 1),
        ("1 to 3 days", 1),
        ("3 to 7 days", 0),
        ("7 to 14 days", 1),
        ("14 to 30 days", 0),
        ("30 days or more", 0),
        ("still waiting", 1),  # the withdrawn one waits for nothing any more
    ]
    assert [(r.label, r.confirmed, r.other) for r in charts.resolutions] == [
        ("Explanation", 0, 1),
        ("Monetary relief", 1, 0),
        ("Non-monetary relief", 0, 0),
    ]


def test_months_without_complaints_show_as_zero_and_stop_at_two_years(db: Session) -> None:
    old = complaint_at(db, company="Oldco", created=NOW - 800 * D)
    complaint_at(db, company="Oldco", created=NOW - 62 * D)  # 19 September
    months = cache.charts_for(session=db, company_id=old.company_id, now=NOW).months
    assert len(months) == data.MONTHS_SHOWN
    assert months[0] == ("2024-12", 0)  # the 800-day-old one is older than the window
    assert months[-3:] == [("2026-09", 1), ("2026-10", 0), ("2026-11", 0)]


def test_drawings_are_deterministic_svg(db: Session) -> None:
    company_id = five_complaints(db, NOW)
    charts = cache.charts_for(session=db, company_id=company_id, now=NOW)
    rows = data.load(session=db, company_id=company_id)
    again = cache.build(data.numbers(rows, NOW), charts.fingerprint, NOW)
    for name in cache.CHARTS:
        drawn = charts.svg(name)
        assert drawn == again.svg(name), name
        root = ET.fromstring(drawn)  # noqa: S314 - our own output
        assert root.tag == f"{SVG_NS}svg"
        assert b"<script" not in drawn


def test_duration_labels() -> None:
    assert data.duration_label(0.01) == "less than an hour"
    assert data.duration_label(7 / 24) == "7 hours"  # not 6: 7/24 is 0.29166...
    assert data.duration_label(1.5) == "36 hours"
    assert data.duration_label(4.8) == "4.8 days"
    assert data.duration_label(8.0) == "8 days"


def test_empty_company_draws_a_placeholder() -> None:
    empty = data.survival([], NOW)
    assert (empty.n, empty.median_days) == (0, None)
    assert b"No complaints yet" in render.survival(empty)
    assert b"No resolutions yet" in render.resolutions(data.resolutions([]))


def test_cache_reuses_drawings_until_a_complaint_changes(db: Session) -> None:
    company_id = five_complaints(db, NOW)
    first = cache.charts_for(session=db, company_id=company_id, now=NOW)
    assert cache.charts_for(session=db, company_id=company_id, now=NOW) is first
    complaint_at(db, company="Chartco", created=NOW - 2 * H)
    changed = cache.charts_for(session=db, company_id=company_id, now=NOW)
    assert changed is not first
    assert changed.survival.n == 6
    # The next day, open complaints have waited longer: drawn again.
    assert cache.charts_for(session=db, company_id=company_id, now=NOW + D) is not changed


def test_stats_page_shows_charts_and_matching_tables(client, db: Session) -> None:
    five_complaints(db, utcnow())
    page = client.get("/companies/chartco/stats")
    assert page.status_code == 200
    html = page.text
    for name in cache.CHARTS:
        assert f'src="/companies/chartco/charts/{name}.svg"' in html
        assert f"http://testserver/companies/chartco/charts/{name}.svg" in html  # the snippet
    assert "<strong>8 days</strong> median time to a first response" in html
    assert "<strong>not reached</strong> for 9 in 10" in html
    assert "<td>1</td><td>80.0%</td>" in html
    assert "<td>3</td><td>53.3%</td>" in html
    assert "<td>14</td><td>26.7%</td>" in html
    assert "<td>7 to 14 days</td><td>1</td>" in html
    assert "<td>Monetary relief</td><td>1</td><td>0</td><td>1</td>" in html
    assert 'type="application/atom+xml"' in html and "/companies/chartco/feed.atom" in html


def test_stats_page_escapes_the_company_name(client, db: Session) -> None:
    complaint_at(db, company="<script>alert(1)</script> Ltd", created=utcnow() - D)
    html = client.get("/companies/script-alert-1-script-ltd/stats").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ltd" in html


@pytest.mark.parametrize("name", cache.CHARTS)
def test_chart_svg_endpoint_is_embeddable_and_cacheable(client, db: Session, name: str) -> None:
    five_complaints(db, utcnow())
    response = client.get(f"/companies/chartco/charts/{name}.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert ET.fromstring(response.content).tag == f"{SVG_NS}svg"  # noqa: S314 - our own output
    assert response.headers["cache-control"].startswith("public, max-age=300")
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers
    assert "set-cookie" not in response.headers
    again = client.get(
        f"/companies/chartco/charts/{name}.svg",
        headers={"if-none-match": response.headers["etag"]},
    )
    assert again.status_code == 304
    assert "frame-ancestors *" in again.headers["content-security-policy"]


def test_unknown_chart_or_company_is_404(client, db: Session) -> None:
    five_complaints(db, utcnow())
    assert client.get("/companies/chartco/charts/secrets.svg").status_code == 404
    assert client.get("/companies/nobody/charts/monthly.svg").status_code == 404
    assert client.get("/companies/nobody/stats").status_code == 404


def test_ordinary_pages_stay_unframeable(client, db: Session) -> None:
    five_complaints(db, utcnow())
    response = client.get("/companies/chartco/stats")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_after_a_refresh_the_page_reads_the_numbers_the_worker_stored(db: Session) -> None:
    from app.stats import aggregates

    company_id = five_complaints(db, NOW)
    live = cache.charts_for(session=db, company_id=company_id, now=NOW)
    aggregates.refresh_company(session=db, company_id=company_id, now=NOW)
    cache.clear()
    stored = cache.charts_for(session=db, company_id=company_id, now=NOW + D)
    assert stored.built_at == NOW  # as of the refresh, whatever the clock says now
    assert (stored.months, stored.distribution, stored.resolutions) == (
        live.months,
        live.distribution,
        live.resolutions,
    )
    assert stored.survival_table == live.survival_table
    assert (stored.survival.median_days, stored.survival.p90_days, stored.survival.n) == (
        live.survival.median_days,
        live.survival.p90_days,
        5,
    )
    # A new complaint shows once the worker has refreshed the company, as the headline does.
    complaint_at(db, company="Chartco", created=NOW - 2 * H)
    assert cache.charts_for(session=db, company_id=company_id, now=NOW + D).survival.n == 5
    aggregates.refresh_company(session=db, company_id=company_id, now=NOW + H)
    assert cache.charts_for(session=db, company_id=company_id, now=NOW + D).survival.n == 6


def test_a_stored_curve_is_thinned_to_what_the_drawing_can_show() -> None:
    import random

    from app.survival import kaplan_meier

    rng = random.Random(7)
    durations = [rng.expovariate(1 / 6) for _ in range(20_000)]
    curve = kaplan_meier(durations, [rng.random() < 0.9 for _ in durations])
    thinned = data.thin(curve)
    assert len(curve) > 10_000 and len(thinned) <= data.CURVE_POINTS + 2
    assert thinned[0] == curve[0] and all(t <= data.VIEW_DAYS for t, _ in thinned)

    def at(c: list[tuple[float, float]], day: float) -> float:
        return [s for t, s in c if t <= day][-1]

    # Read anywhere, the thinned curve is the full one at most one slice (a quarter day) late.
    width = data.VIEW_DAYS / data.CURVE_POINTS
    for day in [0.3, 1, 2.5, 6, 13.7, 30, 89.9]:
        assert at(curve, day - width) >= at(thinned, day) >= at(curve, day)
