"""Reading the broadcasts: /broadcasts (text, link card, thread position) and the complaint page."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from app.broadcast import compose
from app.broadcast.layout import shorten
from app.clock import utcnow
from app.complaints import visibility
from app.config import get_settings
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.complaint import Complaint

SHOWN = (BroadcastStatus.QUEUED, BroadcastStatus.POSTED)  # failed and deleted posts are not news


def recent(
    *, session: Session, offset: int = 0, limit: int = 20, now: datetime | None = None
) -> tuple[list[Broadcast], int]:
    """Queued and posted broadcasts, newest first, with their total. A queued post is not shown
    while the company's right-of-reply window runs: it is not public before the network has it."""
    window_open_since = (now or utcnow()) - timedelta(days=get_settings().broadcast_grace_days)
    out_of_window = (Broadcast.status == BroadcastStatus.POSTED) | (
        col(Complaint.created_at) <= window_open_since
    )
    # Posts of a moderated complaint are being withdrawn: their text must not linger here.
    shown = (col(Broadcast.status).in_(SHOWN), visibility.listed(), out_of_window)
    joined = col(Complaint.id) == Broadcast.complaint_id
    total = session.exec(
        select(func.count()).select_from(Broadcast).join(Complaint, joined).where(*shown)
    ).one()
    rows = session.exec(
        select(Broadcast)
        .join(Complaint, joined)
        .where(*shown)
        .order_by(col(Broadcast.created_at).desc(), col(Broadcast.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total


@dataclass(frozen=True)
class Shape:
    """What a post looks like beyond its text: its link card and its place in the thread."""

    card_title: str
    card_description: str
    reply: bool  # a reply to the complaint's post before it on that network


def shapes(*, session: Session, rows: list[Broadcast]) -> dict[int, Shape]:
    """The card and thread position each row was (or will be) posted with, as the adapters
    build them (compose.post_for; Bluesky shortens the card's title to 300 characters)."""
    shaped: dict[int, Shape] = {}
    for row in rows:
        complaint = session.get(Complaint, row.complaint_id)
        if complaint is None:
            continue
        post = compose.post_for(
            session, complaint=complaint, event=row.event, days=row.days_open, record_key="card"
        )
        earlier = session.exec(
            select(Broadcast.id).where(
                Broadcast.complaint_id == row.complaint_id,
                Broadcast.network == row.network,
                col(Broadcast.status).in_(SHOWN),
                col(Broadcast.id) < row.id,
            )
        ).first()
        link = post.link
        shaped[row.id] = Shape(
            card_title=shorten(link.title, 300) if link else "",
            card_description=shorten(link.description, 1000) if link else "",
            reply=earlier is not None,
        )
    return shaped


def posted_for(*, session: Session, complaint_id: int) -> list[Broadcast]:
    """Where a complaint has been posted, oldest first."""
    return list(
        session.exec(
            select(Broadcast)
            .where(
                Broadcast.complaint_id == complaint_id,
                Broadcast.status == BroadcastStatus.POSTED,
            )
            .order_by(col(Broadcast.id))
        )
    )
