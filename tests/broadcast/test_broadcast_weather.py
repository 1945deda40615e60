"""Outages are weather: a network that is down pauses (no attempt spent, no other network held),
a late success is read back and adopted, posts give up only after days, deletions never, and a
withdrawn thread is never replied to. In-memory networks on the test's calendar; the same story
against a real frozen PDS is tests/broadcast/test_broadcast_outage.py."""

from contextlib import nullcontext
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.broadcast import delivery, refresh, schedule
from app.broadcast.base import PermanentError, TemporaryError
from app.broadcast.fake import FakeAdapter
from app.clock import utcnow
from app.companies import profile as profiles
from app.config import get_settings
from app.jobs.queue import claim, finish
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.company import Company
from app.models.complaint import Complaint, Visibility
from app.models.job import Job, JobState
from app.models.membership import Role
from app.models.user import User
from app.moderation.service import set_visibility
from tests.support.broadcast import day, opted_in, run_due
from tests.support.factories import login, make_rep, make_user


@pytest.fixture
def networks(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeAdapter]:
    fakes = {"bluesky": FakeAdapter("bluesky"), "mastodon": FakeAdapter("mastodon")}
    monkeypatch.setattr(delivery, "_cache", fakes)
    return fakes


async def run_deletions(db: Session, now: datetime) -> int:
    done = 0
    while job := claim(session=db, kinds=[delivery.DELETE_KIND], now=now):
        outcome = await delivery.delete_job(job, lambda: nullcontext(db), now=now)
        finish(session=db, job=job, outcome=outcome, started_at=now, now=now)
        done += 1
    return done


def job_of(db: Session, broadcast: Broadcast) -> Job:
    key = schedule.record_key(broadcast.complaint_id, broadcast.event, broadcast.network)
    job = db.exec(select(Job).where(Job.key == key)).one()
    db.refresh(job)
    return job


def moderate(db: Session, complaint: Complaint, visibility: Visibility) -> None:
    set_visibility(
        session=db,
        complaint=complaint,
        visibility=visibility,
        reason="" if visibility == Visibility.PUBLIC else "Personal data",
        actor=None,
    )


