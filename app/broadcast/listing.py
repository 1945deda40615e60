"""Reading the broadcasts: /broadcasts (text, link card, thread position; the digest and catch-up
posts among them) and the complaint page."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import literal, union_all
from sqlmodel import Session, col, func, select

from app.broadcast import compose
from app.broadcast.layout import shorten
from app.clock import utcnow
from app.complaints import visibility
from app.config import get_settings
from app.models.broadcast import Broadcast, BroadcastStatus, BroadcastSummary
from app.models.complaint import Complaint
from app.models.keys import pk

SHOWN = (BroadcastStatus.QUEUED, BroadcastStatus.POSTED)  # failed and deleted posts are not news


def _shown(now: datetime | None) -> tuple:
    """A queued post is not shown while the company's right-of-reply window runs (it is not
    public before the network has it), nor are posts of a moderated complaint (being withdrawn,
    their text must not linger here)."""
    window_open_since = (now or utcnow()) - timedelta(days=get_settings().broadcast_grace_days)
    out_of_window = (col(Broadcast.status) == BroadcastStatus.POSTED) | (
        col(Complaint.created_at) <= window_open_since
    )
    return (col(Broadcast.status).in_(SHOWN), visibility.listed(), out_of_window)


def recent(
    *, session: Session, offset: int = 0, limit: int = 20, now: datetime | None = None
) -> tuple[list[Broadcast], int]:
    """Queued and posted broadcasts of complaints, newest first, with their total."""
    shown = _shown(now)
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
        shaped[pk(row)] = Shape(
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


@dataclass(frozen=True)
class Entry:
    """One line of /broadcasts: a complaint's post (with its shape) or a digest / catch-up."""

    kind: str  # "post", "digest" or "catch-up"
    row: Broadcast | BroadcastSummary
    shape: Shape | None = None


def page(
    *, session: Session, offset: int = 0, limit: int = 20, now: datetime | None = None
) -> tuple[list[Entry], int]:
    """Everything /broadcasts lists, newest first: complaints' posts (as ``recent``) and the
    digest and catch-up posts, queued or posted; with the total."""
    posts = (
        select(literal("post").label("kind"), col(Broadcast.id), col(Broadcast.created_at))
        .join(Complaint, col(Complaint.id) == Broadcast.complaint_id)
        .where(*_shown(now))
    )
    summaries = select(
        literal("summary").label("kind"), col(BroadcastSummary.id), col(BroadcastSummary.created_at)
    ).where(col(BroadcastSummary.status).in_(SHOWN))
    both = union_all(posts, summaries).subquery()
    total = session.exec(select(func.count()).select_from(both)).one()
    found = session.execute(
        select(both.c.kind, both.c.id)
        .order_by(both.c.created_at.desc(), both.c.kind, both.c.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    post_ids = [row_id for kind, row_id in found if kind == "post"]
    summary_ids = [row_id for kind, row_id in found if kind == "summary"]
    posts_by_id = {
        b.id: b for b in session.exec(select(Broadcast).where(col(Broadcast.id).in_(post_ids)))
    }
    summaries_by_id = {
        s.id: s
        for s in session.exec(
            select(BroadcastSummary).where(col(BroadcastSummary.id).in_(summary_ids))
        )
    }
    shaped = shapes(session=session, rows=list(posts_by_id.values()))
    entries = []
    for kind, row_id in found:
        if kind == "post":
            entries.append(Entry("post", posts_by_id[row_id], shaped.get(row_id)))
        else:
            summary = summaries_by_id[row_id]
            entries.append(Entry(summary.kind, summary))
    return entries, total
