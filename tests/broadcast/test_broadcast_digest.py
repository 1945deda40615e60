"""The weekly digest post: which companies it names, once per week per network, within limits,
and nothing about any consumer."""

from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.broadcast import delivery, digest
from app.broadcast.fake import FakeAdapter
from app.broadcast.layout import Rules, graphemes
from app.broadcast.mastodon import defuse_mentions
from app.companies import service as companies
from app.jobs.periodic import ensure_scheduled, period_of
from app.models.broadcast import BroadcastStatus, BroadcastSummary
from app.models.company import Company
from app.models.job import Job
from tests.support.factories import make_complaint, make_user

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=30)  # every complaint is past its 14-day response deadline
MASTODON = Rules(max_graphemes=500, link_length=23, escape=defuse_mentions)


@pytest.fixture
def networks(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeAdapter]:
    fakes = {
        "bluesky": FakeAdapter("bluesky"),
        "mastodon": FakeAdapter("mastodon", rules=MASTODON),
    }
    monkeypatch.setattr(delivery, "_cache", fakes)
    return fakes


def company_with(db: Session, name: str, *, on_time: int, late: int) -> Company:
    """A company with ``on_time`` complaints answered the next day and ``late`` never answered."""
    company = companies.create(session=db, name=name)
    for n in range(on_time + late):
        author = make_user(db, name=f"Consumer Casey {n}")
        complaint = make_complaint(db, author, now=T0, title=f"Private story {n}")
        complaint.company_id = company.id
        if n < on_time:
            complaint.first_response_at = T0 + timedelta(days=1)
        db.add(complaint)
    db.flush()
    return company


@pytest.fixture
def ranked(db: Session) -> dict[str, Company]:
    return {
        "best": company_with(db, "Alpha Air", on_time=5, late=0),  # 100 %
        "worst": company_with(db, "Beta Bank", on_time=2, late=3),  # 40 %
        "middle": company_with(db, "Gamma Gas", on_time=4, late=2),  # 67 %
        # Worse than all, but 3 due complaints are too few to be ranked.
        "few": company_with(db, "Delta Dairy", on_time=0, late=3),
    }


def test_the_digest_names_the_best_and_worst_of_the_companies_with_enough_complaints(
    db: Session, ranked: dict[str, Company]
) -> None:
    best, worst = digest.pick(session=db, now=LATER)
    assert best.company_id == ranked["best"].id and (best.answered_on_time, best.due) == (5, 5)
    assert worst.company_id == ranked["worst"].id and (worst.answered_on_time, worst.due) == (2, 5)


def test_no_digest_without_two_companies_to_compare(db: Session, networks) -> None:
    company_with(db, "Alpha Air", on_time=5, late=0)
    company_with(db, "Delta Dairy", on_time=0, late=4)  # below the threshold
    assert digest.pick(session=db, now=LATER) is None
    assert digest.queue(session=db, now=LATER) == []


async def test_one_post_per_network_per_week_and_no_consumer_data(
    db: Session, ranked: dict[str, Company], networks: dict[str, FakeAdapter]
) -> None:
    jobs = digest.queue(session=db, now=LATER)
    again = digest.queue(session=db, now=LATER + timedelta(days=1))  # same ISO week
    assert [j.id for j in again] == [j.id for j in jobs]
    assert sorted(j.key for j in jobs) == [
        "broadcast:digest:2026-W14:bluesky",
        "broadcast:digest:2026-W14:mastodon",
    ]
    next_week = digest.queue(session=db, now=LATER + timedelta(days=7))
    assert {j.key for j in next_week}.isdisjoint({j.key for j in jobs})

    for job in jobs:
        outcome = await digest.publish(job, lambda: nullcontext(db))
        assert outcome.ok, outcome.detail
        outcome = await digest.publish(
            job, lambda: nullcontext(db)
        )  # a retry: the network sees the same record key
        assert outcome.ok
    for network, fake in networks.items():
        ((post, rendered),) = fake.posts.values()
        text = rendered.text
        assert "Alpha Air (100% of 5 on time)" in text
        assert "Beta Bank (40% of 5 on time)" in text
        assert "Gamma Gas" not in text and "Delta Dairy" not in text
        assert "Casey" not in text and "Private story" not in text
        assert post.reply_to is None and post.link.url.endswith("/companies")
        assert post.record_key == digest.key_for("2026-W14", network)


async def test_long_company_names_still_fit_each_network(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    company_with(db, "Northwind " * 10 + "Telecommunications", on_time=5, late=0)
    company_with(db, "Южный " * 19 + "Банк", on_time=1, late=4)
    for job in digest.queue(session=db, now=LATER):
        assert (await digest.publish(job, lambda: nullcontext(db))).ok
    bluesky = next(iter(networks["bluesky"].posts.values()))[1].text
    mastodon = next(iter(networks["mastodon"].posts.values()))[1].text
    assert len(graphemes(bluesky)) <= 300 and len(bluesky.encode()) <= 3000
    assert "/companies" in bluesky and "100% of 5 on time" in bluesky
    assert len(graphemes(mastodon)) <= 500 and "20% of 5 on time" in mastodon


def test_the_digest_is_scheduled_weekly_and_each_period_is_one_iso_week(db: Session) -> None:
    jobs = [j for j in ensure_scheduled(session=db, now=LATER) if j.kind == digest.KIND]
    assert len(jobs) == 1
    assert ensure_scheduled(session=db, now=LATER + timedelta(hours=3))  # queued again: same job
    assert len(db.exec(select(Job).where(Job.kind == digest.KIND)).all()) == 1
    period = period_of(LATER, digest.EVERY)
    weeks = {digest.week_of(digest.period_start(p)) for p in range(period, period + 60)}
    assert len(weeks) == 60


async def test_the_digest_and_a_catch_up_are_listed_on_broadcasts_with_links_to_them(
    db: Session, ranked: dict[str, Company], networks: dict[str, FakeAdapter], client
) -> None:
    networks["bluesky"].web_url = "https://bsky.app/profile/outcry.example/post"
    jobs = digest.queue(session=db, now=LATER)
    jobs += digest.queue_catch_up(session=db, count=12, now=LATER)
    page = client.get("/broadcasts").text  # queued: listed with the text the network will get
    assert page.count("Alpha Air (100% of 5 on time)") == 2  # one digest per network
    assert page.count("Catching up: 12 complaints reached a milestone") == 2
    assert "view the post" not in page
    for job in jobs:
        assert (await digest.publish(job, lambda: nullcontext(db))).ok
    page = client.get("/broadcasts").text
    for job in jobs:
        if job.payload["network"] == "bluesky":
            assert f'href="https://bsky.app/profile/outcry.example/post/{job.key}"' in page
    assert page.count("view the post") == 2  # the other network has no web address
    assert page.count("Weekly digest") == 2 and page.count("Catch-up post") == 2
    rows = db.exec(select(BroadcastSummary)).all()
    assert {row.status for row in rows} == {BroadcastStatus.POSTED}
    for row in rows:  # what the page shows is what the network got
        ((_, rendered),) = [v for k, v in networks[row.network].posts.items() if k == row.key]
        assert row.text == rendered.text
