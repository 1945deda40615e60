"""Milestones on time: each complaint's next milestone is a job at its exact moment (no hourly
scan), checked on the test's calendar and, for the latency, against a REAL local PDS."""

import asyncio
import time
import uuid
from contextlib import nullcontext
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.broadcast import delivery, schedule
from app.broadcast.fake import FakeAdapter
from app.clock import as_utc, utcnow
from app.jobs.queue import Context, Outcome, claim, finish
from app.jobs.worker import run_once
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.job import Job
from tests.support.broadcast import confirm, day, opted_in, resolve, texts
from tests.support.factories import make_complaint
from tests.support.pds_fixture import Pds


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeAdapter:
    adapter = FakeAdapter("bluesky")
    monkeypatch.setattr(delivery, "_cache", {"bluesky": adapter})
    return adapter


async def run_at(db: Session, now, kinds: list[str]) -> int:
    done = 0
    while job := claim(session=db, kinds=kinds, now=now):
        if job.kind == schedule.MILESTONE_KIND:
            schedule.milestone_due(session=db, payload=job.payload, now=now)
            outcome = None
        else:
            outcome = await delivery.publish_job(job, lambda: nullcontext(db), now=now)
        finish(session=db, job=job, outcome=outcome or Outcome(ok=True), started_at=now, now=now)
        done += 1
    return done


KINDS = [schedule.MILESTONE_KIND, delivery.KIND]


async def test_each_milestone_is_a_job_at_its_exact_time(db: Session, fake: FakeAdapter) -> None:
    complaint = opted_in(db)
    (planned,) = db.exec(select(Job).where(Job.kind == schedule.MILESTONE_KIND)).all()
    assert as_utc(planned.run_after) == day(7)  # the very moment, not the next hourly scan
    assert await run_at(db, day(7) - timedelta(seconds=1), KINDS) == 0
    assert await run_at(db, day(7), KINDS) == 2  # the milestone, then its post
    assert texts(fake) == [texts(fake)[0]] and "after 7 days" in texts(fake)[0]
    nxt = db.exec(select(Job).where(Job.key == f"broadcast-milestone:{complaint.id}:14")).one()
    assert as_utc(nxt.run_after) == day(14)


async def test_a_resolved_complaint_gets_no_more_milestones_but_its_unconfirmed_post(
    db: Session, fake: FakeAdapter
) -> None:
    complaint = opted_in(db)
    await run_at(db, day(7), KINDS)
    resolve(db, complaint, day(10))
    await run_at(db, day(14), KINDS)  # the day-14 milestone finds it resolved: nothing
    assert len(texts(fake)) == 1
    await run_at(db, day(24), KINDS)  # resolution left unconfirmed for 14 days
    assert len(texts(fake)) == 2 and "has not confirmed it" in texts(fake)[1]
    confirm(db, complaint, day(25))
    await run_at(db, day(60), KINDS)
    assert len(texts(fake)) == 3 and "the consumer confirmed" in texts(fake)[2]


async def test_a_milestone_lands_on_the_pds_within_a_second_of_falling_due(
    live_engine: Engine,
    pds: Pds,
    broadcaster: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    due_in = timedelta(seconds=3)
    filed = utcnow() - timedelta(days=7) + due_in  # its 7-day milestone falls due in 3 s
    with Session(live_engine, expire_on_commit=False) as session:
        complaint = make_complaint(
            session, now=filed, broadcast_opt_in=True, title=f"Late {uuid.uuid4().hex[:8]}"
        )
        session.commit()
    deadline = time.monotonic() + 30
    posted = None
    while posted is None and time.monotonic() < deadline:  # the worker, polling as it does
        if await run_once(engine=live_engine, kinds=KINDS) is None:
            await asyncio.sleep(0.1)
        with Session(live_engine) as session:
            posted = session.exec(
                select(Broadcast.posted_at).where(
                    Broadcast.complaint_id == complaint.id,
                    Broadcast.status == BroadcastStatus.POSTED,
                    col(Broadcast.posted_at).is_not(None),
                )
            ).first()
    assert posted is not None
    latency = (as_utc(posted) - (filed + timedelta(days=7))).total_seconds()
    with capsys.disabled():
        print(f"\nmilestone due -> posted on the local PDS: {latency * 1000:.0f} ms")


async def test_after_a_long_pause_a_late_milestone_job_leaves_it_to_the_catch_up(
    db: Session, fake: FakeAdapter
) -> None:
    opted_in(db)
    assert await run_at(db, day(12), KINDS) == 1  # the worker was away for five days
    assert texts(fake) == []
    assert schedule.scan(session=db, now=day(12)) == []  # counted, not posted
    skipped = db.exec(select(Broadcast).where(Broadcast.status == BroadcastStatus.SKIPPED)).one()
    assert skipped.event == "milestone:7"


async def test_the_worker_awaits_a_milestone_job_and_it_reports_done(
    live_engine: Engine, fake: FakeAdapter
) -> None:
    with Session(live_engine, expire_on_commit=False) as session:
        complaint = make_complaint(session, now=utcnow() - timedelta(days=7), broadcast_opt_in=True)
        session.commit()
        (job,) = session.exec(select(Job).where(Job.kind == schedule.MILESTONE_KIND)).all()
    outcome = await schedule.milestone_job(job, Context(engine=live_engine))
    assert outcome.ok and outcome.detail == "queued 1 broadcasts"
    with Session(live_engine) as session:
        posts = session.exec(select(Broadcast).where(Broadcast.complaint_id == complaint.id))
        assert [b.event for b in posts] == ["milestone:7"]
