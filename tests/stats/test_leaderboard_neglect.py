"""Rankings that cannot mislead: rates ordered by their Wilson bound, every column sortable, the
"most ignored" view, the minimum-sample rule explained where it hides companies."""

import re

import pytest
from sqlmodel import Session

from app.companies import service as companies
from app.config import get_settings
from tests.support.stats import cells, company_stats, neglect_records, row_names


@pytest.fixture(autouse=True)
def small_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "min_ranked_complaints", 3)


@pytest.fixture
def timely_board(db: Session) -> None:
    # Worked by hand (z = 1.96): 3/3 = 100% but its interval starts at 43.85%; 45/50 = 90%,
    # 78.6-95.7%; 8/10 = 80%, 49.0-94.3%. By lower bound: Big, Mid, Small; by raw rate the
    # three-complaint company would lead.
    company_stats(db, "Small Co", neglect_records(on_time=3))
    company_stats(db, "Big Co", neglect_records(on_time=45, late=5))
    company_stats(db, "Mid Co", neglect_records(on_time=8, late=2))


def test_rates_are_ordered_by_their_wilson_lower_bound_with_the_raw_rate_shown(
    client, timely_board
) -> None:
    page = client.get("/leaderboards", params={"window": "90d", "sort": "timely"})
    assert page.status_code == 200
    assert row_names(page.text) == ["Big Co", "Mid Co", "Small Co"]
    assert cells(page.text, "timely") == [
        "90.0% 78.6\u201395.7%",
        "80.0% 49.0\u201394.3%",
        "100.0% 43.9\u2013100.0%",  # 0.43849 is published as 0.4385
    ]
    assert "cautious edge of that interval" in page.text


def test_worst_first_orders_by_the_upper_bound(client, db) -> None:
    # By hand: 60/100 = 60%, upper bound 69.1%; 1/3 = 33.3%, upper bound 79.2%. Worst first,
    # the company that is surely poor leads, not the lowest rate from three complaints.
    company_stats(db, "Few Co", neglect_records(on_time=1, late=2))
    company_stats(db, "Hundred Co", neglect_records(on_time=60, late=40))
    page = client.get("/leaderboards", params={"window": "90d", "sort": "timely", "dir": "asc"})
    assert row_names(page.text) == ["Hundred Co", "Few Co"]
    assert cells(page.text, "timely") == ["60.0% 50.2\u201369.1%", "33.3% 6.2\u201379.2%"]  # 0.0615


@pytest.fixture
def neglect_board(db: Session) -> None:
    company_stats(db, "Silent Co", neglect_records(on_time=0, silent=8, age_days=40))
    company_stats(db, "Slow Co", neglect_records(on_time=6, silent=2, age_days=20))
    company_stats(db, "Prompt Co", neglect_records(on_time=10, closed=True))
    company_stats(db, "Tiny Co", neglect_records(on_time=0, silent=1, age_days=60))  # unranked


@pytest.mark.parametrize("sort", ["open", "overdue", "unanswered", "waiting"])
def test_every_neglect_column_sorts_both_ways(client, neglect_board, sort) -> None:
    best = row_names(client.get("/leaderboards", params={"window": "12m", "sort": sort}).text)
    worst = row_names(
        client.get("/leaderboards", params={"window": "12m", "sort": sort, "dir": "desc"}).text
    )
    assert best[0] == "Prompt Co"
    assert worst[0] == "Silent Co"
    assert best[-1] == worst[-1] == "Tiny Co"  # below the minimum: after the ranked, both ways


def test_neglect_columns_show_their_numbers(client, neglect_board) -> None:
    page = client.get("/leaderboards", params={"window": "12m", "sort": "overdue", "dir": "desc"})
    assert cells(page.text, "overdue")[:3] == ["8", "2", "0"]
    assert cells(page.text, "unanswered")[0] == "100.0% 67.6\u2013100.0%"  # 8/8 by hand
    assert cells(page.text, "waiting")[0] == "40.0 d"
    assert cells(page.text, "waiting")[2] == "none waiting"


