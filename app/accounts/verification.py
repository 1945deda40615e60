"""Proving an email address: at sign-up (complaints publish once it is proven) and when the
address changes (the new one must be proven before it replaces the old one)."""

from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts import links
from app.accounts import service as accounts
from app.clock import utcnow
from app.complaints import gate
from app.config import get_settings
from app.errors import Conflict
from app.models.complaint import Complaint
from app.models.token import Purpose
from app.models.user import User
from app.notify.compose import base_url


def _hours() -> int:
    return get_settings().verify_link_hours


def sign_up(
    *, session: Session, email: str, password: str, display_name: str, next_path: str = "/"
) -> None:
    """A new account (unverified) and its link; for an address that has an account, the same
    cost (a password hashed) and a mail telling its owner, nothing else."""
    if (owner := accounts.get_by_email(session=session, email=email)) is None:
        try:
            with session.begin_nested():
                user = accounts.create_user(
                    session=session,
                    email=email,
                    password=password,
                    display_name=display_name,
                    verified=False,
                )
        except (Conflict, IntegrityError):  # signed up a moment ago, elsewhere
            return
        send_verification(session=session, user=user, next_path=next_path)
        return
    accounts.hash_password(password)
    links.mail(
        session=session,
        key=f"address-in-use:{owner.id}:{utcnow().timestamp():.6f}",
        to=owner.email,
        template="account_address_in_use",
        user=owner,
        attempt="create an Outcry account",
    )


def send_verification(
    *, session: Session, user: User, next_path: str = "/", now: datetime | None = None
) -> None:
    """Mail a link proving the account's address (a new one retires the last); using it also
    signs in, then goes to ``next_path``."""
    now = now or utcnow()
    raw = links.issue(
        session=session,
        user=user,
        purpose=Purpose.VERIFY_EMAIL,
        lifetime=timedelta(hours=_hours()),
        now=now,
    )
    links.mail(
        session=session,
        key=f"verify-email:{user.id}:{now.timestamp():.6f}",
        to=user.email,
        template="account_verify",
        user=user,
        url=f"{base_url()}/account/verify/{raw}"
        + (f"?next={quote(next_path, safe='/')}" if next_path != "/" else ""),
        hours=_hours(),
    )


def verify(
    *, session: Session, raw: str, now: datetime | None = None
) -> tuple[User, list[Complaint]]:
    """Use a sign-up link: the address is proven and the complaints waiting for it publish.
    Returns whose address it was and the complaints that went public."""
    now = now or utcnow()
    _token, user = links.use(session=session, raw=raw, purpose=Purpose.VERIFY_EMAIL, now=now)
    return user, mark_verified(session=session, user=user, now=now)


def mark_verified(*, session: Session, user: User, now: datetime | None = None) -> list[Complaint]:
    """Any proof of the address (a verify link, a used reset link) publishes what waited."""
    now = now or utcnow()
    if user.email_verified_at is None:
        user.email_verified_at = now
        session.add(user)
        session.flush()
    return gate.publish_verified(session=session, user=user, now=now)


def request_email_change(
    *,
    session: Session,
    user: User,
    password: str,
    new_email: str,
    keep_token: str | None,
    now: datetime | None = None,
) -> None:
    """After re-entering the password: mail a link to the new address, and end the account's
    other logins (someone who knows the password may be using them)."""
    now = now or utcnow()
    if not accounts.check_password(user=user, password=password):
        raise WrongPassword
    new_email = accounts.normalize_email(new_email)
    if new_email == user.email:
        raise Conflict("That is already your email address.")
    owner = accounts.get_by_email(session=session, email=new_email)
    user.pending_email = new_email
    session.add(user)
    accounts.end_other_sessions(session=session, user=user, keep_token=keep_token)
    raw = links.issue(
        session=session,
        user=user,
        purpose=Purpose.CHANGE_EMAIL,
        lifetime=timedelta(hours=_hours()),
        now=now,
    )
    if owner is not None:
        # The same answer as for a free address; the address's owner is told instead, and the
        # link (never sent) could not move a second account onto it anyway.
        links.mail(
            session=session,
            key=f"address-in-use:{owner.id}:{now.timestamp():.6f}",
            to=owner.email,
            template="account_address_in_use",
            user=owner,
            attempt="move another Outcry account to this address",
        )
        return
    links.mail(
        session=session,
        key=f"change-email:{user.id}:{now.timestamp():.6f}",
        to=new_email,
        template="account_change_email",
        user=user,
        url=f"{base_url()}/account/email/confirm/{raw}",
        hours=_hours(),
    )


def confirm_email_change(
    *, session: Session, raw: str, keep_token: str | None, now: datetime | None = None
) -> User:
    """Use a change link: the new address replaces the old, which is told, and every other
    login ends."""
    now = now or utcnow()
    _token, user = links.use(session=session, raw=raw, purpose=Purpose.CHANGE_EMAIL, now=now)
    new_email = user.pending_email
    if not new_email:
        raise links.LinkGone("This change was cancelled or already made.")
    if accounts.get_by_email(session=session, email=new_email):
        raise Conflict("Another account now uses that address, so it cannot be yours too.")
    old_email = user.email
    user.email, user.pending_email = new_email, None
    session.add(user)
    session.flush()
    accounts.end_other_sessions(session=session, user=user, keep_token=keep_token)
    links.mail(
        session=session,
        key=f"email-changed:{user.id}:{now.timestamp():.6f}",
        to=old_email,
        template="account_email_changed",
        user=user,
        new_email=new_email,
    )
    mark_verified(session=session, user=user, now=now)
    return user


class WrongPassword(Conflict):
    status_code = 403

    def __init__(self) -> None:
        super().__init__("That is not your current password.")
