"""The PDS's own rate limits switched on (tests/pds/launch.mjs with OUTCRY_PDS_RATE_LIMITS=1:
5,000 write points an hour per account, as bsky.social counts them, kept in Redis).

Another app using the broadcaster's account has spent its hour. The broadcaster's post meets a
real 429: the network is paused until the window's ``RateLimit-Reset``, no attempt is spent and
the other posts wait without asking. When the window ends every post lands exactly once.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
import redis
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.broadcast import delivery, schedule
from app.clock import as_utc, utcnow
from app.config import get_settings
from app.jobs.worker import drain
from app.models.broadcast import Broadcast, BroadcastNetwork, BroadcastStatus
from app.models.job import Job, JobAttempt, JobState
from tests.support.broadcast import all_posts
from tests.support.factories import make_complaint
from tests.support.pds_fixture import REDIS_ADDRESS, Pds


@pytest_asyncio.fixture(loop_scope="function")
async def limited_broadcaster(
    rate_limited_pds: Pds, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Pds]:
    pds = rate_limited_pds
    monkeypatch.setenv("OUTCRY_BLUESKY_SERVICE_URL", pds.url)
    monkeypatch.setenv("OUTCRY_BLUESKY_HANDLE", pds.broadcaster.handle)
    monkeypatch.setenv("OUTCRY_BLUESKY_APP_PASSWORD", pds.broadcaster.app_password)
    monkeypatch.setenv("OUTCRY_BROADCAST_WEBHOOK_URLS", "[]")
    monkeypatch.setenv("OUTCRY_BROADCAST_POSTS_PER_HOUR", "{}")  # the network's limit, not ours
    monkeypatch.delenv("OUTCRY_MASTODON_BASE_URL", raising=False)
    monkeypatch.delenv("OUTCRY_BLUESKY_SESSION_FILE", raising=False)
    get_settings.cache_clear()
    monkeypatch.setattr(delivery, "_cache", None)
    run, record_key = uuid.uuid4().hex[:8], schedule.record_key
    monkeypatch.setattr(schedule, "record_key", lambda *key: f"{record_key(*key)}:{run}")
    try:
        yield pds
    finally:
        for adapter in (delivery._cache or {}).values():
            await adapter.aclose()
        get_settings.cache_clear()
        end_the_window(pds)  # the next test starts with its hour unspent


def spend_the_hour(pds: Pds) -> datetime:
    """Another app on the same account writes until the PDS answers 429; returns the window's
    end as the PDS announced it (RateLimit-Reset, epoch seconds)."""
    login = httpx.post(
        f"{pds.url}/xrpc/com.atproto.server.createSession",
        json={"identifier": pds.broadcaster.handle, "password": pds.broadcaster.password},
    ).json()
    headers = {"Authorization": f"Bearer {login['accessJwt']}"}
    writes = [
        {
            "$type": "com.atproto.repo.applyWrites#create",
            "collection": "com.example.filler",
            "value": {"$type": "com.example.filler", "n": n},
        }
        for n in range(200)  # 600 points a call
    ]
    for _ in range(12):
        response = httpx.post(
            f"{pds.url}/xrpc/com.atproto.repo.applyWrites",
            json={"repo": pds.broadcaster.did, "validate": False, "writes": writes},
            headers=headers,
            timeout=60,
        )
        if response.status_code == 429:
            return datetime.fromtimestamp(int(response.headers["RateLimit-Reset"]), UTC)
        response.raise_for_status()
    raise AssertionError("the PDS never answered 429: are its rate limits on?")


def end_the_window(pds: Pds) -> None:
    """What an hour's wait does: the PDS forgets the account's spent points."""
    host, port = REDIS_ADDRESS.rsplit(":", 1)
    store = redis.Redis(host=host, port=int(port))
    for key in store.scan_iter(match=f"*{pds.broadcaster.did}*"):
        store.delete(key)


async def test_a_429_from_the_pds_is_waited_out_and_every_post_lands_once(
    live_engine: Engine, limited_broadcaster: Pds
) -> None:
    pds = limited_broadcaster
    tag = uuid.uuid4().hex[:8]
    t0 = utcnow() - timedelta(days=30)
    with Session(live_engine) as session:
        for n in range(3):
            make_complaint(session, now=t0, broadcast_opt_in=True, title=f"Limited {n} {tag}")
        session.commit()
        schedule.scan(session=session, now=t0 + timedelta(days=7))
        session.commit()
    window_ends = spend_the_hour(pds)
    assert window_ends > datetime.now(UTC) + timedelta(minutes=30)

    await drain(engine=live_engine, kinds=[delivery.KIND])
    with Session(live_engine) as session:
        jobs = session.exec(select(Job).where(Job.kind == delivery.KIND)).all()
        assert {job.state for job in jobs} == {JobState.PENDING}
        assert all(job.attempts == 0 for job in jobs)  # waiting is not failing
        # The network said when: paused until then (within a second of its own clock) ...
        breaker = session.get(BroadcastNetwork, "bluesky")
        assert abs((as_utc(breaker.open_until) - window_ends).total_seconds()) <= 2
        assert all(as_utc(job.run_after) >= window_ends - timedelta(seconds=2) for job in jobs)
        details = session.exec(select(JobAttempt.detail)).all()
    # ... after one 429; the other posts waited without asking.
    assert sum("RateLimited" in d for d in details) == 1
    assert sum("bluesky is paused" in d for d in details) == 2
    assert not [r for r in all_posts(pds) if tag in r["value"]["text"]]

    end_the_window(pds)  # an hour later (the PDS's count and our clock, moved on together)
    with Session(live_engine) as session:
        past = utcnow() - timedelta(seconds=1)
        session.execute(update(BroadcastNetwork).values(open_until=past))
        session.execute(update(Job).where(col(Job.kind) == delivery.KIND).values(run_after=past))
        session.commit()
    await drain(engine=live_engine, kinds=[delivery.KIND])

    records = [r for r in all_posts(pds) if tag in r["value"]["text"]]
    assert sorted(r["value"]["text"].split("“")[1].split("”")[0] for r in records) == [
        f"Limited {n} {tag}" for n in range(3)
    ]  # each exactly once
    with Session(live_engine) as session:
        rows = session.exec(select(Broadcast)).all()
        assert {row.status for row in rows} == {BroadcastStatus.POSTED}
        assert {row.remote_id for row in rows} == {r["uri"] for r in records}
        jobs = session.exec(select(Job).where(Job.kind == delivery.KIND)).all()
        assert {job.state for job in jobs} == {JobState.DONE}
        assert max(job.attempts for job in jobs) == 1
