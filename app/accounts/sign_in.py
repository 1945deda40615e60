"""One-time sign-in links: the owner of an account gets in through a mailed link, even while
wrong passwords typed elsewhere (or by them) have limited logins from their address.

Asking for a link answers the same whether or not the address has an account, and does the same
work either way (a token made and hashed, the mail rendered); only an existing account's mail is
queued.
"""

from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlmodel import Session

from app.accounts import links, verification
from app.accounts import service as accounts
from app.clock import utcnow
from app.models.token import Purpose
from app.models.user import User
from app.notify.compose import base_url

LINK_MINUTES = 15
NOBODY = SimpleNamespace(display_name="there")  # renders a mail as for an account


def request_link(*, session: Session, email: str, now: datetime | None = None) -> None:
    """Mail a sign-in link if the address has an account; otherwise the same steps, unsent."""
    now = now or utcnow()
    user = accounts.get_by_email(session=session, email=email)
    if user is None:
        raw = links.pretend_issue(session=session, now=now)
        links.pretend_mail("account_sign_in", user=NOBODY, url=_url(raw), minutes=LINK_MINUTES)
        return
    raw = links.issue(
        session=session,
        user=user,
        purpose=Purpose.SIGN_IN,
        lifetime=timedelta(minutes=LINK_MINUTES),
        now=now,
    )
    links.mail(
        session=session,
        key=f"sign-in:{user.id}:{now.timestamp():.6f}",
        to=user.email,
        template="account_sign_in",
        user=user,
        url=_url(raw),
        minutes=LINK_MINUTES,
    )


def _url(raw: str) -> str:
    return f"{base_url()}/login/link/{raw}"


def use_link(*, session: Session, raw: str, now: datetime | None = None) -> User:
    """Use the link up and return its account; the link proved the address, too."""
    now = now or utcnow()
    _token, user = links.use(session=session, raw=raw, purpose=Purpose.SIGN_IN, now=now)
    verification.mark_verified(session=session, user=user, now=now)
    return user
