"""The leaderboard pages, sorting, the minimum sample, exports and the API, read from aggregates."""

import csv
import io
import re
from datetime import timedelta

import pytest

from app.clock import utcnow
from app.config import get_settings
from app.models.complaint import Complaint, InternalNote, Visibility
from app.stats import aggregates
from app.stats.metrics import METHODOLOGY_VERSION
from tests.support.factories import make_complaint, make_user
from tests.support.stats import cells, company_with, row_names


@pytest.fixture(autouse=True)
def small_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "min_ranked_complaints", 3)
    monkeypatch.setattr(get_settings(), "burst_complaints", 10_000)  # many filings at once


def test_default_order_is_confirmed_resolution_best_first(client, board) -> None:
    page = client.get("/leaderboards", params={"window": "90d"})
    assert page.status_code == 200
    assert row_names(page.text) == ["Alpha Co", "Beta Co", "Gamma Co"]
    ranks = re.findall(r"<tr(?: class=\"unranked\")?>\s*<td>(.*?)</td>", page.text, re.S)
    assert ranks[:2] == ["1", "2"]
    assert "not enough complaints to rank" in ranks[2]
    # 3 of 4 confirmed: 75.0% with its Wilson interval (30.1-95.4%, worked out by hand).
    assert cells(page.text, "confirmed")[0] == "75.0% 30.1\u201395.4%"


def test_a_company_below_the_minimum_is_never_ranked_even_when_best(client, board) -> None:
    page = client.get("/leaderboards", params={"window": "90d", "sort": "confirmed"})
    assert row_names(page.text)[-1] == "Gamma Co"
    assert cells(page.text, "confirmed")[-1].startswith("100.0%")


def test_sorting_by_another_metric_and_reversing(client, board) -> None:
    asc = client.get("/leaderboards", params={"window": "90d", "sort": "confirmed", "dir": "asc"})
    assert row_names(asc.text) == ["Beta Co", "Alpha Co", "Gamma Co"]
    filed = client.get("/leaderboards", params={"window": "90d", "sort": "filed"})
    assert row_names(filed.text) == ["Alpha Co", "Beta Co", "Gamma Co"]
    assert cells(filed.text, "filed") == ["4", "3", "2"]


def test_column_headers_link_to_their_explanation(client, board) -> None:
    every = ["confirmed", "resolved", "timely", "response", "resolution", "dispute"]
    page = client.get("/leaderboards", params={"cols": every}).text  # the column chooser's
    for anchor in ("confirmed", "resolved", "timely", "response", "resolution", "dispute"):
        assert f'href="/methodology#{anchor}"' in page
    methodology = client.get("/methodology").text
    for anchor in ("confirmed", "resolved", "timely", "response", "resolution", "dispute"):
        assert f'id="{anchor}"' in methodology
    assert f"Methodology version <strong>{METHODOLOGY_VERSION}</strong>" in methodology
    assert "at least 3" in methodology  # the minimum sample in force


def test_bad_filters_are_a_clear_error(client, board) -> None:
    assert client.get("/leaderboards", params={"window": "week"}).status_code == 400
    assert client.get("/leaderboards", params={"sort": "password"}).status_code == 400
    assert client.get("/leaderboards", params={"category": "nope"}).status_code == 400


def test_category_filter(client, db, board) -> None:
    company_with(db, "Alpha Co", 1, 0, category="refund")
    aggregates.refresh_company(session=db, company_id=board["alpha"].id)
    db.commit()
    page = client.get("/leaderboards", params={"window": "90d", "category": "refund"})
    assert row_names(page.text) == ["Alpha Co"]
    assert cells(page.text, "filed") == ["1"]


def test_the_csv_reproduces_the_page(client, board) -> None:
    params = {"window": "90d", "sort": "confirmed"}
    page = client.get("/leaderboards", params=params).text
    export = client.get("/leaderboards.csv", params=params)
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["company_name"] for r in rows] == row_names(page)
    for row, shown, filed in zip(rows, cells(page, "confirmed"), cells(page, "filed"), strict=True):
        assert shown.startswith(f"{float(row['confirmed_rate']) * 100:.1f}%")
        assert f"{float(row['confirmed_low']) * 100:.1f}\u2013" in shown
        assert row["filed"] == filed
    assert [r["rank"] for r in rows] == ["1", "2", ""]
    assert rows[0]["methodology_version"] == METHODOLOGY_VERSION


def test_the_json_carries_the_same_numbers(client, board) -> None:
    data = client.get("/leaderboards.json", params={"window": "90d"}).json()
    assert data["methodology_version"] == METHODOLOGY_VERSION and data["min_ranked"] == 3
    first = data["rows"][0]
    assert (first["company_name"], first["rank"], first["filed"]) == ("Alpha Co", 1, 4)
    assert first["confirmed_rate"] == 0.75
    assert first["confirmed_low"] == pytest.approx(0.3006, abs=1e-4)


