"""What is broadcast and when: opt-in, grace window, milestones, threads, resolution, mentions,
privacy, and what /broadcasts and the complaint page show."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.broadcast import delivery, listing, schedule
from app.broadcast.base import Post
from app.broadcast.dryrun import DryRunAdapter
from app.broadcast.fake import FakeAdapter
from app.clock import utcnow
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.job import Job
from tests.support.broadcast import T0, confirm, day, opted_in, resolve, run_due, texts
from tests.support.factories import make_complaint, make_rep, make_user


@pytest.fixture
def networks(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeAdapter]:
    fakes = {"bluesky": FakeAdapter("bluesky"), "mastodon": FakeAdapter("mastodon")}
    monkeypatch.setattr(delivery, "_cache", fakes)
    return fakes


def posts(fake: FakeAdapter) -> list[Post]:
    return [post for post, _ in fake.posts.values()]


async def test_a_complaint_without_opt_in_is_never_posted(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    make_complaint(db, now=T0, broadcast_opt_in=False)
    assert schedule.scan(session=db, now=day(30)) == []
    assert await run_due(db, day(30)) == 0
    assert networks["bluesky"].calls == 0


async def test_milestone_7_is_posted_once_at_day_7_and_not_again(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    complaint = opted_in(db)
    assert schedule.scan(session=db, now=day(6.9)) == []
    queued = schedule.scan(session=db, now=day(7))
    assert {(b.event, b.network) for b in queued} == {
        ("milestone:7", "bluesky"),
        ("milestone:7", "mastodon"),
    }
    assert await run_due(db, day(7)) == 2
    assert schedule.scan(session=db, now=day(7) + timedelta(hours=1)) == []
    assert await run_due(db, day(8)) == 0
    (text,) = texts(networks["bluesky"])
    assert text.startswith("Still unresolved after 7 days: a complaint against Northwind Telecom")
    assert text.endswith(f"http://testserver/complaints/{complaint.id}")
    assert (
        db.exec(select(Broadcast.status).where(Broadcast.complaint_id == complaint.id)).all()
        == [BroadcastStatus.POSTED] * 2
    )


async def test_a_complaint_seen_late_gets_only_its_latest_milestone(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    opted_in(db)
    assert [b.event for b in schedule.scan(session=db, now=day(15))] == ["milestone:14"] * 2


async def test_nothing_is_posted_inside_the_right_of_reply_window(
    db: Session, networks: dict[str, FakeAdapter], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A milestone (here at day 1) or a quick confirmation waits for the grace days to pass."""
    monkeypatch.setattr(delivery.get_settings(), "broadcast_milestones", [1])
    complaint = opted_in(db)
    schedule.scan(session=db, now=day(1))
    resolve(db, complaint, day(1.5))
    confirm(db, complaint, day(2))
    assert await run_due(db, day(2.99)) == 0
    assert networks["bluesky"].calls == 0
    assert await run_due(db, day(3)) == 4  # milestone:1 and the resolution, on both networks


