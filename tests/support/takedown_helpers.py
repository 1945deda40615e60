"""Shared helpers of the takedown tests: a notice filed through the service, and the mail."""

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from app.models.complaint import Complaint
from app.models.job import Job
from app.models.takedown import Inaccuracy, TakedownEvent, TakedownNotice
from app.takedown import notices

# Monday 23 November 2026, 10:00 GMT (= UTC).
T0 = datetime(2026, 11, 23, 10, tzinfo=UTC)

NOTICE = {
    "complainant_name": "Northwind Telecom Ltd",
    "complainant_email": "legal@northwind.example",
    "statement": "Northwind steals from its customers on purpose.",
    "statement_url": "http://testserver/complaints/1",
    "meaning": "That Northwind commits theft deliberately.",
    "inaccuracy": Inaccuracy.FACT,
    "why_wrong": "The double charge was a billing error, refunded on 2 March.",
    "why_defamatory": "It accuses us of a crime and drives customers away.",
    "consent_to_poster": False,
    "confirm": True,
}


def file_notice(
    db: Session, complaint: Complaint, *, now: datetime = T0, **overrides: Any
) -> tuple[TakedownNotice, str]:
    data = notices.NoticeIn(**{**NOTICE, **overrides})
    return notices.submit(session=db, complaint=complaint, data=data, now=now)


def takedown_mails(db: Session, to: str | None = None) -> list[dict]:
    jobs = db.exec(
        select(Job)
        .where(Job.kind == "mail", col(Job.key).startswith("mail:takedown:"))
        .order_by(col(Job.id))
    ).all()
    return [job.payload for job in jobs if to is None or job.payload["to"] == to]


def kinds(db: Session, notice: TakedownNotice) -> list[str]:
    return [e.kind for e in notices.events(session=db, notice=notice)]


def event_times(db: Session, notice: TakedownNotice) -> dict[str, datetime]:
    rows = db.exec(select(TakedownEvent).where(TakedownEvent.notice_id == notice.id)).all()
    return {e.kind: e.at.replace(tzinfo=UTC) if e.at.tzinfo is None else e.at for e in rows}