def test_the_api_pages_the_leaderboard(client, board) -> None:
    first = client.get("/api/v1/leaderboard", params={"window": "90d", "limit": 1}).json()
    assert first["total"] == 3 and len(first["items"]) == 1
    assert first["items"][0]["company_name"] == "Alpha Co"
    second = client.get("/api/v1/leaderboard", params={"window": "90d", "limit": 1, "offset": 1})
    assert second.json()["items"][0]["company_name"] == "Beta Co"
    assert second.json()["items"][0]["rank"] == 2
    bad = client.get("/api/v1/leaderboard", params={"window": "week"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_the_api_gives_a_company_s_numbers(client, board) -> None:
    alpha = board["alpha"]
    data = client.get(f"/api/v1/companies/{alpha.id}/stats", params={"window": "all"}).json()
    assert data["total"] == 2  # all categories, and billing
    overall = next(i for i in data["items"] if i["category"] == "")
    assert (overall["filed"], overall["confirmed"]) == (4, 3)
    assert client.get("/api/v1/companies/999999/stats").status_code == 404


def test_the_page_says_when_numbers_were_computed(client, board) -> None:
    assert "Computed at" in client.get("/leaderboards", params={"window": "90d"}).text


def test_the_company_page_shows_the_aggregate_with_intervals(client, board) -> None:
    page = client.get("/companies/alpha-co").text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "4 complaints" in text
    assert "3 confirmed resolved by the consumer (75% of complaints) 30.1\u201395.4%" in text
    assert "computed just now" not in text


def test_nav_links_to_the_leaderboards(client) -> None:
    assert '<a href="/leaderboards">Leaderboards</a>' in client.get("/").text


def test_complaint_exports_hold_public_fields_only(client, db, board) -> None:
    author = make_user(db, email="private-person@example.org", name="Pat Private")
    secret = make_complaint(
        db,
        author,
        company_name="Alpha Co",
        title="Router never arrived",
        private_reference="ACCT-SECRET-4242",
    )
    db.add(InternalNote(complaint_id=secret.id, body="Internal: customer is a VIP-NOTE-77"))
    unlisted = make_complaint(db, company_name="Alpha Co", title="Quietly unlisted complaint")
    unlisted.visibility = Visibility.UNLISTED
    db.add(unlisted)
    db.commit()

    for path in ("/data/complaints.csv", "/data/complaints.json"):
        body = client.get(path, params={"company": "alpha-co"}).text
        assert "Router never arrived" in body
        for private in (
            "ACCT-SECRET-4242",
            "VIP-NOTE-77",
            "private-person@example.org",
            "Quietly unlisted complaint",
            "original_",
            "private_reference",
        ):
            assert private not in body, (path, private)
    rows = list(csv.DictReader(io.StringIO(client.get("/data/complaints.csv").text)))
    assert sum(r["company_slug"] == "alpha-co" for r in rows) == 5
    assert client.get("/data/complaints.csv", params={"company": "nobody"}).status_code == 404


def test_complaint_export_filters_by_window_and_category(client, db, board) -> None:
    old = make_complaint(db, company_name="Beta Co", now=utcnow() - timedelta(days=200))
    db.commit()
    recent = client.get("/data/complaints.json", params={"window": "90d"}).json()["rows"]
    assert old.id not in {r["id"] for r in recent}
    everything = client.get("/data/complaints.json").json()["rows"]
    assert old.id in {r["id"] for r in everything}
    refunds = client.get("/data/complaints.json", params={"category": "refund"}).json()["rows"]
    assert refunds == []


def test_hidden_complaints_count_but_pending_ones_do_not(db, board) -> None:
    beta = board["beta"]
    held = make_complaint(db, company_name="Beta Co")
    held.visibility = Visibility.PENDING
    hidden = make_complaint(db, company_name="Beta Co")
    hidden.visibility = Visibility.HIDDEN
    db.add_all([held, hidden])
    aggregates.refresh_company(session=db, company_id=beta.id)
    from app.stats.leaderboard import headline

    assert headline(session=db, company_id=beta.id).filed == 4
    assert isinstance(held, Complaint)


def test_a_median_not_reached_sorts_as_the_slowest(client, db, board) -> None:
    slow = company_with(db, "Slow Co", 3, 0)  # three complaints, none answered
    aggregates.refresh_company(session=db, company_id=slow.id)
    db.commit()
    # Alpha answered 3 of 4 (by resolving) after a day; Beta 1 of 3: its median is not reached.
    fastest = client.get("/leaderboards", params={"window": "90d", "sort": "response"}).text
    assert row_names(fastest) == ["Alpha Co", "Beta Co", "Slow Co", "Gamma Co"]
    assert cells(fastest, "response")[0].startswith("1.00 d")
    assert cells(fastest, "response")[2].startswith("not reached")
    slowest = client.get(
        "/leaderboards", params={"window": "90d", "sort": "response", "dir": "desc"}
    ).text
    assert row_names(slowest) == ["Beta Co", "Slow Co", "Alpha Co", "Gamma Co"]


def test_an_empty_leaderboard_says_so(client) -> None:
    page = client.get("/leaderboards")
    assert page.status_code == 200
    assert "No complaints in this window yet." in page.text
    assert client.get("/leaderboards.json").json()["rows"] == []
    assert client.get("/leaderboards.csv").text.startswith("rank,company_id,company_name,")
