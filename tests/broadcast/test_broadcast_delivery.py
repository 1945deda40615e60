"""Delivering queued broadcasts: crash safety, network errors, deletion, concurrent workers."""

import asyncio
import threading
from contextlib import nullcontext
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.broadcast import delivery, schedule
from app.broadcast.base import PermanentError, Post, RateLimited, RemoteRef, TemporaryError
from app.broadcast.fake import FakeAdapter
from app.clock import utcnow
from app.config import get_settings
from app.jobs.queue import claim, finish
from app.jobs.worker import drain
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.job import Job, JobState
from tests.support.broadcast import T0, day, run_due
from tests.support.factories import make_complaint, make_user


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeAdapter:
    adapter = FakeAdapter("bluesky")
    monkeypatch.setattr(delivery, "_cache", {"bluesky": adapter})
    return adapter


class WorkerDied(BaseException):
    """Not an Exception: like a SIGKILL, nothing in the worker catches it."""


async def test_a_worker_dying_after_posting_does_not_post_twice(
    db: Session, fake: FakeAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_complaint(db, now=T0, broadcast_opt_in=True)
    (broadcast,) = schedule.scan(session=db, now=day(7))
    job = claim(session=db, kinds=[delivery.KIND], now=day(7))

    def die(*_args, **_kwargs) -> None:
        raise WorkerDied

    with monkeypatch.context() as patched:
        patched.setattr(
            delivery, "_record", die
        )  # the network call succeeds, the commit never comes
        with pytest.raises(WorkerDied):
            await delivery.publish_job(job, lambda: nullcontext(db), now=day(7))
    assert fake.calls == 1
    db.refresh(broadcast)
    assert broadcast.status == BroadcastStatus.QUEUED
    assert claim(session=db, kinds=[delivery.KIND], now=day(7) + timedelta(seconds=60)) is None

    later = day(7) + timedelta(minutes=3)  # the lease (120 s) has run out: another worker retries
    retry = claim(session=db, kinds=[delivery.KIND], now=later)
    assert retry is not None and retry.id == job.id and retry.attempts == 2
    outcome = await delivery.publish_job(retry, lambda: nullcontext(db), now=later)
    finish(session=db, job=retry, outcome=outcome, started_at=later, now=later)

    assert fake.calls == 2 and len(fake.posts) == 1  # the network saw the same record key twice
    db.refresh(broadcast)
    assert broadcast.status == BroadcastStatus.POSTED
    assert broadcast.remote_id == f"bluesky:{job.key}"
    assert db.get(Job, job.id).state == JobState.DONE
    assert await run_due(db, later + timedelta(hours=1)) == 0


async def test_a_rate_limit_waits_as_asked_and_a_later_attempt_posts(
    db: Session, fake: FakeAdapter
) -> None:
    make_complaint(db, now=T0, broadcast_opt_in=True)
    (broadcast,) = schedule.scan(session=db, now=day(7))
    fake.failures = [RateLimited(900), TemporaryError("503")]
    job = claim(session=db, kinds=[delivery.KIND], now=day(7))
    outcome = await delivery.publish_job(job, lambda: nullcontext(db), now=day(7))
    finish(session=db, job=job, outcome=outcome, started_at=day(7), now=day(7))
    assert job.state == JobState.PENDING
    assert job.run_after >= day(7) + timedelta(seconds=900)
    assert await run_due(db, day(7) + timedelta(seconds=899)) == 0
    assert await run_due(db, day(8)) == 1  # the 503: retried later
    assert await run_due(db, day(9)) == 1
    db.refresh(broadcast)
    assert broadcast.status == BroadcastStatus.POSTED and len(fake.posts) == 1


async def test_a_refused_post_goes_dead_and_is_marked_failed(
    db: Session, fake: FakeAdapter, client
) -> None:
    make_complaint(db, now=T0, broadcast_opt_in=True, title="A complaint the network refuses")
    (broadcast,) = schedule.scan(session=db, now=day(7))
    fake.failures = [PermanentError("rejected content")]
    await run_due(db, day(7))
    db.refresh(broadcast)
    assert broadcast.status == BroadcastStatus.FAILED
    job = db.exec(select(Job).where(Job.kind == delivery.KIND)).one()
    assert job.state == JobState.DEAD and "rejected content" in (job.last_error or "")
    assert "A complaint the network refuses" not in client.get("/broadcasts").text


async def test_withdraw_posts_deletes_every_post_of_a_complaint(
    db: Session, fake: FakeAdapter
) -> None:
    complaint = make_complaint(db, now=T0, broadcast_opt_in=True)
    other = make_complaint(db, make_user(db), now=T0, broadcast_opt_in=True)
    schedule.scan(session=db, now=day(7))
    schedule.scan(session=db, now=day(14))
    await run_due(db, day(14))
    assert len(fake.posts) == 4

    jobs = delivery.withdraw_posts(session=db, complaint=complaint)
    assert len(jobs) == 2
    assert delivery.withdraw_posts(session=db, complaint=complaint) == jobs  # queued once
    now = utcnow()  # withdrawal is queued for now, not on the test's calendar
    while job := claim(session=db, kinds=[delivery.DELETE_KIND], now=now):
        outcome = await delivery.delete_job(job, lambda: nullcontext(db))
        finish(session=db, job=job, outcome=outcome, started_at=now, now=now)
        assert outcome.ok

    assert [ref.id.split(":")[2] for ref in fake.deleted] == [str(complaint.id)] * 2
    assert {key.split(":")[1] for key in fake.posts} == {str(other.id)}
    statuses = db.exec(select(Broadcast.status).where(Broadcast.complaint_id == complaint.id))
    assert set(statuses) == {BroadcastStatus.DELETED}


def test_two_workers_post_fifty_broadcasts_exactly_once(
    live_engine: Engine, fake: FakeAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    if live_engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED between two workers needs PostgreSQL (OUTCRY_TEST_DATABASE_URL)")
    monkeypatch.setattr(get_settings(), "broadcast_posts_per_hour", {})  # workers, not manners
    with Session(live_engine) as session:
        author = make_user(session)
        for n in range(50):
            make_complaint(
                session,
                author,
                now=utcnow() - timedelta(days=8),
                broadcast_opt_in=True,
                title=f"Broken {n:02}",
            )
        assert len(schedule.scan(session=session)) == 50
        session.commit()

    seen: list[str] = []
    publish = fake.publish

    async def counting(post: Post) -> RemoteRef:
        seen.append(threading.current_thread().name)
        await asyncio.sleep(0.002)  # like real I/O, so the workers interleave
        return await publish(post)

    fake.publish = counting  # type: ignore[method-assign]
    start = threading.Barrier(2)

    def work() -> None:
        start.wait()
        asyncio.run(drain(engine=live_engine, kinds=[delivery.KIND]))

    threads = [threading.Thread(target=work, name=f"worker-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(fake.posts) == 50 and fake.calls == 50  # each posted once, none retried
    assert set(seen) == {"worker-0", "worker-1"}
    with Session(live_engine) as session:
        statuses = session.exec(select(Broadcast.status)).all()
        assert statuses == [BroadcastStatus.POSTED] * 50
        assert set(session.exec(select(Job.state).where(Job.kind == delivery.KIND))) == {
            JobState.DONE
        }
