"""The outbox core: enqueue, claim and lease, finish with backoff, dead letters, the worker."""

import asyncio
import itertools
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from app.clock import utcnow
from app.db import make_engine
from app.jobs import queue, worker
from app.jobs.queue import Outcome, backoff, claim, enqueue, finish, retry_dead
from app.jobs.worker import HANDLERS, Context, drain, run_forever, run_once
from app.models.job import Job, JobAttempt, JobState

KIND = "test.count"


def test_enqueue_with_a_used_key_returns_the_first_job(db: Session) -> None:
    first = enqueue(session=db, kind=KIND, key="k:1", payload={"n": 1})
    again = enqueue(session=db, kind=KIND, key="k:1", payload={"n": 2})
    assert again.id == first.id
    assert again.payload == {"n": 1}
    assert len(db.exec(select(Job).where(Job.key == "k:1")).all()) == 1


def test_a_claimed_job_is_leased_until_its_lease_runs_out(db: Session) -> None:
    now = utcnow()
    job = enqueue(session=db, kind=KIND, key="lease", payload={}, run_after=now)
    taken = claim(session=db, kinds=[KIND], lease_seconds=120, now=now)
    assert taken is not None and taken.id == job.id
    assert (taken.state, taken.attempts) == (JobState.RUNNING, 1)
    assert taken.lease_until == now + timedelta(seconds=120)

    # A second worker finds nothing while the first one holds the lease...
    assert claim(session=db, kinds=[KIND], now=now + timedelta(seconds=119)) is None
    # ...and takes the job over once the lease ran out (the first worker died).
    again = claim(session=db, kinds=[KIND], now=now + timedelta(seconds=121))
    assert again is not None and again.id == job.id and again.attempts == 2


def test_claim_takes_only_due_jobs_of_the_asked_kinds(db: Session) -> None:
    now = utcnow()
    enqueue(session=db, kind=KIND, key="later", payload={}, run_after=now + timedelta(hours=1))
    enqueue(session=db, kind="test.other", key="other", payload={}, run_after=now)
    assert claim(session=db, kinds=[KIND], now=now) is None
    due = claim(session=db, kinds=[KIND], now=now + timedelta(hours=1))
    assert due is not None and due.key == "later"


def test_backoff_doubles_up_to_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue.random, "uniform", lambda _low, high: high)  # the jitter's ceiling
    ceilings = [backoff(n) for n in range(1, 14)]
    assert ceilings[:5] == [30, 60, 120, 240, 480]
    assert ceilings[-3:] == [6 * 3600] * 3
    assert all(a <= b for a, b in itertools.pairwise(ceilings))


def test_backoff_is_jittered_below_its_ceiling() -> None:
    samples = [backoff(4) for _ in range(200)]
    assert all(0 <= s <= 240 for s in samples)
    assert len({round(s, 3) for s in samples}) > 100  # spread out, so retries do not stampede


def _claimed(db: Session, **job_fields) -> Job:
    job = enqueue(session=db, kind=KIND, key=f"f:{utcnow().timestamp()}", payload={})
    for name, value in job_fields.items():
        setattr(job, name, value)
    db.add(job)
    db.flush()
    taken = claim(session=db, kinds=[KIND])
    assert taken is not None
    return taken


def test_a_failure_is_recorded_and_retried_later(db: Session) -> None:
    job = _claimed(db)
    now = utcnow()
    finish(session=db, job=job, outcome=Outcome(ok=False, detail="boom"), started_at=now, now=now)
    assert job.state == JobState.PENDING and job.last_error == "boom"
    assert now <= job.run_after <= now + timedelta(seconds=30)
    (attempt,) = db.exec(select(JobAttempt).where(JobAttempt.job_id == job.id)).all()
    assert (attempt.ok, attempt.detail) == (False, "boom")


def test_retry_after_from_the_remote_is_honoured(db: Session) -> None:
    job = _claimed(db)
    now = utcnow()
    finish(
        session=db,
        job=job,
        outcome=Outcome(ok=False, detail="429", retry_after=3600),
        started_at=now,
        now=now,
    )
    assert job.run_after >= now + timedelta(seconds=3600)


def test_a_job_goes_dead_after_max_attempts_and_can_be_retried(db: Session) -> None:
    job = _claimed(db, max_attempts=1)
    finish(session=db, job=job, outcome=Outcome(ok=False, detail="down"), started_at=utcnow())
    assert job.state == JobState.DEAD and job.finished_at is not None
    assert claim(session=db, kinds=[KIND], now=utcnow() + timedelta(days=1)) is None

    retry_dead(session=db, job=job)
    assert (job.state, job.attempts, job.finished_at) == (JobState.PENDING, 0, None)
    assert claim(session=db, kinds=[KIND]) is not None


def test_a_permanent_failure_goes_dead_at_once(db: Session) -> None:
    job = _claimed(db)
    finish(
        session=db,
        job=job,
        outcome=Outcome(ok=False, detail="422", permanent=True),
        started_at=utcnow(),
    )
    assert job.state == JobState.DEAD and job.attempts == 1 < job.max_attempts


