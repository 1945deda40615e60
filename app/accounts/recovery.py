"""Forgot password and change password. Neither says whether an address has an account; both end
every other login, since whoever knew the old password may be using one."""

from datetime import datetime

from sqlmodel import Session

from app.accounts import links, passwords, verification
from app.accounts import service as accounts
from app.clock import utcnow
from app.config import get_settings
from app.errors import Conflict
from app.models.token import Purpose
from app.models.user import User
from app.notify.compose import base_url


class WeakPassword(Conflict):
    status_code = 422


def request_reset(*, session: Session, email: str, now: datetime | None = None) -> None:
    """Mail a reset link if the address has an account; otherwise the same work, unsent."""
    links.send_or_pretend(
        session=session,
        user=accounts.get_by_email(session=session, email=email),
        purpose=Purpose.RESET_PASSWORD,
        minutes=get_settings().reset_link_minutes,
        template="account_reset",
        url=lambda raw: f"{base_url()}/account/reset/{raw}",
        key="reset",
        now=now or utcnow(),
    )


def _acceptable(user: User, password: str) -> None:
    if problem := passwords.problem(password, email=user.email, display_name=user.display_name):
        raise WeakPassword(problem)


def reset(*, session: Session, raw: str, password: str, now: datetime | None = None) -> User:
    """Use a reset link: the new password applies, every login ends, and (the link proved the
    address) complaints waiting for verification publish."""
    now = now or utcnow()
    _token, user = links.find(session=session, raw=raw, purpose=Purpose.RESET_PASSWORD, now=now)
    _acceptable(user, password)  # before using the link up, so a weak try can be corrected
    links.use(session=session, raw=raw, purpose=Purpose.RESET_PASSWORD, now=now)
    accounts.set_password(session=session, user=user, password=password)
    accounts.end_other_sessions(session=session, user=user)
    verification.mark_verified(session=session, user=user, now=now)
    return user


def change_password(
    *, session: Session, user: User, current: str, new: str, keep_token: str | None
) -> None:
    """After re-entering the current password; other logins end, this one stays."""
    if not accounts.check_password(user=user, password=current):
        raise verification.WrongPassword
    _acceptable(user, new)
    accounts.set_password(session=session, user=user, password=new)
    accounts.end_other_sessions(session=session, user=user, keep_token=keep_token)
