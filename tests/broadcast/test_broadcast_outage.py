"""A network outage is weather: a REAL local PDS (tests/support/pds_fixture.py) frozen with SIGSTOP for
longer than the old give-up (8 spent attempts), then resumed. Every post and every deletion lands
exactly once, no post of a hidden complaint survives, and another network carries on meanwhile.

Requests sent while the PDS is frozen sit in its socket buffer and are served when it resumes:
late successes, which the retries must read back and adopt instead of posting again.
"""

import asyncio
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from app.broadcast import delivery, schedule
from app.broadcast.bluesky import BlueskyAdapter
from app.broadcast.fake import FakeAdapter
from app.broadcast.sessions import FileSessionStore
from app.clock import utcnow
from app.config import get_settings
from app.jobs.worker import run_once
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.complaint import Complaint, Visibility
from app.models.job import Job, JobAttempt, JobState
from app.moderation.service import set_visibility
from tests.support.broadcast import all_posts
from tests.support.factories import make_complaint
from tests.support.pds_fixture import Pds

KINDS = [delivery.KIND, delivery.DELETE_KIND]
OLD_GIVE_UP = 8  # attempts a broadcast job had before outages stopped spending them


@pytest_asyncio.fixture(loop_scope="function")
async def quick_weather(
    pds: Pds,
    broadcaster: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> AsyncIterator[None]:
    """Seconds instead of minutes: a request times out after 0.5 s, pauses last 0.2 s to 0.4 s.
    The login (slow on purpose: the password hash) is done first with the usual patience and
    kept in a session file, as production keeps it."""
    session_file = tmp_path / "bluesky-session"
    warm = BlueskyAdapter(
        service_url=pds.url,
        handle=pds.broadcaster.handle,
        app_password=pds.broadcaster.app_password,
        sessions=FileSessionStore(str(session_file)),
    )
    await warm._login()
    await warm.aclose()
    monkeypatch.setenv("OUTCRY_BLUESKY_SESSION_FILE", str(session_file))
    monkeypatch.setenv("OUTCRY_BROADCAST_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("OUTCRY_BROADCAST_PAUSE_SECONDS", "0.2")
    monkeypatch.setenv("OUTCRY_BROADCAST_PAUSE_MAX_SECONDS", "0.4")
    get_settings.cache_clear()
    yield


@pytest_asyncio.fixture(loop_scope="function")
async def frozen(pds: Pds) -> AsyncIterator[None]:
    """Resume the PDS whatever happens: other tests share it."""
    try:
        yield
    finally:
        os.kill(pds.pid, signal.SIGCONT)


async def work_for(engine: Engine, seconds: float) -> None:
    """Be the worker for a while, as `outcry worker` would (idle polls of 0.1 s)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if await run_once(engine=engine, kinds=KINDS) is None:
            await asyncio.sleep(0.1)


async def settle(engine: Engine, seconds: float = 60) -> int:
    """Be the worker until every broadcast job is done (or ``seconds`` ran out); jobs left."""
    deadline = time.monotonic() + seconds
    while True:
        await work_for(engine, 0.5)
        with Session(engine) as session:
            left = session.exec(
                select(func.count()).where(
                    col(Job.kind).in_(KINDS), col(Job.state) != JobState.DONE
                )
            ).one()
        if not left or time.monotonic() > deadline:
            return left


def jobs_and_failures(engine: Engine) -> tuple[list[Job], dict[int, int]]:
    """The broadcast jobs, and how many failed attempts each has recorded."""
    with Session(engine, expire_on_commit=False) as session:
        jobs = list(session.exec(select(Job).where(col(Job.kind).in_(KINDS))).all())
        failures = dict(
            session.exec(
                select(JobAttempt.job_id, func.count())
                .where(col(JobAttempt.ok).is_(False))
                .group_by(col(JobAttempt.job_id))
            ).all()
        )
    return jobs, failures


def titled(pds: Pds, title: str) -> list[dict]:
    return [record for record in all_posts(pds) if title in record["value"]["text"]]


async def test_a_frozen_pds_loses_nothing_and_posts_nothing_twice(
    live_engine: Engine,
    pds: Pds,
    broadcaster: None,
    quick_weather: None,
    frozen: None,
) -> None:
    t0 = utcnow() - timedelta(days=30)
    tag = uuid.uuid4().hex[:8]
    hidden, late, moderated = (f"{name} {tag}" for name in ("Hidden", "Late", "Moderated"))
    with Session(live_engine, expire_on_commit=False) as session:
        to_hide = make_complaint(session, now=t0, broadcast_opt_in=True, title=hidden)
        session.commit()
        schedule.scan(session=session, now=t0 + timedelta(days=7))
        session.commit()
    assert await settle(live_engine) == 0
    assert len(titled(pds, hidden)) == 1
    elsewhere = FakeAdapter("elsewhere")  # a second network, up all along
    delivery.adapters()["elsewhere"] = elsewhere

    os.kill(pds.pid, signal.SIGSTOP)
    with Session(live_engine, expire_on_commit=False) as session:
        set_visibility(
            session=session,
            complaint=session.get(Complaint, to_hide.id),
            visibility=Visibility.HIDDEN,
            reason="Personal data",
            actor=None,
        )
        on_time = make_complaint(session, now=t0, broadcast_opt_in=True, title=late)
        to_moderate = make_complaint(session, now=t0, broadcast_opt_in=True, title=moderated)
        session.commit()
        schedule.scan(session=session, now=t0 + timedelta(days=7))
        session.commit()
    await work_for(live_engine, 4)
    with Session(live_engine) as session:  # hidden while its first try hangs in the PDS's buffer
        set_visibility(
            session=session,
            complaint=session.get(Complaint, to_moderate.id),
            visibility=Visibility.HIDDEN,
            reason="Defamatory",
            actor=None,
        )
        session.commit()
    # Stay frozen until every waiting job has failed more often than the old give-up allowed
    # (how long that takes depends on the machine's load; a minute and a half at most).
    deadline = time.monotonic() + 90
    while True:
        await work_for(live_engine, 2)
        jobs, failures = jobs_and_failures(live_engine)
        waiting = [job for job in jobs if job.state != JobState.DONE]
        done = all(failures.get(job.id, 0) > OLD_GIVE_UP for job in waiting)
        if done or time.monotonic() > deadline:
            break

    with Session(live_engine) as session:
        assert not [job.key for job in jobs if job.state == JobState.DEAD]
        # Each waiting job failed more often than the old give-up (8 attempts) allowed ...
        assert waiting and all(failures.get(job.id, 0) > OLD_GIVE_UP for job in waiting)
        # ... and spent no attempt on it.
        assert all(job.attempts <= 1 for job in waiting)
        # The other network carried on meanwhile: posted both, and took one down when hidden.
        other = {
            b.complaint_id: b.status
            for b in session.exec(select(Broadcast).where(Broadcast.network == "elsewhere"))
        }
        assert other == {
            on_time.id: BroadcastStatus.POSTED,
            to_moderate.id: BroadcastStatus.DELETED,
        }
    assert len(elsewhere.posts) == 1 and len(elsewhere.deleted) == 1

    os.kill(pds.pid, signal.SIGCONT)
    assert await settle(live_engine) == 0

    assert titled(pds, hidden) == [] and titled(pds, moderated) == []
    (posted,) = titled(pds, late)
    with Session(live_engine) as session:
        rows = {
            (b.complaint_id, b.network): b
            for b in session.exec(select(Broadcast).where(Broadcast.network == "bluesky"))
        }
        assert rows[(to_hide.id, "bluesky")].status == BroadcastStatus.DELETED
        assert rows[(on_time.id, "bluesky")].status == BroadcastStatus.POSTED
        assert rows[(on_time.id, "bluesky")].remote_id == posted["uri"]
        assert rows[(to_moderate.id, "bluesky")].status in (
            BroadcastStatus.SKIPPED,  # its first try never reached the PDS
            BroadcastStatus.DELETED,  # it did, late: adopted and taken down
        )