async def test_later_posts_are_replies_in_the_complaints_thread(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    complaint = opted_in(db)
    schedule.scan(session=db, now=day(7))
    await run_due(db, day(7))
    schedule.scan(session=db, now=day(14))
    await run_due(db, day(14))
    resolve(db, complaint, day(19))
    confirm(db, complaint, day(20))
    await run_due(db, day(20))

    for network, fake in networks.items():
        first, second, third = posts(fake)
        assert first.reply_to is None
        root = f"{network}:{schedule.record_key(complaint.id, 'milestone:7', network)}"
        middle = f"{network}:{schedule.record_key(complaint.id, 'milestone:14', network)}"
        assert (second.reply_to.root.id, second.reply_to.parent.id) == (root, root)
        assert (third.reply_to.root.id, third.reply_to.parent.id) == (root, middle)
    resolution = texts(networks["bluesky"])[2]
    # Filed on day 0, resolved by the company on day 19, confirmed by the consumer on day 20.
    assert (
        "resolved “Charged twice for March” in 19 days; "
        f"the consumer confirmed the resolution on {day(20):%Y-%m-%d}." in resolution
    )


async def test_an_unconfirmed_resolution_is_posted_after_the_confirmation_deadline(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    complaint = opted_in(db)
    resolve(db, complaint, day(5))
    assert schedule.scan(session=db, now=day(18.9)) == []
    assert [b.event for b in schedule.scan(session=db, now=day(19))] == [
        "resolution:unconfirmed"
    ] * 2
    await run_due(db, day(19))
    (text,) = texts(networks["mastodon"])
    assert "the consumer has not confirmed it after 14 days (19 days since it was filed)" in text


async def test_the_company_is_mentioned_only_once_its_claim_is_verified_and_it_opted_in(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    first = opted_in(db, company_name="Mention Co")
    company = db.get(Company, first.company_id)
    company.bluesky_handle, company.mastodon_account = (
        "mentionco.example",
        "mentionco@social.example",
    )
    company.broadcast_mentions = True
    db.add(company)
    schedule.scan(session=db, now=day(7))
    await run_due(db, day(7))
    assert "@mentionco" not in texts(networks["bluesky"])[0]
    assert "@mentionco" not in texts(networks["mastodon"])[0]

    make_rep(db, company)  # verifies the claim
    schedule.scan(session=db, now=day(14))
    await run_due(db, day(14))
    assert "against @mentionco.example," in texts(networks["bluesky"])[1]
    assert "against @mentionco@social.example," in texts(networks["mastodon"])[1]

    company.broadcast_mentions = False  # the company withdrew its consent to be mentioned
    db.add(company)
    schedule.scan(session=db, now=day(30))
    await run_due(db, day(30))
    assert "against Mention Co," in texts(networks["bluesky"])[2]
    assert "@mentionco" not in texts(networks["mastodon"])[2]


async def test_no_post_holds_the_consumers_name_or_private_reference(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    author = make_user(db, name="Zelda Quuxworth")
    complaint = make_complaint(
        db, author, now=T0, broadcast_opt_in=True, private_reference="ACCT-77331"
    )
    schedule.scan(session=db, now=day(7))
    await run_due(db, day(7))
    rows = db.exec(select(Broadcast).where(Broadcast.complaint_id == complaint.id)).all()
    written = [*texts(networks["bluesky"]), *texts(networks["mastodon"]), *(b.text for b in rows)]
    assert len(written) == 4
    for text in written:
        assert "Zelda" not in text and "Quuxworth" not in text and "ACCT-77331" not in text


async def test_the_dry_run_shows_what_would_be_posted(
    db: Session, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "_cache", {"dryrun": DryRunAdapter()})
    complaint = opted_in(db, title="Router <b>never</b> arrived")
    (queued,) = schedule.scan(session=db, now=day(7))
    await run_due(db, day(7))
    db.refresh(queued)
    assert queued.status == BroadcastStatus.POSTED

    page = client.get("/broadcasts")
    assert page.status_code == 200
    assert "dry run" in page.text
    assert "Still unresolved after 7 days: a complaint against Northwind Telecom" in page.text
    assert "Router &lt;b&gt;never&lt;/b&gt; arrived" in page.text  # escaped, not markup
    assert f"http://testserver/complaints/{complaint.id}" in page.text

    detail = client.get(f"/complaints/{complaint.id}")
    assert f'href="/broadcasts#b{queued.id}"' in detail.text

    # The link card and the thread position, as the network adapters build them.
    schedule.scan(session=db, now=day(14))
    await run_due(db, day(14))
    page = client.get("/broadcasts").text
    assert page.count("Link card:") == 2
    assert (
        "Router &lt;b&gt;never&lt;/b&gt; arrived</a> — A complaint against Northwind Telecom"
        in page
    )
    assert page.index("A reply in the complaint&#39;s thread") < page.index(
        "Starts the complaint&#39;s thread"
    )  # newest first: the day-14 reply above the day-7 post that starts the thread


async def test_broadcasts_are_listed_newest_first_across_pages(
    db: Session, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "_cache", {"dryrun": DryRunAdapter()})
    monkeypatch.setattr(delivery.get_settings(), "page_size", 2)
    for n in range(3):
        opted_in(db, title=f"Complaint number {n}")
    schedule.scan(session=db, now=day(7))
    ids = [b.id for b in db.exec(select(Broadcast).order_by(Broadcast.id)).all()]
    first, second = client.get("/broadcasts"), client.get("/broadcasts?page=2")
    assert first.text.index(f'id="b{ids[2]}"') < first.text.index(f'id="b{ids[1]}"')
    assert f'id="b{ids[0]}"' not in first.text and f'id="b{ids[0]}"' in second.text
    assert "Page 1 of 2" in first.text


def test_the_scan_runs_hourly_as_a_periodic_job(db: Session) -> None:
    from app.jobs.periodic import ensure_scheduled

    kinds = {job.kind for job in ensure_scheduled(session=db, now=day(1))}
    assert schedule.SCAN_KIND in kinds
    assert (
        db.exec(select(Job).where(Job.kind == schedule.SCAN_KIND))
        .one()
        .key.startswith("periodic:broadcast.scan:")
    )


async def test_a_milestone_still_waiting_when_the_complaint_is_resolved_is_not_posted(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    complaint = opted_in(db)
    schedule.scan(session=db, now=day(7))  # queued, but no worker ran
    resolve(db, complaint, day(8))
    assert await run_due(db, day(9)) == 2
    assert networks["bluesky"].calls == 0
    statuses = db.exec(select(Broadcast.status).where(Broadcast.complaint_id == complaint.id))
    assert set(statuses) == {BroadcastStatus.SKIPPED}


async def test_resolved_in_counts_to_the_companys_resolution_not_a_late_confirmation(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    opted_in(db, title="Charged twice for June")
    complaint = db.exec(select(Complaint)).one()
    resolve(db, complaint, day(19))
    confirm(db, complaint, day(546))  # the consumer confirmed a year and a half later
    await run_due(db, day(546))
    (text,) = texts(networks["bluesky"])
    assert "resolved “Charged twice for June” in 19 days;" in text
    assert f"the consumer confirmed the resolution on {day(546):%Y-%m-%d}." in text
    assert "546" not in text


async def test_a_post_queued_inside_the_right_of_reply_window_is_not_public(
    db: Session, client, networks: dict[str, FakeAdapter]
) -> None:
    filed = utcnow() - timedelta(days=1)  # the company still has two days to answer
    complaint = make_complaint(db, now=filed, broadcast_opt_in=True, title="Confirmed within a day")
    resolve(db, complaint, filed + timedelta(hours=2))
    confirm(db, complaint, filed + timedelta(hours=3))
    queued = db.exec(select(Broadcast).where(Broadcast.complaint_id == complaint.id)).all()
    assert queued and {b.status for b in queued} == {BroadcastStatus.QUEUED}
    assert "Confirmed within a day" not in client.get("/broadcasts").text
    shown, _ = listing.recent(session=db, now=filed + timedelta(days=3, minutes=1))
    assert {b.complaint_id for b in shown} == {complaint.id}  # listed once the window has run


async def test_the_dry_run_names_a_verified_company_as_bluesky_would(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "_cache", {"dryrun": DryRunAdapter()})
    complaint = opted_in(db)
    company = db.get(Company, complaint.company_id)
    company.bluesky_handle, company.broadcast_mentions = "northwind.example", True
    db.add(company)
    make_rep(db, company)  # a verified claim: the company may be mentioned
    (queued,) = schedule.scan(session=db, now=day(7))
    assert "a complaint against @northwind.example" in queued.text
