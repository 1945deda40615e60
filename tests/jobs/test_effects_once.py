"""A mail that went out is recorded as sent even when SQLite's write lock is busy right after
(another process writing for longer than the busy timeout), and is never sent again: a lost
record would have sent it a second time on the job's retry."""

import logging
import sqlite3
import threading

import aiosmtplib
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.db import make_engine
from app.jobs.worker import drain
from app.models.company import Company
from app.models.job import Job, JobAttempt, JobState
from app.models.mail import MailOutbound
from tests.support.environment import TEST_DATABASE_URL
from tests.support.factories import make_complaint, make_user
from tests.support.mailchannel_helpers import Channel, channel
from tests.support.smtp_server import SmtpServer, live_engine, smtp_server

__all__ = ["channel", "live_engine", "smtp_server"]

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("sqlite"),
    reason="the database-wide write lock is SQLite's; PostgreSQL locks rows",
)


async def test_a_sent_message_is_recorded_once_the_lock_frees_and_not_sent_again(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel, monkeypatch, caplog
) -> None:
    with Session(live_engine, expire_on_commit=False) as session:
        author = make_user(session)
        first = make_complaint(session, author, company_name="Acme Widgets")
        company = session.get(Company, first.company_id)
        company.contact_email = "support@acme.test"
        session.add(company)
        session.commit()
        make_complaint(session, author, company_name="Acme Widgets", title="The lock is busy")
        session.commit()
    # The worker's engine with a short busy timeout: the lock below outlasts it many times.
    engine = make_engine(TEST_DATABASE_URL, busy_timeout=0.1)
    path = TEST_DATABASE_URL.removeprefix("sqlite:///")
    locker = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    real_send = aiosmtplib.send
    locked: list[bool] = []

    async def send_then_lock(*args, **kwargs):
        answer = await real_send(*args, **kwargs)
        if not locked:  # sent; now another process writes for a second and a half
            locker.execute("BEGIN IMMEDIATE")
            threading.Timer(1.5, locker.execute, ["COMMIT"]).start()
            locked.append(True)
        return answer

    monkeypatch.setattr(aiosmtplib, "send", send_then_lock)
    with caplog.at_level(logging.WARNING, logger="app.db"):
        await drain(engine=engine, kinds=["mailchannel.send"])
    assert locked and "the database is busy" in caplog.text  # the lock was really in the way

    sent = len(smtp_server.received)
    with Session(live_engine) as session:
        jobs = session.exec(select(Job).where(Job.kind == "mailchannel.send")).all()
        assert sent == len(jobs) >= 1
        assert all(job.state is JobState.DONE for job in jobs)
        attempts = session.exec(select(JobAttempt.ok)).all()
        assert attempts == [True] * len(jobs)  # no failed try that a retry would resend
        outbound = session.exec(select(MailOutbound)).all()
        assert outbound and all(message.sent_at is not None for message in outbound)
    assert await drain(engine=engine, kinds=["mailchannel.send"]) == 0
    assert len(smtp_server.received) == sent
    locker.close()
    engine.dispose()
