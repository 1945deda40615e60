"""Reports (notices, DSA art. 16): filing one, the moderators' queue of open reports grouped by
what they are about, and closing the reports a decision answers."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from app.clock import utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.models.complaint import Complaint, Message
from app.models.keys import pk
from app.models.moderation import ActionKind, ModerationAction, Report, ReportReason, ReportStatus
from app.models.user import User
from app.moderation import statements

DETAIL_MAX = 2000


def file_report(
    *,
    session: Session,
    complaint: Complaint,
    reason: ReportReason,
    detail: str,
    reporter: User | None,
    email: str | None = None,
    message: Message | None = None,
    now: datetime | None = None,
) -> Report:
    """Record a report. Anonymous reporters must say what is wrong; an email is optional and
    only used to tell them the decision."""
    if reporter is not None and reporter.suspended_at is not None:
        raise Forbidden("Your account is suspended, so you cannot report content.")
    if message is not None and message.complaint_id != complaint.id:
        raise NotFound("There is no such message on this complaint.")
    detail = detail.strip()
    if len(detail) > DETAIL_MAX:
        raise Conflict(f"Please keep the explanation under {DETAIL_MAX} characters.")
    if not detail and (reporter is None or reason == ReportReason.OTHER):
        raise Conflict("Please explain what is wrong, so a moderator can check it.")
    email = (email or "").strip().lower() or None
    if email is not None and ("@" not in email or len(email) > 254 or " " in email):
        raise Conflict("That email address does not look right; leave it empty if you prefer.")
    report = Report(
        complaint_id=pk(complaint),
        message_id=message.id if message else None,
        reporter_id=reporter.id if reporter else None,
        reporter_email=None if reporter else email,
        reason=reason,
        detail=detail,
        created_at=now or utcnow(),
    )
    session.add(report)
    session.flush()
    return report


@dataclass(frozen=True)
class Group:
    """Open reports about one complaint or one message."""

    complaint: Complaint
    message: Message | None
    count: int
    first_at: datetime
    reasons: list[str]


def open_groups(*, session: Session, limit: int = 100) -> tuple[list[Group], int]:
    """Open reports grouped by target, the longest-waiting first, and how many groups there are."""
    grouped = (
        select(
            Report.complaint_id,
            Report.message_id,
            func.count().label("n"),
            func.min(Report.created_at).label("first_at"),
        )
        .where(Report.status == ReportStatus.OPEN)
        .group_by(col(Report.complaint_id), col(Report.message_id))
    )
    total = session.exec(select(func.count()).select_from(grouped.subquery())).one()
    rows = session.execute(
        grouped.order_by(func.min(Report.created_at), col(Report.complaint_id)).limit(limit)
    ).all()
    groups = []
    for complaint_id, message_id, n, first_at in rows:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            continue
        reasons = session.exec(
            select(col(Report.reason))
            .where(
                Report.complaint_id == complaint_id,
                Report.message_id == message_id if message_id else col(Report.message_id).is_(None),
                Report.status == ReportStatus.OPEN,
            )
            .distinct()
        ).all()
        groups.append(
            Group(
                complaint=complaint,
                message=session.get(Message, message_id) if message_id else None,
                count=n,
                first_at=first_at,
                reasons=sorted(r.value for r in reasons),
            )
        )
    return groups, total


def for_complaint(*, session: Session, complaint_id: int) -> list[Report]:
    """Every report about a complaint and its messages, open ones first, then oldest first."""
    return list(
        session.exec(
            select(Report)
            .where(Report.complaint_id == complaint_id)
            .order_by(col(Report.status) != ReportStatus.OPEN, col(Report.created_at))
        )
    )


def close(
    *,
    session: Session,
    action: ModerationAction,
    complaint_id: int,
    message_id: int | None = None,
    everything: bool = False,
) -> list[Report]:
    """Close the open reports ``action`` answers: those about the message, those about the
    complaint itself, or (``everything``, when the whole complaint is taken down) all of them.
    Each reporter with an address hears the outcome."""
    stmt = select(Report).where(
        Report.complaint_id == complaint_id, Report.status == ReportStatus.OPEN
    )
    if not everything:
        stmt = stmt.where(
            Report.message_id == message_id
            if message_id is not None
            else col(Report.message_id).is_(None)
        )
    closed = list(session.exec(stmt))
    status = ReportStatus.DISMISSED if action.kind == ActionKind.DISMISS else ReportStatus.ACTIONED
    for report in closed:
        report.status = status
        report.closed_at = action.at
        report.action_id = action.id
        session.add(report)
        to = report.reporter_email
        if report.reporter_id is not None and (reporter := session.get(User, report.reporter_id)):
            to = reporter.email
        if to:
            statements.queue_report_decision(session=session, report=report, to=to, action=action)
    session.flush()
    return closed
