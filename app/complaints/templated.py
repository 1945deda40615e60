"""Spotting templated replies: the same stock answer pasted into complaint after complaint.

The rule: a new public reply of a company is *templated* when at least ``MIN_MATCHES`` (3) of that
company's last ``WINDOW`` (200) public replies are near-identical to it. Two texts are
near-identical when, compared without case and punctuation,

- rapidfuzz's ``token_set_ratio`` is at least ``THRESHOLD`` (90), and
- the shorter is at least ``MIN_LENGTH_RATIO`` (half) as long as the longer: ``token_set_ratio``
  scores 100 whenever one text's words are a subset of the other's, so without this a stock
  "We are sorry for the trouble." would make every long, personal answer that contains it count.

A templated reply is still a reply; it is only marked so readers can tell boilerplate from care.
"""

from collections.abc import Iterable
from datetime import datetime

from rapidfuzz import fuzz, utils
from sqlmodel import Session, col, select

from app.models.complaint import Complaint, Message, Side

THRESHOLD = 90.0
MIN_MATCHES = 3
WINDOW = 200
MIN_LENGTH_RATIO = 0.5


def near_identical(a: str, b: str) -> bool:
    a, b = utils.default_process(a), utils.default_process(b)
    if not a or not b:
        return False
    if min(len(a), len(b)) < MIN_LENGTH_RATIO * max(len(a), len(b)):
        return False
    return fuzz.token_set_ratio(a, b) >= THRESHOLD


def matches_enough(body: str, earlier: Iterable[str]) -> bool:
    """True once ``MIN_MATCHES`` of the earlier replies are near-identical to ``body``."""
    found = 0
    for text in earlier:
        found += near_identical(body, text)
        if found >= MIN_MATCHES:
            return True
    return False


def recent_replies(*, session: Session, company_id: int, before: datetime) -> list[str]:
    """The company's last ``WINDOW`` public replies written up to ``before``, newest first."""
    return list(
        session.exec(
            select(Message.body)
            .join(Complaint, col(Complaint.id) == Message.complaint_id)
            .where(
                Complaint.company_id == company_id,
                Message.side == Side.COMPANY,
                Message.created_at <= before,
            )
            .order_by(col(Message.created_at).desc(), col(Message.id).desc())
            .limit(WINDOW)
        )
    )


def is_templated(*, session: Session, company_id: int, body: str, now: datetime) -> bool:
    """Apply the rule to a reply about to be posted (so it is not among its own earlier ones)."""
    return matches_enough(body, recent_replies(session=session, company_id=company_id, before=now))