def test_only_dead_jobs_can_be_retried_by_hand(db: Session) -> None:
    job = enqueue(session=db, kind=KIND, key="alive", payload={})
    with pytest.raises(ValueError, match="only dead jobs"):
        retry_dead(session=db, job=job)


# The worker, on committed data ---------------------------------------------------------------


@pytest.fixture
def counting_handler(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """A handler that records (job id, worker thread) and takes a little time, like real I/O."""
    runs: list[tuple[int, str]] = []
    lock = threading.Lock()

    async def count(job: Job, _ctx: Context) -> Outcome:
        with lock:
            runs.append((job.id, threading.current_thread().name))
        await asyncio.sleep(0.003)
        if job.payload.get("fail"):
            raise RuntimeError("handler bug")
        return Outcome(ok=True, detail="counted")

    monkeypatch.setitem(HANDLERS, KIND, count)
    return runs


def _queue_jobs(engine: Engine, n: int, **payload) -> list[int]:
    with Session(engine) as session:
        jobs = [
            enqueue(session=session, kind=KIND, key=f"job:{i}", payload=payload) for i in range(n)
        ]
        session.commit()
        return [job.id for job in jobs]


async def test_the_worker_runs_a_job_once_and_records_it(
    live_engine: Engine,
    counting_handler: list,
) -> None:
    (job_id,) = _queue_jobs(live_engine, 1)
    assert await drain(engine=live_engine, kinds=[KIND]) == 1
    assert await drain(engine=live_engine, kinds=[KIND]) == 0
    assert [run[0] for run in counting_handler] == [job_id]
    with Session(live_engine) as session:
        job = session.get(Job, job_id)
        assert (job.state, job.attempts) == (JobState.DONE, 1)
        attempts = session.exec(select(JobAttempt).where(JobAttempt.job_id == job_id)).all()
        assert [(a.ok, a.detail) for a in attempts] == [(True, "counted")]


async def test_a_crashing_handler_is_recorded_not_fatal(
    live_engine: Engine,
    counting_handler: list,
) -> None:
    (job_id,) = _queue_jobs(live_engine, 1, fail=True)
    job = await run_once(engine=live_engine, kinds=[KIND])
    assert job is not None and job.id == job_id and job.state == JobState.PENDING
    assert job.last_error == "RuntimeError: handler bug"


def _two_workers(engine: Engine, n: int, runs: list[tuple[int, str]]) -> None:
    ids = _queue_jobs(engine, n)
    start = threading.Barrier(2)

    def work() -> None:
        start.wait()
        asyncio.run(drain(engine=engine, kinds=[KIND]))

    threads = [threading.Thread(target=work, name=f"worker-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    per_job = Counter(job_id for job_id, _ in runs)
    assert sorted(per_job) == sorted(ids)  # every job ran...
    assert set(per_job.values()) == {1}  # ...exactly once
    workers = {name for _, name in runs}
    assert workers == {"worker-0", "worker-1"}  # and both workers took their share
    with Session(engine) as session:
        states = session.exec(select(Job.state, Job.attempts).where(col(Job.id).in_(ids))).all()
        assert set(states) == {(JobState.DONE, 1)}
        assert len(session.exec(select(JobAttempt)).all()) == n


def test_two_workers_share_the_queue_on_the_suite_database(
    live_engine: Engine,
    counting_handler: list,
) -> None:
    """PostgreSQL (OUTCRY_TEST_DATABASE_URL): FOR UPDATE SKIP LOCKED. SQLite: the lease UPDATE."""
    _two_workers(live_engine, 40, counting_handler)


def test_two_workers_share_the_queue_on_a_sqlite_file(
    tmp_path: Path, counting_handler: list
) -> None:
    """SQLite as `outcry serve` runs it: no SKIP LOCKED, the conditional UPDATE decides."""
    engine = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    SQLModel.metadata.create_all(engine)
    try:
        _two_workers(engine, 40, counting_handler)
    finally:
        engine.dispose()


async def test_one_worker_runs_several_jobs_at_once(live_engine: Engine, monkeypatch) -> None:
    """A slow receiver holds up one lane, not the queue: three jobs that each wait for the
    other two finish only if they run at the same time."""
    arrived = asyncio.Barrier(3)

    async def together(_job: Job, _ctx: Context) -> Outcome:
        await asyncio.wait_for(arrived.wait(), timeout=10)
        return Outcome(ok=True, detail="met")

    monkeypatch.setitem(HANDLERS, KIND, together)
    monkeypatch.setattr(worker.periodic, "schedule", lambda _engine: None)  # only these jobs
    ids = _queue_jobs(live_engine, 3)
    stop = asyncio.Event()
    running = asyncio.create_task(
        run_forever(engine=live_engine, stop=stop, idle_seconds=0.05, lanes=3)
    )
    try:
        async with asyncio.timeout(20):
            while True:
                with Session(live_engine) as session:
                    done = session.exec(
                        select(Job).where(col(Job.id).in_(ids), Job.state == JobState.DONE)
                    ).all()
                if len(done) == 3:
                    break
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await running
    with Session(live_engine) as session:
        details = session.exec(
            select(JobAttempt.detail).where(col(JobAttempt.job_id).in_(ids))
        ).all()
    assert details == ["met"] * 3  # each ran once, and none timed out waiting for the others
