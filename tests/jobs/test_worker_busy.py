"""The worker records what it did even when SQLite's write lock is busy at that moment: a webhook
that was delivered is recorded as delivered, and is never sent again."""

import logging
import sqlite3
import tempfile
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel, select

from app.db import make_engine
from app.events import ComplaintCreated
from app.integrations import delivery, webhooks
from app.jobs.worker import drain
from app.models.company import Company
from app.models.job import Job, JobAttempt, JobState
from app.models.membership import Role
from app.models.user import User
from tests.support.environment import TEST_DATABASE_URL
from tests.support.factories import make_complaint, make_rep
from tests.support.http_receiver import serve

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("sqlite"),
    reason="the database-wide write lock is SQLite's; PostgreSQL locks rows",
)


async def test_a_delivered_webhook_is_recorded_once_the_lock_frees_and_not_sent_again(
    monkeypatch, caplog
):
    path = Path(tempfile.mkdtemp(prefix="outcry-busy-")) / "busy.db"
    # A short busy timeout: the lock below outlasts it many times over.
    engine = make_engine(f"sqlite:///{path}", busy_timeout=0.1)
    SQLModel.metadata.create_all(engine)
    with serve() as receiver, Session(engine, expire_on_commit=False) as session:
        first = make_complaint(session, company_name="Acme Telecom")
        company = session.get(Company, first.company_id)
        owner = make_rep(session, company, role=Role.OWNER, public_name="Dana Ortiz")
        webhooks.create(
            session=session,
            company=company,
            owner=session.get(User, owner.user_id),
            url=receiver.url("/hooks"),
            events=[ComplaintCreated.name],
        )
        session.commit()
        make_complaint(session, company_name=company.name, title="The lock is busy")
        session.commit()

        real_post = delivery._post
        locker = sqlite3.connect(path, check_same_thread=False, isolation_level=None)

        async def post_then_lock(*args, **kwargs):
            response = await real_post(*args, **kwargs)
            # Delivered; now someone else writes for a second and a half.
            locker.execute("BEGIN IMMEDIATE")
            threading.Timer(1.5, locker.execute, ["COMMIT"]).start()
            return response

        monkeypatch.setattr(delivery, "_post", post_then_lock)
        with caplog.at_level(logging.WARNING, logger="app.db"):
            assert await drain(engine=engine, kinds=[webhooks.KIND]) == 1
        assert "the database is busy" in caplog.text  # the lock was really in the way

        [job] = session.exec(select(Job).where(Job.kind == webhooks.KIND)).all()
        session.refresh(job)
        assert job.state is JobState.DONE and job.lease_until is None
        attempts = session.exec(select(JobAttempt).where(JobAttempt.job_id == job.id)).all()
        assert [a.ok for a in attempts] == [True]
        session.commit()  # our reads took the write lock too (a session's default)

        assert await drain(engine=engine, kinds=[webhooks.KIND]) == 0
        assert len(receiver.requests) == 1
        assert receiver.requests[0].json()["data"]["complaint"]["title"] == "The lock is busy"
    locker.close()
    engine.dispose()
