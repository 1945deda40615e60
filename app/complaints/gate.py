"""What stands between filing and publication: duplicate filings are refused, an unverified
author's complaint waits for their email link, and bursts of new accounts filing against one
company are held for moderation.

A complaint that is not published yet is ``Visibility.PENDING``; its ``visibility_reason`` says
why. ``COMPLAINT_CREATED`` (the company's mail, webhooks, broadcasts) is emitted by ``publish``,
never before: a held complaint has told nobody anything.
"""

from datetime import datetime, timedelta
from functools import lru_cache

import regex
from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, Select, bindparam
from sqlmodel import Session, col, func, select

from app.clock import utcnow
from app.complaints.visibility import HELD_REASON, VERIFY_REASON
from app.config import get_settings
from app.errors import Conflict
from app.events import ComplaintCreated, emit_later
from app.models.complaint import Complaint, ComplaintState, Visibility
from app.models.keys import pk
from app.models.user import User
from app.redaction import visible


class DuplicateComplaint(Conflict):
    """The same author already filed nearly the same complaint against this company."""

    def __init__(self, existing: Complaint) -> None:
        super().__init__(
            "You already filed a complaint against this company with nearly the same text "
            f"(complaint {existing.id}). Add to that one with a follow-up instead."
        )
        self.existing = existing


def _text(title: str, body: str) -> str:
    """As readers see it, look-alike letters folded, case and spacing ignored: a homoglyph, an
    invisible joiner or extra spaces do not make a different complaint."""
    return " ".join(visible.fold(f"{title}\n{body}").split())


MIN_SHINGLES = 6  # fewer word triples than this say nothing about likeness
_SENTENCE = regex.compile(r"[.!?;:\n]+")
_WORDS = regex.compile(r"\w+")


def _shingles(text: str) -> frozenset[tuple[str, ...]]:
    """Word triples within each sentence: reordering sentences keeps them all."""
    found: set[tuple[str, ...]] = set()
    for sentence in _SENTENCE.split(text):
        words = _WORDS.findall(sentence)
        if 0 < len(words) < 3:
            found.add(tuple(words))
        found.update(tuple(words[i : i + 3]) for i in range(len(words) - 2))
    return frozenset(found)


def similar(mine: str, theirs: str, cutoff: int) -> bool:
    """Nearly the same text (``cutoff`` 0-100): close character by character, or most of the
    shorter text's word triples found in the other (reordered sentences, padding added)."""
    if fuzz.ratio(mine, theirs, score_cutoff=cutoff) >= cutoff:
        return True
    a, b = _shingles(mine), _shingles(theirs)
    smaller = min(len(a), len(b))
    return smaller >= MIN_SHINGLES and len(a & b) / smaller * 100 >= cutoff


@lru_cache
def _recent_texts() -> Select:
    # Only the text is compared: no full rows to load for the usual case of no match. Built
    # once (values bound at execution): building it cost a filing more than running it.
    return (
        select(Complaint.id, Complaint.title, Complaint.body)
        .where(
            Complaint.author_id == bindparam("author_id"),
            Complaint.company_id == bindparam("company_id"),
            Complaint.created_at >= bindparam("since"),
            Complaint.state != ComplaintState.WITHDRAWN,
        )
        .order_by(col(Complaint.created_at).desc())
        .limit(50)
    )


def refuse_duplicate(
    *,
    session: Session,
    author: User,
    company_id: int,
    title: str,
    body: str,
    now: datetime | None = None,
) -> None:
    """Raise DuplicateComplaint when the author filed nearly this text here within the window."""
    settings = get_settings()
    if settings.duplicate_days == 0:
        return
    since = (now or utcnow()) - timedelta(days=settings.duplicate_days)
    params = {"author_id": author.id, "company_id": company_id, "since": since}
    recent = session.execute(_recent_texts(), params).all()
    mine = _text(title, body)
    cutoff = settings.duplicate_similarity
    for complaint_id, old_title, old_body in recent:
        if similar(mine, _text(old_title, old_body), cutoff):
            raise DuplicateComplaint(session.get_one(Complaint, complaint_id))


def is_burst(*, session: Session, company_id: int, now: datetime | None = None) -> bool:
    """Would one more filing from a new account make this a burst against the company?"""
    settings = get_settings()
    now = now or utcnow()
    recent = session.exec(
        select(func.count())
        .select_from(Complaint)
        .join(User, col(User.id) == Complaint.author_id)
        .where(
            Complaint.company_id == company_id,
            Complaint.created_at >= now - timedelta(minutes=settings.burst_minutes),
            User.created_at >= now - timedelta(days=settings.burst_account_days),
            User.created_at <= now,  # (an account made after a back-dated filing is not young)
        )
    ).one()
    return recent + 1 > settings.burst_complaints


def hold(
    *,
    session: Session,
    author: User,
    company_id: int,
    now: datetime | None = None,
    bursts: bool = True,
) -> tuple[Visibility, str]:
    """The visibility a new complaint starts with (call before adding it)."""
    now = now or utcnow()
    young = now - timedelta(days=get_settings().burst_account_days) <= author.created_at <= now
    if bursts and young and is_burst(session=session, company_id=company_id, now=now):
        return Visibility.PENDING, HELD_REASON
    if author.email_verified_at is None:
        return Visibility.PENDING, VERIFY_REASON
    return Visibility.PUBLIC, ""


def is_waiting(complaint: Complaint) -> bool:
    """Filed but never published (not hidden by a moderator after publication)."""
    return complaint.visibility == Visibility.PENDING and complaint.visibility_reason in (
        VERIFY_REASON,
        HELD_REASON,
    )


def held_for_review() -> ColumnElement[bool]:
    """SQL condition for the moderators' queue: complaints held as part of a burst."""
    return (col(Complaint.visibility) == Visibility.PENDING) & (
        col(Complaint.visibility_reason) == HELD_REASON
    )


def publish(*, session: Session, complaint: Complaint, now: datetime | None = None) -> bool:
    """Publish a waiting complaint (a moderator releasing a held one, or its author verifying);
    it stays waiting while the author's address is unproven. True when it went public.

    The answer clock starts now: the company could not have answered before it was told.
    """
    if not is_waiting(complaint):
        return False
    author = session.get(User, complaint.author_id)
    if author is None or author.email_verified_at is None:
        complaint.visibility_reason = VERIFY_REASON
        session.add(complaint)
        return False
    now = now or utcnow()
    complaint.visibility = Visibility.PUBLIC
    complaint.visibility_reason = ""
    complaint.created_at = now
    complaint.updated_at = now
    session.add(complaint)
    session.flush()
    emit_later(
        session=session, event=ComplaintCreated(complaint_id=pk(complaint), actor_id=author.id)
    )
    return True


def publish_verified(
    *, session: Session, user: User, now: datetime | None = None
) -> list[Complaint]:
    """The author just proved their address: publish what waited for that (not held ones).
    Returns the complaints that went public, so the author can be shown them."""
    waiting = session.exec(
        select(Complaint).where(
            Complaint.author_id == user.id,
            col(Complaint.visibility) == Visibility.PENDING,
            Complaint.visibility_reason == VERIFY_REASON,
        )
    ).all()
    return [c for c in waiting if publish(session=session, complaint=c, now=now)]
