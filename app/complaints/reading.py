"""A complaint's record as pages, exports and the API read it: the timeline of events with their
messages and actors, and the consumer's attempts to reach the company before filing."""

from datetime import date

from sqlmodel import Session, col, select

from app.models.complaint import Channel, Complaint, ContactAttempt, Message, TimelineEvent
from app.models.user import User


def timeline(
    *, session: Session, complaint: Complaint
) -> list[tuple[TimelineEvent, Message | None, User | None]]:
    rows = session.exec(
        select(TimelineEvent, Message, User)
        .outerjoin(Message, col(Message.id) == TimelineEvent.message_id)
        .outerjoin(User, col(User.id) == TimelineEvent.actor_id)
        .where(TimelineEvent.complaint_id == complaint.id)
        .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
    ).all()
    return [(event, message, user) for event, message, user in rows]


def contact_attempts(
    *, session: Session, complaint_ids: list[int]
) -> dict[int, dict[Channel, int]]:
    result: dict[int, dict[Channel, int]] = {cid: {} for cid in complaint_ids}
    if complaint_ids:
        for row in session.exec(
            select(ContactAttempt).where(col(ContactAttempt.complaint_id).in_(complaint_ids))
        ):
            result[row.complaint_id][Channel(row.channel)] = row.count
    return result


def contact_summary(attempts: dict[Channel, int], since: date | None) -> str:
    """'tried 4 times by phone and 5 times by chat since 3 March 2026'."""
    if not attempts:
        return ""
    how = {
        Channel.PHONE: "by phone",
        Channel.CHAT: "by chat",
        Channel.EMAIL: "by email",
        Channel.TICKET: "through support tickets",
        Channel.VISIT: "in person",
    }
    parts = [f"{n} time{'s' if n != 1 else ''} {how[ch]}" for ch, n in attempts.items()]
    text = "tried " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
    return text + (f" since {since.day} {since:%B %Y}" if since else "")
