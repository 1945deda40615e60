"""Mail to the admins when the broadcaster needs a person: a network down, a post given up, a
deletion stuck. Once per incident, never per attempt: each mail's key names the incident, and
the outbox sends a key once. Plain text, no unsubscribe link (an operator's alarm)."""

from datetime import datetime

from sqlmodel import Session, col, select

from app.config import get_settings
from app.models.job import Job
from app.models.user import User
from app.notify.mail import queue_mail

NAMES = {"bluesky": "Bluesky", "mastodon": "Mastodon", "dryrun": "The dry run"}


def _name(network: str) -> str:
    return NAMES.get(network, network)


def _admins(session: Session) -> list[User]:
    return list(
        session.exec(
            select(User)
            .where(col(User.is_admin).is_(True), col(User.suspended_at).is_(None))
            .order_by(col(User.id))
        )
    )


def _mail(session: Session, *, key: str, subject: str, lines: list[str]) -> int:
    jobs = f"{get_settings().base_url.rstrip('/')}/admin/jobs"
    text = "\n\n".join([*lines, f"The broadcaster's jobs: {jobs}"]) + "\n"
    admins = _admins(session)
    for admin in admins:
        queue_mail(
            session=session, key=f"{key}:{admin.id}", to=admin.email, subject=subject, text=text
        )
    return len(admins)


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def incident_key(network: str, since: datetime) -> str:
    return f"{network}:{since:%Y%m%dT%H%M%S%f}"


def network_down(*, session: Session, network: str, since: datetime, cause: str) -> int:
    return _mail(
        session,
        key=f"broadcast-down:{incident_key(network, since)}",
        subject=f"Outcry: {_name(network)} is not taking posts (since {_stamp(since)})",
        lines=[
            f"{_name(network)} has been failing since {_stamp(since)}: {cause or 'no answer'}.",
            "Its posts and deletions are paused, not lost: they go out on their own once it "
            "answers again, and you will get one mail when it does.",
        ],
    )


def network_up(*, session: Session, network: str, since: datetime, now: datetime) -> int:
    minutes = max(0, round((now - since).total_seconds() / 60))
    return _mail(
        session,
        key=f"broadcast-up:{incident_key(network, since)}",
        subject=f"Outcry: {_name(network)} is taking posts again",
        lines=[
            f"{_name(network)} answers again ({_stamp(now)}), after {minutes} minutes down "
            f"since {_stamp(since)}. The paused posts and deletions are going out now."
        ],
    )


def post_gave_up(*, session: Session, network: str, job_key: str, detail: str) -> int:
    return _mail(
        session,
        key=f"broadcast-gave-up:{job_key}",
        subject=f"Outcry: a post to {_name(network)} gave up",
        lines=[
            f"The post {job_key} to {_name(network)} will not be tried again: {detail}",
            "It is listed on /admin/jobs, where it can be retried.",
        ],
    )


def deletion_stuck(*, session: Session, network: str, job_key: str, since: datetime) -> int:
    return _mail(
        session,
        key=f"broadcast-stuck:{job_key}",
        subject=f"Outcry: a post that should be gone is still on {_name(network)}",
        lines=[
            f"The deletion {job_key} has been waiting since {_stamp(since)}: the post of a "
            f"hidden or removed complaint is still public on {_name(network)}.",
            "It keeps trying; you will get one mail when it is done.",
        ],
    )


def was_stuck(*, session: Session, job_key: str) -> bool:
    """Whether the admins were told this deletion was stuck (so they hear when it is done)."""
    prefix = f"mail:broadcast-stuck:{job_key}:"
    found = session.exec(
        select(Job.id).where(col(Job.key).startswith(prefix, autoescape=True)).limit(1)
    )
    return found.first() is not None


def deletion_done(*, session: Session, network: str, job_key: str) -> int:
    return _mail(
        session,
        key=f"broadcast-unstuck:{job_key}",
        subject=f"Outcry: the stuck deletion on {_name(network)} is done",
        lines=[f"The deletion {job_key} went through: the post is gone from {_name(network)}."],
    )
