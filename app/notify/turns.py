"""Mail whoever the conversation now waits for, batched.

When the turn changes hands (app/complaints/turn.py) a job is queued a few minutes ahead
(``OUTCRY_TURN_MAIL_DELAY_MINUTES``), keyed by complaint, recipient and the moment the turn began.
When it runs it mails only if the turn is still that one: a rep who asks for information and then
adds a word makes one mail, and a consumer who writes three follow-ups in a row makes one (their
wait began with the first). The mail's own key is the same, so a job run twice mails once.

- The consumer's turn because the company asked for information: "Waiting for you" (a resolution
  has its own mail, with the confirm and dispute links).
- The company's turn because the consumer followed up, answered or disputed: the assignee, or
  every owner when nobody has it.
"""

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.complaints import turn
from app.config import get_settings
from app.jobs.queue import Context, Outcome, ensure_queued
from app.models.company import Company
from app.models.complaint import Complaint, Message, Side, Turn, TurnWhy
from app.models.job import Job
from app.models.keys import pk
from app.models.membership import CompanyMember, Role
from app.models.user import User
from app.notify import compose, unsubscribe
from app.notify.unsubscribe import Preference

KIND = "notify.turn"
# Which turns are mailed, and by which template.
TEMPLATES = {TurnWhy.INFO_REQUESTED: "your_turn", TurnWhy.CUSTOMER_REPLIED: "customer_replied"}


def company_recipients(*, session: Session, complaint: Complaint) -> list[User]:
    """The assignee if they are still an active rep; else the company's active owners
    (suspended accounts are not active)."""
    active = (
        select(User)
        .join(CompanyMember, col(CompanyMember.user_id) == User.id)
        .where(
            CompanyMember.company_id == complaint.company_id,
            col(CompanyMember.revoked_at).is_(None),
            col(User.suspended_at).is_(None),  # a suspended account acts for nobody
        )
    )
    if complaint.assignee_id is not None:
        assignee = session.exec(active.where(User.id == complaint.assignee_id)).first()
        if assignee is not None:
            return [assignee]
    return list(session.exec(active.where(CompanyMember.role == Role.OWNER).order_by(col(User.id))))


def _stamp(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


def schedule(*, session: Session, complaint: Complaint, now: datetime | None = None) -> None:
    """Queue the batched mail for the turn the complaint is now in, if that turn is mailed."""
    state = turn.current(complaint)
    if state.why not in TEMPLATES:
        return
    if state.turn is Turn.CONSUMER:
        recipients = [complaint.author_id]
    else:
        recipients = [pk(u) for u in company_recipients(session=session, complaint=complaint)]
    run_after = (now or utcnow()) + timedelta(minutes=get_settings().turn_mail_delay_minutes)
    for user_id in recipients:
        ensure_queued(
            session=session,
            kind=KIND,
            key=f"turn:{complaint.id}:{user_id}:{_stamp(state.since)}",
            payload={
                "complaint_id": complaint.id,
                "user_id": user_id,
                "why": state.why.value,
                "since": _stamp(state.since),
            },
            run_after=run_after,
        )


def _messages_since(
    session: Session, complaint: Complaint, side: Side, since: datetime
) -> list[Message]:
    return list(
        session.exec(
            select(Message)
            .where(
                Message.complaint_id == complaint.id,
                Message.side == side,
                col(Message.created_at) >= since,
            )
            .order_by(col(Message.created_at), col(Message.id))
        )
    )


def _send(engine: Engine, payload: dict[str, Any]) -> Outcome:
    with Session(engine, expire_on_commit=False) as session:
        complaint = session.get(Complaint, int(payload["complaint_id"]))
        user = session.get(User, int(payload["user_id"]))
        if complaint is None or user is None:
            return Outcome(ok=True, detail="complaint or recipient gone: no mail")
        state = turn.current(complaint)
        if state.why.value != payload["why"] or _stamp(state.since) != payload["since"]:
            return Outcome(ok=True, detail=f"the turn moved on ({state.why}): no mail")
        company = session.get(Company, complaint.company_id)
        author = session.get(User, complaint.author_id)
        if state.turn is Turn.CONSUMER:
            if not user.notify_complaint_updates:
                return Outcome(ok=True, detail="the consumer turned these emails off")
            preference, spoke = Preference.COMPLAINT_UPDATES, Side.COMPANY
        else:
            if user.id not in {
                u.id for u in company_recipients(session=session, complaint=complaint)
            }:
                return Outcome(ok=True, detail="no longer the one to tell")
            preference, spoke = Preference.ASSIGNMENTS, Side.CONSUMER
        compose.queue(
            session=session,
            key=f"turn:{complaint.id}:{user.id}:{payload['since']}",
            to=user.email,
            template=TEMPLATES[state.why],
            unsubscribe_token=unsubscribe.token_for_user(user, preference),
            recipient=user,
            complaint=complaint,
            company=company,
            author=author,
            messages=_messages_since(session, complaint, spoke, state.since),
            waited=state.since,
        )
        session.commit()
    return Outcome(ok=True, detail=f"{state.why} mail queued")


async def send(job: Job, ctx: Context) -> Outcome:
    return await asyncio.to_thread(_send, ctx.engine, dict(job.payload))
