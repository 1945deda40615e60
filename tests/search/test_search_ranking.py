"""Text search ranks the newest ``RANK_POOL`` matches best first and counts no further: a large
site shows "more than" that many, and an old complaint titled with the words does not jump
ahead of the newest ones it is not ranked with."""

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


def test_only_the_newest_are_ranked_and_the_count_says_more_than(client, filed, monkeypatch):
    monkeypatch.setattr(searching, "RANK_POOL", 2)
    found = client.get("/api/v1/complaints?q=refund&limit=10").json()
    titles = [row["title"] for row in found["items"]]
    assert set(titles[:2]) == {"Meter", "Wrong plan"}  # the newest two, ranked
    assert "Refund refund refund" not in titles  # old: outside the pool
    assert (found["total"], found["total_capped"]) == (2, True)
    page = client.get("/search?q=refund")
    assert "More than 2 complaints found." in page.text
    assert "among the newest 2" in page.text


def test_all_ranked_when_the_pool_holds_them(client, filed):
    found = client.get("/api/v1/complaints?q=refund&limit=10").json()
    assert found["items"][0]["title"] == "Refund refund refund"  # a title match first
    assert (found["total"], found["total_capped"]) == (5, False)