async def test_a_long_outage_spends_no_attempt_and_holds_no_other_network(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    opted_in(db)
    bluesky_row, mastodon_row = sorted(
        schedule.scan(session=db, now=day(7)), key=lambda b: b.network
    )
    networks["bluesky"].failures = [TemporaryError("timed out")] * 40  # ten hours of failing
    now = day(7)
    for _ in range(40):
        await run_due(db, now)
        now += timedelta(minutes=15)
    job = job_of(db, bluesky_row)
    assert job.state == JobState.PENDING and job.attempts == 0  # 40 failures, none spent
    db.refresh(mastodon_row)
    assert mastodon_row.status == BroadcastStatus.POSTED  # the other network carried on
    await run_due(db, now + timedelta(hours=1))
    db.refresh(bluesky_row)
    assert bluesky_row.status == BroadcastStatus.POSTED and len(networks["bluesky"].posts) == 1


async def test_a_post_that_landed_unanswered_is_adopted_not_posted_again(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    opted_in(db)
    bluesky_row, _ = sorted(schedule.scan(session=db, now=day(7)), key=lambda b: b.network)
    fake = networks["bluesky"]
    fake.lost_answers = 1
    published = []
    publish = fake.publish

    async def counting(post):
        published.append(post.record_key)
        return await publish(post)

    fake.publish = counting  # type: ignore[method-assign]
    await run_due(db, day(7))
    db.refresh(bluesky_row)
    assert bluesky_row.status == BroadcastStatus.QUEUED
    await run_due(db, day(8))
    db.refresh(bluesky_row)
    assert bluesky_row.status == BroadcastStatus.POSTED
    assert len(published) == 1  # the retry read it back instead of publishing again
    assert bluesky_row.remote_id == f"bluesky:{published[0]}"


async def test_a_post_keeps_trying_for_days_then_gives_up(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    opted_in(db)
    bluesky_row, _ = sorted(schedule.scan(session=db, now=day(7)), key=lambda b: b.network)
    networks["bluesky"].failures = [TemporaryError("down")] * 1000
    job = job_of(db, bluesky_row)
    job.created_at = created = day(7)  # queued on the test's calendar
    db.add(job)
    db.flush()
    now = day(7)
    while now < created + timedelta(hours=95):
        await run_due(db, now)
        now += timedelta(hours=2)
    assert job_of(db, bluesky_row).state == JobState.PENDING  # four days of outage survived
    await run_due(db, created + timedelta(hours=97))
    assert job_of(db, bluesky_row).state == JobState.DEAD
    db.refresh(bluesky_row)
    assert bluesky_row.status == BroadcastStatus.FAILED


async def test_a_deletion_never_gives_up_and_the_admins_see_it_waiting(
    db: Session, networks: dict[str, FakeAdapter], client
) -> None:
    complaint = opted_in(db, title="A post that must come down")
    schedule.scan(session=db, now=day(7))
    await run_due(db, day(7))
    moderate(db, complaint, Visibility.HIDDEN)
    fake = networks["bluesky"]
    fake.failures = [PermanentError("refused")] * 20 + [TemporaryError("down")] * 80
    (posted,) = db.exec(select(Broadcast).where(Broadcast.network == "bluesky")).all()
    job = db.exec(select(Job).where(Job.key == f"broadcast-delete:{posted.id}")).one()
    now = utcnow()
    for _ in range(45):
        await run_deletions(db, now)
        now += timedelta(hours=7)  # beyond any backoff: the job is due again each time
    db.refresh(job)
    assert job.state == JobState.PENDING  # 20 refusals and 25 outages later, still trying
    job.created_at = utcnow() - timedelta(hours=2)  # waited past the admins' alert threshold
    db.add(job)
    db.flush()
    login(client, make_user(db, is_admin=True))
    page = client.get("/admin/jobs").text
    assert "a post that should be gone is still public" in page and job.key in page

    fake.failures = []  # the network takes the post down at last
    await run_deletions(db, now)
    db.refresh(job)
    jobs = [job]
    assert {j.state for j in jobs} == {JobState.DONE}
    assert networks["bluesky"].posts == {} and networks["mastodon"].posts == {}
    assert "a post that should be gone is still public" not in client.get("/admin/jobs").text


async def test_a_post_that_landed_while_its_complaint_was_hidden_comes_down(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    complaint = opted_in(db)
    bluesky_row, _ = sorted(schedule.scan(session=db, now=day(7)), key=lambda b: b.network)
    networks["bluesky"].lost_answers = 1
    await run_due(db, day(7))
    moderate(db, complaint, Visibility.HIDDEN)  # its post is still "queued" here
    await run_due(db, day(8))
    await run_deletions(db, utcnow())
    db.refresh(bluesky_row)
    assert bluesky_row.status == BroadcastStatus.DELETED
    assert networks["bluesky"].posts == {} and len(networks["bluesky"].deleted) == 1


async def test_after_hide_and_restore_the_next_post_starts_a_new_thread(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    complaint = opted_in(db)
    schedule.scan(session=db, now=day(7))
    await run_due(db, day(7))
    moderate(db, complaint, Visibility.HIDDEN)
    await run_deletions(db, utcnow())
    moderate(db, complaint, Visibility.PUBLIC)
    schedule.scan(session=db, now=day(14))
    await run_due(db, day(14))
    for fake in networks.values():
        ((post, _),) = fake.posts.values()  # the first post is gone; only the new one is up
        assert post.reply_to is None


async def test_a_company_rename_reposts_its_live_posts_with_the_new_name(
    db: Session, networks: dict[str, FakeAdapter]
) -> None:
    complaint = opted_in(db, company_name="Tidewater Cable")
    schedule.scan(session=db, now=day(7))
    await run_due(db, day(7))
    company = db.get(Company, complaint.company_id)
    owner = make_rep(db, company, role=Role.OWNER)
    values = {field: str(getattr(company, field) or "") for field in profiles.FIELDS}
    profiles.update(
        session=db,
        company=company,
        actor=db.get(User, owner.user_id),
        values={**values, "name": "Tidewater Broadband"},
        resolve_handle=lambda handle: None,
    )
    (job,) = db.exec(
        select(Job).where(Job.kind == refresh.KIND, Job.key.contains(":bluesky:"))
    ).all()
    outcome = await refresh.refresh_job(job, lambda: nullcontext(db), now=day(8))
    assert outcome.ok
    ((_, rendered),) = networks["bluesky"].posts.values()
    assert "Tidewater Broadband" in rendered.text and "Tidewater Cable" not in rendered.text
    (row,) = db.exec(select(Broadcast).where(Broadcast.network == "bluesky")).all()
    assert row.text == rendered.text  # /broadcasts shows what is live


async def test_an_outage_does_not_use_up_the_posting_budget(
    db: Session, networks: dict[str, FakeAdapter], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "broadcast_pause_seconds", 1.0)  # probe every 11 s
    monkeypatch.setattr(get_settings(), "broadcast_pause_max_seconds", 1.0)
    opted_in(db)
    bluesky_row, _ = sorted(schedule.scan(session=db, now=day(7)), key=lambda b: b.network)
    networks["bluesky"].failures = [TemporaryError("timed out")] * 30  # more than the bucket
    now = day(7)
    for _ in range(30):  # thirty probes within a few minutes
        await run_due(db, now)
        now += timedelta(seconds=11)
    networks["bluesky"].failures = []
    await run_due(db, now + timedelta(seconds=30))
    db.refresh(bluesky_row)
    assert bluesky_row.status == BroadcastStatus.POSTED  # the budget was still there


async def test_admins_see_a_paused_network_on_the_jobs_page_until_it_answers(
    db: Session, networks: dict[str, FakeAdapter], client
) -> None:
    opted_in(db)
    schedule.scan(session=db, now=day(7))
    networks["bluesky"].failures = [TemporaryError("Bluesky answered 503: upstream down")]
    await run_due(db, day(7))
    login(client, make_user(db, is_admin=True))
    page = client.get("/admin/jobs").text
    assert 'id="paused-bluesky"' in page and "upstream down" in page
    assert 'id="paused-mastodon"' not in page  # the other network posted
    await run_due(db, day(8))  # the probe gets through
    page = client.get("/admin/jobs").text
    assert 'id="paused-bluesky"' not in page and "Every network is taking posts." in page
