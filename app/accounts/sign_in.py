"""One-time sign-in links: the owner of an account gets in through a mailed link, even while
wrong passwords typed elsewhere (or by them) have limited logins from their address.

Asking for a link answers the same whether or not the address has an account, and does the same
work either way (a token made and hashed, the mail rendered); only an existing account's mail is
queued.
"""

from datetime import datetime

from sqlmodel import Session

from app.accounts import links, verification
from app.accounts import service as accounts
from app.clock import utcnow
from app.models.token import Purpose
from app.models.user import User
from app.notify.compose import base_url

LINK_MINUTES = 15


def request_link(*, session: Session, email: str, now: datetime | None = None) -> None:
    """Mail a sign-in link if the address has an account; otherwise the same steps, unsent."""
    links.send_or_pretend(
        session=session,
        user=accounts.get_by_email(session=session, email=email),
        purpose=Purpose.SIGN_IN,
        minutes=LINK_MINUTES,
        template="account_sign_in",
        url=_url,
        key="sign-in",
        now=now or utcnow(),
    )


def _url(raw: str) -> str:
    return f"{base_url()}/login/link/{raw}"


def use_link(*, session: Session, raw: str, now: datetime | None = None) -> User:
    """Use the link up and return its account; the link proved the address, too."""
    now = now or utcnow()
    _token, user = links.use(session=session, raw=raw, purpose=Purpose.SIGN_IN, now=now)
    verification.mark_verified(session=session, user=user, now=now)
    return user
