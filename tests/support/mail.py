"""The mail the app queued (as jobs of kind "mail"), for tests to read as its recipients would."""

from sqlmodel import Session, col, select

from app.models.job import Job


def queued_mails(db: Session, to: str | None = None, *, keys: bool = False) -> list[dict]:
    """Every queued mail's payload in order, only those to ``to`` if given; ``keys`` adds each
    job's idempotency key as ``"key"``."""
    jobs = db.exec(select(Job).where(Job.kind == "mail").order_by(col(Job.id))).all()
    return [
        job.payload | {"key": job.key} if keys else job.payload
        for job in jobs
        if to is None or job.payload["to"] == to
    ]
