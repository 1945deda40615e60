"""Emailed confirm / dispute links: the consumer answers a resolution without logging in.

Each link is a OneTimeToken (purpose CONFIRM_RESOLUTION, subject_id = the complaint, user_id = its
author) whose ``created_at`` is the resolution it answers: a link from before a later resolution is
stale. Only the token's SHA-256 is stored; a conditional UPDATE of ``used_at`` makes it single-use
even when two clicks race.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.complaints import service as complaints
from app.complaints.states import label
from app.db import must_get, rows_changed
from app.errors import Conflict, DomainError, NotFound
from app.hashing import token_hash
from app.models.company import Company
from app.models.complaint import Complaint, ComplaintState, Message, TimelineEvent
from app.models.token import OneTimeToken, Purpose
from app.models.user import User

LINK_DAYS = 30  # long enough to answer after a holiday; the website works after that


class LinkGone(DomainError):
    status_code = 410
    title = "Link no longer valid"


class NotAwaiting(Conflict):
    """The complaint is no longer waiting for this answer; the page links to it."""

    def __init__(self, detail: str, complaint: Complaint) -> None:
        super().__init__(detail)
        self.complaint = complaint


@dataclass(frozen=True)
class Link:
    token: OneTimeToken
    complaint: Complaint
    company: Company
    author: User
    message: Message | None  # what the company wrote when it resolved, if anything


def issue(*, session: Session, complaint: Complaint, now: datetime | None = None) -> str:
    """Create the link for the complaint's current resolution; returns the raw token to mail."""
    raw = secrets.token_urlsafe(32)
    session.add(
        OneTimeToken(
            token_hash=token_hash(raw),
            purpose=Purpose.CONFIRM_RESOLUTION,
            user_id=complaint.author_id,
            subject_id=complaint.id,
            created_at=complaint.resolved_at or now or utcnow(),
            expires_at=(now or utcnow()) + timedelta(days=LINK_DAYS),
        )
    )
    session.flush()
    return raw


def check(*, session: Session, raw: str, now: datetime | None = None) -> Link:
    """The link's complaint if it can still be answered, else a DomainError saying why not."""
    now = now or utcnow()
    token = session.exec(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == token_hash(raw),
            OneTimeToken.purpose == Purpose.CONFIRM_RESOLUTION,
        )
    ).first()
    complaint = session.get(Complaint, token.subject_id) if token and token.subject_id else None
    author = session.get(User, token.user_id) if token and token.user_id else None
    if token is None or complaint is None or author is None:
        raise NotFound("This link is not valid. Check that you copied the whole address.")
    if token.used_at is not None:
        raise LinkGone("This link has already been used. Each link works once.")
    if token.expires_at <= now:
        raise LinkGone(f"This link expired after {LINK_DAYS} days.")
    if complaint.state != ComplaintState.RESOLVED:
        raise NotAwaiting(
            f"This complaint is no longer waiting for your answer: it is {label(complaint.state)}.",
            complaint,
        )
    if complaint.resolved_at and token.created_at < complaint.resolved_at:
        raise NotAwaiting(
            "This link was for an earlier resolution. Use the link in the newest email, "
            "or answer on the complaint's page.",
            complaint,
        )
    message = session.exec(
        select(Message)
        .join(TimelineEvent, col(TimelineEvent.message_id) == Message.id)
        .where(TimelineEvent.complaint_id == complaint.id, TimelineEvent.kind == "resolve")
        .order_by(col(TimelineEvent.id).desc())
        .limit(1)
    ).first()
    company = must_get(session, Company, complaint.company_id)
    return Link(token=token, complaint=complaint, company=company, author=author, message=message)


def answer(
    *,
    session: Session,
    raw: str,
    action: Literal["confirm", "dispute"],
    body: str = "",
    now: datetime | None = None,
) -> Complaint:
    """Confirm or dispute as the complaint's author, and use up the link."""
    now = now or utcnow()
    link = check(session=session, raw=raw, now=now)
    used = rows_changed(
        session.execute(
            update(OneTimeToken)
            .where(col(OneTimeToken.id) == link.token.id, col(OneTimeToken.used_at).is_(None))
            .values(used_at=now)
        )
    )
    if not used:  # another click got there first
        raise LinkGone("This link has already been used. Each link works once.")
    act = complaints.confirm if action == "confirm" else complaints.dispute
    act(session=session, complaint=link.complaint, user=link.author, body=body, now=now)
    return link.complaint
