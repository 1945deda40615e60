"""Text search ranks the newest ``RANK_POOL`` matches best first, then lists the rest newest
first: every match appears exactly once across the pages, and an old complaint titled with the
words does not jump ahead of the newest ones it is not ranked with."""

from datetime import timedelta

import pytest

from app.clock import utcnow
from app.search import service as searching
from tests.support.factories import make_complaint, make_user

BODY = "I was promised a refund and it never came."


@pytest.fixture
def filed(db):
    author = make_user(db)
    now = utcnow()
    titles = ["Refund refund refund", "Billing mix-up", "Late parcel", "Wrong plan", "Meter"]
    for age, title in enumerate(titles):  # the first is the oldest
        make_complaint(db, author, title=title, body=BODY, now=now - timedelta(days=10 - age))
    db.commit()
    return titles


def _titles(client, offset: int, limit: int) -> list[str]:
    found = client.get(f"/api/v1/complaints?q=refund&offset={offset}&limit={limit}")
    assert found.status_code == 200
    return [row["title"] for row in found.json()["items"]]


def test_pages_list_every_match_once_ranked_then_newest_first(client, filed, monkeypatch):
    monkeypatch.setattr(searching, "RANK_POOL", 2)
    pages = _titles(client, 0, 2) + _titles(client, 2, 2) + _titles(client, 4, 2)
    assert sorted(pages) == sorted(filed)
    # The oldest, titled with the word, is outside the newest two: last, as newest-first puts it.
    assert pages[-1] == "Refund refund refund"
    assert set(pages[:2]) == {"Meter", "Wrong plan"}


def test_a_page_across_the_ranked_part_and_the_rest(client, filed, monkeypatch):
    monkeypatch.setattr(searching, "RANK_POOL", 2)
    assert _titles(client, 1, 3)[1:] == ["Late parcel", "Billing mix-up"]


def test_all_ranked_when_the_pool_holds_them(client, filed):
    assert _titles(client, 0, 1) == ["Refund refund refund"]  # title match first
