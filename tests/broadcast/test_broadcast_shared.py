"""Two worker processes, one network: they spend ONE posting budget and obey ONE circuit breaker.

Each worker here has its own engine (its own connections, as another process would) and its own
adapter objects, against the same committed database (SQLite or PostgreSQL)."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.broadcast import delivery
from app.broadcast.base import Post, RemoteRef, TemporaryError
from app.clock import utcnow
from app.config import get_settings
from app.db import make_engine
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.job import Job, JobState
from tests.support.broadcast import Worker, backlog

# Every test here queues for a fake Bluesky (each worker brings its own adapter).
pytestmark = pytest.mark.usefixtures("fake_bluesky")


@pytest.fixture
def other_engine(live_engine: Engine) -> Iterator[Engine]:
    """The second worker's own engine on the same database."""
    engine = make_engine(str(live_engine.url.render_as_string(hide_password=False)), pool_size=2)
    yield engine
    engine.dispose()


def posted_count(engine: Engine) -> int:
    with Session(engine) as session:
        statuses = session.exec(select(Broadcast.status)).all()
    return sum(status == BroadcastStatus.POSTED for status in statuses)


async def test_two_workers_spend_one_posting_budget(
    live_engine: Engine,
    other_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(get_settings(), "broadcast_posts_per_hour", {"bluesky": 24})
    start = utcnow()
    backlog(live_engine, 40, start)
    first, second = Worker(live_engine, "first"), Worker(other_engine, "second")
    times: list[datetime] = []
    now, turn = start, [first, second]
    while now < start + timedelta(hours=2):
        turn.reverse()  # whoever polls first takes what is due: take turns being first
        for worker in turn:
            before = len(worker.fake.posts)
            await worker.run_due(now)
            times += [now] * (len(worker.fake.posts) - before)
        now += timedelta(minutes=1)
    assert first.fake.posts and second.fake.posts  # both workers posted ...
    assert not set(first.fake.posts) & set(second.fake.posts)  # ... different posts
    # ... and together no more than one budget: milestones get three quarters of 24 an hour,
    # at most three in any ten minutes (one worker each would have posted twice as many).
    for t in times:
        assert sum(t <= u < t + timedelta(hours=1) for u in times) <= 18
        assert sum(t <= u < t + timedelta(minutes=10) for u in times) <= 3
    assert len(times) >= 18  # and the budget was used, not wasted
    assert posted_count(live_engine) == len(times)
    with capsys.disabled():
        first_hour = sum(t < start + timedelta(hours=1) for t in times)
        print(
            f"\ntwo workers, one budget of 24/h: {len(times)} milestones in 2 h "
            f"({len(first.fake.posts)} by one worker, {len(second.fake.posts)} by "
            f"the other), {first_hour} in the first hour"
        )


async def test_two_workers_obey_one_breaker_and_send_one_probe(
    live_engine: Engine, other_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "broadcast_posts_per_hour", {})  # the breaker alone
    t0 = utcnow()
    backlog(live_engine, 3, t0)
    first, second = Worker(live_engine, "first"), Worker(other_engine, "second")
    first.fake.failures = [TemporaryError("timed out")]
    assert await first.run_due(t0, limit=1) == 1  # the network fails the first worker ...
    assert await second.run_due(t0) == 2  # ... so the second holds its two jobs, untried
    assert second.fake.calls == 0

    def all_due(at: datetime) -> None:
        with Session(live_engine) as session:
            session.execute(update(Job).where(col(Job.kind) == delivery.KIND).values(run_after=at))
            session.commit()

    t1 = t0 + timedelta(minutes=5)  # the pause has run: one probe, whichever worker is first
    all_due(t1)
    probe_in_flight: list[int] = []

    async def slow_failure(post: Post) -> RemoteRef:
        first.fake.calls += 1
        # While the first worker's probe waits for an answer, the second has its turn: it must
        # not send a probe of its own.
        probe_in_flight.append(await second.run_due(t1))
        raise TemporaryError("still down")

    first.fake.publish = slow_failure  # type: ignore[method-assign]
    await first.run_due(t1, limit=1)
    assert probe_in_flight == [2] and second.fake.calls == 0
    assert first.fake.calls == 3  # the first try, and the probe: its read-back and its post

    t2 = t1 + timedelta(hours=1)
    all_due(t2)
    await second.run_due(t2)  # the network is back: the second worker's probe closes it
    assert len(second.fake.posts) == 3 and first.fake.posts == {}
    assert posted_count(live_engine) == 3
    with Session(live_engine) as session:
        jobs = session.exec(select(Job).where(Job.kind == delivery.KIND)).all()
        assert {job.state for job in jobs} == {JobState.DONE}
        assert all(job.attempts <= 1 for job in jobs)  # the outage spent no attempt
