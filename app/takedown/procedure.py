"""The operator's side of the s.5 procedure, driven by the worker (``tick`` and per-notice jobs).

Every step is a conditional move from one status to the next (``_advance``), so a tick and a
per-notice job running at once, or a tick run twice, do each step exactly once; mail keys name
the notice and step, so no message goes out twice either.

  received ──forward──▶ forwarded ──poster keeps──▶ objected ──tell──▶ kept
     │                     │  └──poster agrees──▶ agreed ──remove──▶ removed
     └─poster unreachable──┴──no answer by the deadline──────remove──▶ removed
"""

import contextlib
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from app.clock import as_utc, utcnow
from app.db import must_get, rows_changed
from app.errors import Conflict
from app.models.complaint import Complaint, Message, Visibility
from app.models.moderation import MessageModeration
from app.models.takedown import NoticeStatus, TakedownNotice
from app.models.user import User
from app.moderation import service as moderation  # the one way a complaint's grade changes
from app.takedown import calendar, mail
from app.takedown.notices import queue_process, record

# The public tombstone says why (it names the procedure, never the complainant).
PUBLIC_REASONS = {
    "unreachable": "Removed after a legal notice (Defamation Act 2013 s.5): its author could "
    "not be reached.",
    "no_answer": "Removed after a legal notice (Defamation Act 2013 s.5): its author did not "
    "answer in time.",
    "agreed": "Removed after a legal notice (Defamation Act 2013 s.5): its author agreed to "
    "remove it.",
}


def poster_reachable(session: Session, notice: TakedownNotice) -> User | None:
    """The poster, if we can write to them: an account that still exists, with an email address,
    not suspended (a suspended poster cannot answer)."""
    poster = session.get(User, notice.poster_id) if notice.poster_id else None
    if poster is None or not poster.email or poster.suspended_at is not None:
        return None
    return poster


def _advance(
    session: Session, notice: TakedownNotice, frm: NoticeStatus, to: NoticeStatus, **values: Any
) -> bool:
    """Move ``notice`` from ``frm`` to ``to`` unless someone else already did."""
    won = rows_changed(
        session.execute(
            update(TakedownNotice)
            .where(col(TakedownNotice.id) == notice.id, col(TakedownNotice.status) == frm)
            .values(status=to, **values)
        )
    )
    session.refresh(notice)
    return bool(won)


def _remove(session: Session, notice: TakedownNotice, frm: NoticeStatus, why: str, now: datetime):
    if not _advance(
        session,
        notice,
        frm,
        NoticeStatus.REMOVED,
        removal_reason=why,
        closed_at=now,
        action_due_at=None,
    ):
        return
    if why == "no_answer":
        record(session=session, notice=notice, kind="deadline_passed", at=now)
    message = session.get(Message, notice.message_id) if notice.message_id else None
    complaint = must_get(session, Complaint, notice.complaint_id)
    # Already down (a moderator removed it, for whatever reason): its author already has a
    # statement of reasons for that removal, and gets no second one for the same content.
    if message is not None:
        moderated = session.get(MessageModeration, message.id)
        already_removed = moderated is not None and moderated.visibility == Visibility.REMOVED
    else:
        already_removed = complaint.visibility == Visibility.REMOVED
    if already_removed:
        message = None
    if message is not None:  # the statement is in one message: that message comes down
        with contextlib.suppress(Conflict):
            moderation.set_message_visibility(
                session=session,
                message=message,
                visibility=Visibility.REMOVED,
                reason=PUBLIC_REASONS[why],
                actor=None,
                now=now,
            )
    elif not already_removed:
        moderation.set_visibility(
            session=session,
            complaint=complaint,
            visibility=Visibility.REMOVED,
            reason=PUBLIC_REASONS[why],
            actor=None,
            now=now,
        )
    record(session=session, notice=notice, kind="removed", at=now, detail=why)
    mail.removed(session=session, notice=notice, why=why)


def _forward(session: Session, notice: TakedownNotice, poster: User, now: datetime) -> None:
    due = calendar.end_of_fifth_day(now)
    if not _advance(
        session,
        notice,
        NoticeStatus.RECEIVED,
        NoticeStatus.FORWARDED,
        forwarded_at=now,
        answer_due_at=due,
        action_due_at=due,
    ):
        return
    mail.forward(session=session, notice=notice, poster=poster)
    record(session=session, notice=notice, kind="forwarded", at=now)
    mail.tell_forwarded(session=session, notice=notice)
    record(session=session, notice=notice, kind="complainant_told_forwarded", at=now)
    queue_process(session=session, notice=notice, step="deadline", at=due)


def _tell_objection(session: Session, notice: TakedownNotice, now: datetime) -> None:
    if _advance(
        session,
        notice,
        NoticeStatus.OBJECTED,
        NoticeStatus.KEPT,
        closed_at=now,
        action_due_at=None,
    ):
        mail.tell_objection(session=session, notice=notice)
        detail = "with the poster's name and address" if notice.poster_consents else ""
        record(
            session=session, notice=notice, kind="complainant_told_objection", at=now, detail=detail
        )


def process(*, session: Session, notice: TakedownNotice, now: datetime | None = None) -> None:
    """Take whatever step is due on ``notice`` now; nothing if none is."""
    now = now or utcnow()
    if notice.status is NoticeStatus.RECEIVED:
        poster = poster_reachable(session, notice)
        if poster is None:
            _remove(session, notice, NoticeStatus.RECEIVED, "unreachable", now)
        else:
            _forward(session, notice, poster, now)
    due = notice.answer_due_at  # set whenever a notice is forwarded
    if notice.status is NoticeStatus.FORWARDED and due is not None and now >= as_utc(due):
        _remove(session, notice, NoticeStatus.FORWARDED, "no_answer", now)
    elif notice.status is NoticeStatus.AGREED:
        _remove(session, notice, NoticeStatus.AGREED, "agreed", now)
    elif notice.status is NoticeStatus.OBJECTED:
        _tell_objection(session, notice, now)
    session.flush()


def due(*, session: Session, now: datetime) -> list[TakedownNotice]:
    """Notices with a step owed now."""
    return list(
        session.exec(
            select(TakedownNotice)
            .where(
                or_(
                    col(TakedownNotice.status).in_(
                        [NoticeStatus.RECEIVED, NoticeStatus.AGREED, NoticeStatus.OBJECTED]
                    ),
                    (col(TakedownNotice.status) == NoticeStatus.FORWARDED)
                    & (col(TakedownNotice.answer_due_at) <= now),
                )
            )
            .order_by(col(TakedownNotice.id))
        )
    )


def tick(*, session: Session, now: datetime | None = None) -> int:
    """The periodic sweep: take every due step. Returns how many notices moved."""
    now = now or utcnow()
    moved = 0
    for notice in due(session=session, now=now):
        before = notice.status
        process(session=session, notice=notice, now=now)
        moved += notice.status is not before
    return moved
