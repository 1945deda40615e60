"""Site-wide trends at /trends: what a journalist reads month by month, for the whole site and
per industry, checked against numbers worked out by hand."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from app.models.company import Company
from app.models.complaint import ComplaintState
from app.stats import site_trends
from tests.support.factories import make_complaint

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 9, 0, tzinfo=UTC)


@pytest.fixture
def filed(db: Session) -> None:
    t1 = make_complaint(db, company_name="Tele Co", title="Line dead", now=_at(10, 1))
    db.get(Company, t1.company_id).sector = "telecoms"
    t1.first_response_at, t1.resolved_at = _at(10, 3), _at(10, 5)  # 2 days: on time
    t1.closed_at, t1.state = _at(10, 6), ComplaintState.CONFIRMED
    t2 = make_complaint(db, company_name="Tele Co", title="Billed twice", now=_at(10, 2))
    t2.first_response_at, t2.state = _at(10, 25), ComplaintState.ANSWERED  # 23 days: late
    e1 = make_complaint(db, company_name="Power Co", title="Meter wrong", now=_at(10, 10))
    db.get(Company, e1.company_id).sector = "energy"  # never answered: due, and censored at 41 days
    make_complaint(db, company_name="Power Co", title="No heating", now=_at(11, 15))  # not due
    db.add_all([t1, t2, e1, db.get(Company, t1.company_id), db.get(Company, e1.company_id)])
    db.commit()
    site_trends.refresh(db.connection(), NOW)


def _row(html: str, table: int, month: str) -> list[str]:
    body = html.split('class="data trends"')[table + 1]
    found = re.search(rf'<tr data-month="{month}">(.*?)</tr>', body, re.S)
    assert found, month
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", found.group(1), re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]


def test_the_whole_site_month_by_month(client, filed) -> None:
    page = client.get("/trends")
    assert page.status_code == 200
    # October: 3 filed, 2 answered, 1 marked resolved; 1 of 3 due answered on time (Wilson
    # 6.1-79.2%); 1 of 3 confirmed; Kaplan-Meier: 2/3 still waiting after 2 days, 1/3 after 23.
    assert _row(page.text, 0, "2026-10") == ["2026-10", "3", "2", "1"]
    assert _row(page.text, 1, "2026-10") == [
        "2026-10",
        "33.3% 6.1\u201379.2%",
        "33.3% 6.1\u201379.2%",
    ]
    assert _row(page.text, 2, "2026-10")[1].startswith("23.0 d")
    # November: one complaint, not due yet, never answered: nothing to rate, median not reached.
    assert _row(page.text, 0, "2026-11") == ["2026-11", "1", "0", "0"]
    assert _row(page.text, 1, "2026-11")[1] == "—"
    assert _row(page.text, 2, "2026-11")[1].startswith("not reached")
    assert len(re.findall(r'<tr data-month="', page.text)) == 3 * site_trends.MONTHS
    assert '<a href="/trends" aria-current="page">All industries</a>' in page.text


def test_one_industry_and_an_unknown_one(client, filed) -> None:
    page = client.get("/trends", params={"industry": "telecoms"})
    assert "Trends: Telecoms and internet" in page.text
    assert _row(page.text, 0, "2026-10") == ["2026-10", "2", "2", "1"]
    assert _row(page.text, 1, "2026-10")[1].startswith("50.0%")
    assert _row(page.text, 2, "2026-10")[1].startswith("2.0 d")
    assert 'src="/trends/charts/trend_rates.svg?industry=telecoms&amp;v=' in page.text
    assert client.get("/trends", params={"industry": "banking"}).status_code == 200
    assert "No complaints against companies in" in client.get("/trends?industry=banking").text
    assert client.get("/trends", params={"industry": "nonsense"}).status_code == 404


def test_charts_are_svg_with_titles_legends_and_validators(client, filed) -> None:
    for name in ("trend_counts", "trend_rates", "trend_response"):
        chart = client.get(f"/trends/charts/{name}.svg", params={"industry": "telecoms"})
        assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
        assert "<script" not in chart.text
        again = client.get(
            f"/trends/charts/{name}.svg?industry=telecoms",
            headers={"If-None-Match": chart.headers["etag"]},
        )
        assert again.status_code == 304
    counts = client.get("/trends/charts/trend_counts.svg").text
    assert "answered (so far)" in counts and "filed" in counts  # a legend, not colour alone
    assert client.get("/trends/charts/pie.svg").status_code == 404


def test_a_new_computation_moves_the_validators(client, db, filed) -> None:
    page = client.get("/trends")
    assert client.get("/trends", headers={"If-None-Match": page.headers["etag"]}).status_code == 304
    make_complaint(db, company_name="Tele Co", title="Another one", now=_at(11, 16))
    db.commit()
    site_trends.refresh(db.connection(), NOW + timedelta(hours=1))
    fresh = client.get("/trends", headers={"If-None-Match": page.headers["etag"]})
    assert fresh.status_code == 200
    assert _row(fresh.text, 0, "2026-11") == ["2026-11", "2", "0", "0"]


def test_before_the_first_computation_the_page_says_so(client) -> None:
    page = client.get("/trends")
    assert page.status_code == 200 and "have not been computed yet" in page.text
    assert client.get("/trends/charts/trend_counts.svg").status_code == 404
