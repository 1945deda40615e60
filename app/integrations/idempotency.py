"""``Idempotency-Key`` on the company API's POSTs (IETF draft-ietf-httpapi-idempotency-key-header,
as Stripe and GitHub practise it): a helpdesk that retries after a timeout gets the first
response again instead of a second reply, mail and webhook delivery.

The key is reserved by inserting a row in the request's own transaction, so the reservation, the
change and the stored response commit together or not at all. A concurrent duplicate blocks on the
unique (token, key) index until the first commits, then reads and replays its response.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.db import rows_changed
from app.errors import DomainError
from app.models.integration import IdempotentRequest

WINDOW = timedelta(hours=24)
KEY_MAX = 255
# Printable ASCII without spaces: what helpdesks send (UUIDs, "zendesk-123-reply-4").
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


class KeyReused(DomainError):
    status_code = 422
    title = "Idempotency key reused"


class BadKey(DomainError):
    status_code = 400
    title = "Invalid idempotency key"


@dataclass(frozen=True)
class Stored:
    """The first response to a key, to send again."""

    status_code: int
    body: str
    location: str


def fingerprint(*, method: str, path: str, agent_id: int, body: str) -> str:
    """What must match for a retry: the same operation, on behalf of the same rep, same body."""
    text = "\n".join((method.upper(), path, str(agent_id), body))
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not _KEY.fullmatch(key):
        raise BadKey(
            f"Idempotency-Key must be 1 to {KEY_MAX} printable characters without spaces, "
            "such as a UUID."
        )
    return key


def _found(session: Session, token_id: int, key: str, now: datetime) -> IdempotentRequest | None:
    return session.exec(
        select(IdempotentRequest).where(
            IdempotentRequest.token_id == token_id,
            IdempotentRequest.key == key,
            col(IdempotentRequest.created_at) > now - WINDOW,
        )
    ).first()


def _replay(row: IdempotentRequest, fingerprint: str) -> Stored:
    if row.fingerprint != fingerprint:
        raise KeyReused(
            "This Idempotency-Key was already used for a different request (another body, "
            "operation or agent). Use a new key for a new request."
        )
    return Stored(status_code=row.status_code, body=row.response_body, location=row.location)


def reserve(
    *, session: Session, token_id: int, key: str, fingerprint: str, now: datetime | None = None
) -> IdempotentRequest | Stored:
    """The stored response if this key was used in the last 24 hours (KeyReused if for another
    request), else a reserved row for ``finish`` to fill in."""
    now = now or utcnow()
    key = check_key(key)
    row = _found(session, token_id, key, now)
    if row is not None:
        return _replay(row, fingerprint)
    # A key used more than a day ago is free again.
    session.execute(
        delete(IdempotentRequest).where(
            col(IdempotentRequest.token_id) == token_id, col(IdempotentRequest.key) == key
        )
    )
    row = IdempotentRequest(token_id=token_id, key=key, fingerprint=fingerprint, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # A concurrent request with this key committed first (we waited on its row): replay it.
        row = _found(session, token_id, key, now)
        if row is None:
            raise
        return _replay(row, fingerprint)
    return row


def finish(
    *, session: Session, row: IdempotentRequest, status_code: int, body: str, location: str = ""
) -> None:
    """Store the response, committed with the change it reports."""
    row.status_code = status_code
    row.response_body = body
    row.location = location
    session.add(row)
    session.flush()


def purge(*, session: Session, now: datetime | None = None) -> int:
    """Forget keys older than the window (periodic housekeeping)."""
    result = session.execute(
        delete(IdempotentRequest).where(
            col(IdempotentRequest.created_at) <= (now or utcnow()) - WINDOW
        )
    )
    return rows_changed(result) or 0
