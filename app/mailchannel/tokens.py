"""Reply addresses: reply+<token>@<OUTCRY_MAIL_DOMAIN>, one per complaint and recipient.

The token is an HMAC (OUTCRY_SECRET_KEY) of the complaint, the side, the recipient and the
thread's random root Message-ID: 130 bits, unguessable, bound to that complaint and recipient,
and derived again for each later message. Lower-case base32, because mail systems may change
the case of a local part. Only its SHA-256 is stored (for the lookup at RCPT time), so the
database alone gives nobody a working address.
"""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlmodel import Session, select

from app.clock import utcnow
from app.config import get_settings
from app.models.complaint import Complaint, ComplaintState
from app.models.keys import pk
from app.models.mail import MailThread

PREFIX = "reply+"
_TOKEN = re.compile(r"^reply\+([a-z2-7]{26})@(.+)$")
CLOSED = frozenset({ComplaintState.CONFIRMED, ComplaintState.WITHDRAWN})


def token_for(thread: MailThread) -> str:
    key = get_settings().secret_key.encode()
    bound = f"reply|{thread.complaint_id}|{thread.side}|{thread.recipient}|{thread.root_message_id}"
    mac = hmac.new(key, bound.encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode().lower()[:26]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def address(token: str) -> str:
    return f"{PREFIX}{token}@{get_settings().mail_domain}"


def token_of(recipient: str) -> str | None:
    """The token of one of our reply addresses, or None (another domain, another shape)."""
    match = _TOKEN.match(recipient.strip().strip("<>").lower())
    domain = (get_settings().mail_domain or "").lower()
    if not match or not domain or match.group(2) != domain:
        return None
    return match.group(1)


def open_thread(*, session: Session, complaint: Complaint, side: str, recipient: str) -> MailThread:
    """The thread of this complaint with this recipient, made on first use."""
    thread = session.exec(
        select(MailThread).where(
            MailThread.complaint_id == complaint.id,
            MailThread.side == side,
            MailThread.recipient == recipient,
        )
    ).first()
    if thread is not None:
        return thread
    domain = get_settings().mail_domain
    thread = MailThread(
        complaint_id=pk(complaint),
        side=side,
        recipient=recipient,
        token_hash="",
        root_message_id=f"<complaint-{complaint.id}-{secrets.token_hex(8)}@{domain}>",
    )
    thread.token_hash = digest(token_for(thread))
    session.add(thread)
    session.flush()
    return thread


def find_thread(*, session: Session, recipient: str) -> MailThread | None:
    """The live thread a reply address belongs to; None when unknown or expired (a complaint
    closed for longer than OUTCRY_MAIL_TOKEN_DAYS)."""
    token = token_of(recipient)
    if token is None:
        return None
    thread = session.exec(select(MailThread).where(MailThread.token_hash == digest(token))).first()
    if thread is None:
        return None
    complaint = session.get(Complaint, thread.complaint_id)
    if complaint is None:
        return None
    closed = complaint.closed_at if complaint.state in CLOSED else None
    if closed is not None and utcnow() - closed > timedelta(days=get_settings().mail_token_days):
        return None
    return thread
