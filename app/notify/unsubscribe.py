"""Unsubscribe links: an HMAC of the recipient and the preference, so nothing is stored.

A link stops one kind of mail for one recipient: a user's preference, or an unclaimed company's
notices of new complaints. It never expires (people unsubscribe from old mail too), and changing
OUTCRY_SECRET_KEY invalidates every link sent before.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from app.clock import utcnow
from app.config import get_settings
from app.models.company import Company
from app.models.user import User


class Preference(StrEnum):
    COMPLAINT_UPDATES = "complaint_updates"  # User.notify_complaint_updates
    ASSIGNMENTS = "assignments"  # User.notify_assignments
    COMPANY_NOTICES = "company_notices"  # Company.notices_unsubscribed_at


DESCRIPTIONS = {
    Preference.COMPLAINT_UPDATES: "updates about your complaints (replies, requests for "
    "information, resolutions and reminders)",
    Preference.ASSIGNMENTS: "new and reassigned complaints for your company",
    Preference.COMPANY_NOTICES: "notices of new public complaints about your company",
}

_USER_PREFS = {Preference.COMPLAINT_UPDATES, Preference.ASSIGNMENTS}


@dataclass(frozen=True)
class Target:
    kind: str  # "u": a user, "c": a company's contact address
    id: int
    preference: Preference


def _signature(subject: str, preference: Preference) -> str:
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"unsubscribe:{subject}:{preference}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def _token(subject: str, preference: Preference) -> str:
    return f"{subject}.{preference}.{_signature(subject, preference)}"


def token_for_user(user: User, preference: Preference) -> str:
    if preference not in _USER_PREFS:
        raise ValueError(f"{preference} is not a user preference")
    return _token(f"u{user.id}", preference)


def token_for_company(company: Company) -> str:
    return _token(f"c{company.id}", Preference.COMPANY_NOTICES)


def parse(token: str) -> Target | None:
    """The target of a genuine token, or None for anything forged, altered or malformed."""
    subject, _, rest = token.partition(".")
    name, _, signature = rest.partition(".")
    try:
        preference = Preference(name)
    except ValueError:
        return None
    kind, number = subject[:1], subject[1:]
    if kind != ("u" if preference in _USER_PREFS else "c") or not number.isdigit():
        return None
    if not hmac.compare_digest(signature, _signature(subject, preference)):
        return None
    return Target(kind=kind, id=int(number), preference=preference)


def urls(token: str) -> tuple[str, str]:
    """The page (GET shows a button) and the RFC 8058 one-click address (POST only)."""
    page = f"{get_settings().base_url.rstrip('/')}/unsubscribe/{token}"
    return page, f"{page}/one-click"


def is_subscribed(*, session: Session, target: Target) -> bool | None:
    """Whether the mail still goes out; None when the recipient no longer exists."""
    if target.kind == "u":
        user = session.get(User, target.id)
        return None if user is None else bool(getattr(user, f"notify_{target.preference}"))
    company = session.get(Company, target.id)
    return None if company is None else company.notices_unsubscribed_at is None


def unsubscribe(*, session: Session, target: Target, now: datetime | None = None) -> bool:
    """Stop the mail; False when the recipient no longer exists. Doing it twice is harmless."""
    if target.kind == "u":
        user = session.get(User, target.id)
        if user is None:
            return False
        setattr(user, f"notify_{target.preference}", False)
        session.add(user)
    else:
        company = session.get(Company, target.id)
        if company is None:
            return False
        company.notices_unsubscribed_at = company.notices_unsubscribed_at or now or utcnow()
        session.add(company)
    session.flush()
    return True
