"""Emailed account links: verify an address, confirm a new one, reset a password.

Each is a OneTimeToken (only its SHA-256 stored, 256 random bits) bound to a user and a purpose;
issuing a new one retires the older ones of that purpose, and a conditional UPDATE of ``used_at``
makes it single-use even when two clicks race. Opening a link (GET) only shows a page with a
button: mail scanners that prefetch links change nothing.
"""

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.db import rows_changed
from app.errors import DomainError, NotFound
from app.hashing import token_hash
from app.models.token import OneTimeToken, Purpose
from app.models.user import User
from app.notify import compose
from app.notify.mail import queue_mail

NOBODY = SimpleNamespace(display_name="there")  # renders a mail as for an account


class LinkGone(DomainError):
    status_code = 410
    title = "Link no longer valid"


def issue(
    *, session: Session, user: User, purpose: Purpose, lifetime: timedelta, now: datetime
) -> str:
    """A new link for ``user``; earlier unused ones of the same purpose stop working."""
    session.execute(
        update(OneTimeToken)
        .where(
            col(OneTimeToken.user_id) == user.id,
            col(OneTimeToken.purpose) == purpose,
            col(OneTimeToken.used_at).is_(None),
        )
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    session.add(
        OneTimeToken(
            token_hash=token_hash(raw),
            purpose=purpose,
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return raw


def find(
    *, session: Session, raw: str, purpose: Purpose, now: datetime | None = None
) -> tuple[OneTimeToken, User]:
    """The link's token and user while it can still be used, else NotFound / LinkGone."""
    token = session.exec(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == token_hash(raw), OneTimeToken.purpose == purpose
        )
    ).first()
    user = session.get(User, token.user_id) if token and token.user_id else None
    if token is None or user is None:
        raise NotFound("This link is not valid. Check that you copied the whole address.")
    if token.used_at is not None:
        raise LinkGone("This link has already been used, or a newer one was sent.")
    if token.expires_at <= (now or utcnow()):
        raise LinkGone("This link has expired. Ask for a new one.")
    return token, user


def use(
    *, session: Session, raw: str, purpose: Purpose, now: datetime | None = None
) -> tuple[OneTimeToken, User]:
    """Like ``find``, and uses the link up (once, whoever clicks first)."""
    now = now or utcnow()
    token, user = find(session=session, raw=raw, purpose=purpose, now=now)
    used = rows_changed(
        session.execute(
            update(OneTimeToken)
            .where(col(OneTimeToken.id) == token.id, col(OneTimeToken.used_at).is_(None))
            .values(used_at=now)
        )
    )
    if not used:
        raise LinkGone("This link has already been used, or a newer one was sent.")
    return token, user


def mail(*, session: Session, key: str, to: str, template: str, **context: object) -> None:
    """Queue an account mail. These are transactional (asked for just now), so they carry no
    unsubscribe link; the key names the token, so a retry never sends a second link."""
    message = compose.render(template, **context)
    queue_mail(
        session=session,
        key=key,
        to=to,
        subject=message.subject,
        text=message.text,
        html=message.html,
    )


def pretend_issue(*, session: Session, now: datetime) -> str:
    """The work of ``issue`` for an address with no account (a token made and hashed, the same
    UPDATE matching no row, nothing stored), so that asking says nothing by its cost either."""
    session.execute(
        update(OneTimeToken)
        .where(col(OneTimeToken.user_id) == -1, col(OneTimeToken.used_at).is_(None))
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    token_hash(raw)
    return raw


def pretend_mail(template: str, **context: object) -> None:
    """The work of ``mail`` without queueing it: the message is rendered, then dropped."""
    compose.render(template, **context)


def send_or_pretend(
    *,
    session: Session,
    user: User | None,
    purpose: Purpose,
    minutes: int,
    template: str,
    url: Callable[[str], str],
    key: str,
    now: datetime,
) -> None:
    """Mail ``user`` a new link for ``purpose``, valid ``minutes``; with no account, the same
    work unsent, so neither the answer nor its cost says whether an address has an account."""
    if user is None:
        raw = pretend_issue(session=session, now=now)
        pretend_mail(template, user=NOBODY, url=url(raw), minutes=minutes)
        return
    raw = issue(
        session=session, user=user, purpose=purpose, lifetime=timedelta(minutes=minutes), now=now
    )
    mail(
        session=session,
        key=f"{key}:{user.id}:{now.timestamp():.6f}",
        to=user.email,
        template=template,
        user=user,
        url=url(raw),
        minutes=minutes,
    )
