"""The admins hear of the broadcaster's trouble by mail, through a real SMTP server: once when a
network goes down and once when it is back (not per attempt), once when a post gives up, once
when a deletion is stuck past the threshold and once when it is done."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.broadcast import delivery
from app.broadcast.base import PermanentError, TemporaryError
from app.clock import utcnow
from app.config import get_settings
from app.jobs.queue import claim, finish
from app.jobs.worker import drain
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.complaint import Complaint, Visibility
from app.moderation.service import set_visibility
from tests.support.broadcast import Worker, backlog
from tests.support.factories import make_user
from tests.support.smtp_server import SmtpServer

# Every test here queues for a fake Bluesky (each worker brings its own adapter).
pytestmark = pytest.mark.usefixtures("fake_bluesky")


def admins(engine: Engine) -> tuple[str, str]:
    with Session(engine) as session:
        one = make_user(session, email="admin-one@example.com", is_admin=True)
        two = make_user(session, email="admin-two@example.com", is_admin=True)
        make_user(session, email="reader@example.com")  # not an admin: hears nothing
        session.commit()
        return one.email, two.email


async def mail_sent(engine: Engine, smtp: SmtpServer) -> list[tuple[str, str]]:
    await drain(engine=engine, kinds=["mail"])
    return sorted((m.rcpt_tos[0], str(m.message["Subject"])) for m in smtp.received)


def subjects(sent: list[tuple[str, str]], to: str) -> list[str]:
    return [subject for rcpt, subject in sent if rcpt == to]


async def test_an_outage_mails_the_admins_once_down_and_once_back(
    live_engine: Engine, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "broadcast_posts_per_hour", {})
    one, two = admins(live_engine)
    t0 = utcnow()
    backlog(live_engine, 2, t0)
    worker = Worker(live_engine, "worker")
    worker.fake.failures = [TemporaryError("timed out")] * 6
    now = t0
    while now < t0 + timedelta(hours=3):  # half a dozen failures, an hour or so
        await worker.run_due(now)
        now += timedelta(minutes=10)
    assert len(worker.fake.posts) == 2  # back, and everything went out
    sent = await mail_sent(live_engine, smtp_server)
    for admin in (one, two):
        down, up = sorted(subjects(sent, admin), key=lambda s: "again" in s)
        assert down.startswith("Outcry: Bluesky is not taking posts (since ")
        assert up == "Outcry: Bluesky is taking posts again"
    assert len(sent) == 4 and not subjects(sent, "reader@example.com")
    (message,) = [
        m
        for m in smtp_server.received
        if m.rcpt_tos == [one] and "since" in str(m.message["Subject"])
    ]
    body = message.message.get_content()
    assert "TemporaryError: timed out" in body and "http://testserver/admin/jobs" in body

    worker.fake.failures = [TemporaryError("down again")] * 3  # a second incident ...
    backlog(live_engine, 1, now)
    while now < t0 + timedelta(hours=6):
        await worker.run_due(now)
        now += timedelta(minutes=10)
    sent = await mail_sent(live_engine, smtp_server)
    assert len(subjects(sent, one)) == 4  # ... is mailed about once more, down and back


async def run_deletions(worker: Worker, now: datetime) -> None:
    saved = delivery._cache
    delivery._cache = {"bluesky": worker.fake}
    try:
        with worker.open() as session:
            while job := claim(session=session, kinds=[delivery.DELETE_KIND], now=now):
                session.commit()
                outcome = await delivery.delete_job(job, worker.open, now=now)
                finish(session=session, job=job, outcome=outcome, started_at=now, now=now)
                session.commit()
    finally:
        delivery._cache = saved


async def test_a_stuck_deletion_and_a_post_given_up_are_mailed_once_each(
    live_engine: Engine, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "broadcast_posts_per_hour", {})
    one, _ = admins(live_engine)
    t0 = utcnow()
    backlog(live_engine, 2, t0)
    worker = Worker(live_engine, "worker")
    await worker.run_due(t0, limit=1)
    with Session(live_engine) as session:
        (posted,) = session.exec(
            select(Broadcast).where(Broadcast.status == BroadcastStatus.POSTED)
        ).all()
        set_visibility(
            session=session,
            complaint=session.get(Complaint, posted.complaint_id),
            visibility=Visibility.HIDDEN,
            reason="Personal data",
            actor=None,
        )
        session.commit()
    worker.fake.failures = [PermanentError("refused")] * 6  # the network refuses, for hours
    now = utcnow()
    for _ in range(6):
        await run_deletions(worker, now)
        now += timedelta(hours=7)  # beyond any backoff, and past the hour's threshold
    stuck = [s for s in subjects(await mail_sent(live_engine, smtp_server), one) if "gone" in s]
    assert stuck == ["Outcry: a post that should be gone is still on Bluesky"]
    await run_deletions(worker, now)  # it goes through at last
    assert worker.fake.posts == {} and len(worker.fake.deleted) == 1

    worker.fake.failures = [PermanentError("422: text rejected")]
    await worker.run_due(now)  # the other complaint's post is refused: it gives up
    sent = subjects(await mail_sent(live_engine, smtp_server), one)
    assert sorted(sent) == [
        "Outcry: a post that should be gone is still on Bluesky",
        "Outcry: a post to Bluesky gave up",
        "Outcry: the stuck deletion on Bluesky is done",
    ]