def test_most_ignored_view_is_linked_from_home_and_lists_the_neglectful(
    client, neglect_board
) -> None:
    home = client.get("/")
    assert 'href="/leaderboards/ignored"' in home.text
    page = client.get("/leaderboards/ignored")
    assert page.status_code == 200
    overdue = re.search(r'data-list="overdue">(.*?)</ol>', page.text, re.S).group(1)
    names = re.findall(r'<a href="/companies/[^"]+">([^<]+)</a>', overdue)
    assert names == ["Silent Co", "Slow Co", "Tiny Co"]  # a count needs no minimum sample
    waiting = re.search(r'data-list="waiting">(.*?)</ol>', page.text, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", waiting)[0] == "Tiny Co"  # 60 days
    unanswered = re.search(r'data-list="unanswered">(.*?)</ol>', page.text, re.S).group(1)
    # A share needs the minimum sample: Tiny Co's 1 of 1 is not listed.
    assert re.findall(r">([^<]+)</a>", unanswered) == ["Silent Co", "Slow Co"]
    assert 'href="/methodology#limits"' in page.text


def test_unranked_companies_are_listed_by_size_with_a_window_that_ranks_them(client, db) -> None:
    # Old Co: five complaints 200 days ago and one last week; Newer Co: two last week.
    company_stats(
        db, "Old Co", neglect_records(on_time=5, age_days=200) + neglect_records(on_time=1)
    )
    company_stats(db, "Newer Co", neglect_records(on_time=2, age_days=7))
    company_stats(db, "One Co", neglect_records(on_time=1, age_days=7))
    page = client.get("/leaderboards", params={"window": "90d", "sort": "confirmed"})
    assert row_names(page.text) == ["Newer Co", "Old Co", "One Co"]  # 2, 1, 1 complaints
    assert "No company has the 3 complaints needed to be ranked last 90 days" in page.text
    assert 'href="/leaderboards?window=12m&category=&industry=&sort=confirmed"' in page.text
    assert "listed by number of complaints for reference, never ranked" in page.text
    assert 'href="/methodology#limits"' in page.text


def test_the_column_chooser_shows_the_columns_asked_for(client, neglect_board) -> None:
    page = client.get("/leaderboards", params={"window": "12m", "cols": ["overdue", "cosigns"]})
    assert page.status_code == 200
    shown = re.findall(r'<th scope="col" data-col="(\w+)"', page.text)
    assert shown == ["overdue", "cosigns"]
    assert 'name="cols" value="cosigns" checked' in page.text
    every = re.findall(r'<th scope="col" data-col="(\w+)"', client.get("/leaderboards").text)
    assert "confirmed" in every and "cosigns" not in every
    assert client.get("/leaderboards", params={"cols": "password"}).status_code == 400


def test_json_download_answers_errors_as_problem_details(client) -> None:
    bad = client.get("/leaderboards.json", params={"sort": "nope"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "sort must be one of" in bad.json()["detail"]
    assert "open" in bad.json()["detail"]


def test_json_and_csv_carry_the_neglect_numbers(client, neglect_board) -> None:
    rows = client.get("/leaderboards.json", params={"window": "12m", "sort": "overdue"}).json()
    silent = next(r for r in rows["rows"] if r["company_name"] == "Silent Co")
    assert silent["unanswered"] == 8 and silent["unanswered_rate"] == 1.0
    assert silent["oldest_wait_days"] == 40.0
    header = client.get("/leaderboards.csv").text.splitlines()[0]
    assert header.endswith(
        "computed_at,unanswered,unanswered_rate,unanswered_low,unanswered_high,oldest_wait_days"
    )


@pytest.mark.parametrize("name", ["\u200b\u200b\u200b", "-- --", "   ", "\u200e..."])
def test_a_company_name_without_letters_is_refused(db, name) -> None:
    with pytest.raises(companies.BlankName):
        companies.create(session=db, name=name)
