"""The admins' view of the outbox: counts per kind and state, the dead jobs, and "retry".

Only kind, key, attempts and the last error are ever read out for display: payloads can hold
private links (mail) and results remote details, so they stay out of the page.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from app import audit
from app.clock import utcnow
from app.config import get_settings
from app.errors import Conflict, NotFound
from app.jobs.queue import retry_dead
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.job import Job, JobAttempt, JobState
from app.models.user import User

COUNTED = (JobState.PENDING, JobState.RUNNING, JobState.DEAD)


@dataclass(frozen=True)
class DeadJob:
    id: int
    kind: str
    key: str
    attempts: int
    last_error: str
    last_attempt_at: datetime | None


def counts(*, session: Session) -> dict[str, dict[JobState, int]]:
    """Jobs per kind that are pending, running or dead (done ones are history)."""
    rows = session.exec(
        select(Job.kind, Job.state, func.count())
        .where(col(Job.state).in_(COUNTED))
        .group_by(col(Job.kind), col(Job.state))
    ).all()
    table: dict[str, dict[JobState, int]] = {}
    for kind, state, number in rows:
        table.setdefault(kind, dict.fromkeys(COUNTED, 0))[JobState(state)] = number
    return dict(sorted(table.items()))


def dead(*, session: Session, limit: int = 200) -> list[DeadJob]:
    """The dead jobs, the most recent failure first."""
    last_attempt = (
        select(JobAttempt.job_id, func.max(JobAttempt.finished_at).label("at"))
        .group_by(col(JobAttempt.job_id))
        .subquery()
    )
    # SQLModel's select() is typed for up to four columns; SQLAlchemy's takes these six.
    rows = session.execute(
        sa_select(
            col(Job.id),
            col(Job.kind),
            col(Job.key),
            col(Job.attempts),
            col(Job.last_error),
            last_attempt.c.at,
        )
        .outerjoin(last_attempt, last_attempt.c.job_id == col(Job.id))
        .where(col(Job.state) == JobState.DEAD)
        .order_by(col(Job.finished_at).desc(), col(Job.id).desc())
        .limit(limit)
    ).all()
    return [
        DeadJob(job_id, kind, key, attempts, last_error or "", at)
        for job_id, kind, key, attempts, last_error, at in rows
    ]


@dataclass(frozen=True)
class StuckJob:
    id: int
    kind: str
    key: str
    waiting_since: datetime
    last_error: str


# Jobs that never give up: they alert the admins instead, once they have waited this long.
NEVER_DEAD = ("broadcast.delete",)


def stuck(*, session: Session, now: datetime | None = None, limit: int = 200) -> list[StuckJob]:
    """Deletions of public posts still not done after ``broadcast_alert_after_minutes``: a
    network has been down (or refusing) for that long, and a post that should be gone is up."""
    now = now or utcnow()
    since = now - timedelta(minutes=get_settings().broadcast_alert_after_minutes)
    rows = session.execute(
        sa_select(
            col(Job.id), col(Job.kind), col(Job.key), col(Job.created_at), col(Job.last_error)
        )
        .where(
            col(Job.kind).in_(NEVER_DEAD),
            col(Job.state).in_((JobState.PENDING, JobState.RUNNING)),
            col(Job.created_at) <= since,
        )
        .order_by(col(Job.created_at), col(Job.id))
        .limit(limit)
    ).all()
    return [
        StuckJob(job_id, kind, key, created, last_error or "")
        for job_id, kind, key, created, last_error in rows
    ]


def retry(*, session: Session, admin: User, job_id: int) -> Job:
    """Give a dead job a fresh set of attempts, and record who did it."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("There is no job with that number.")
    if job.state is not JobState.DEAD:
        raise Conflict("Only a job that gave up can be retried; this one is not dead.")
    if job.kind == "broadcast":
        # Its Broadcast row was marked failed when the job died, and the handler only posts
        # queued rows: without this the retry would do nothing (app/broadcast/delivery.py).
        broadcast = session.get(Broadcast, int(job.payload.get("broadcast_id", 0)))
        if broadcast is not None and broadcast.status == BroadcastStatus.FAILED:
            broadcast.status = BroadcastStatus.QUEUED
            session.add(broadcast)
    audit.record(
        session=session,
        actor=admin,
        action="job.retry",
        target_type="job",
        target_id=job_id,
        detail=f"{job.kind} {job.key}",
    )
    return retry_dead(session=session, job=job)
