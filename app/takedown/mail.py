"""The procedure's mail: legal notices, sent whatever the recipient's mail preferences (they are
not notifications one can unsubscribe from). Plain text from templates/takedown/mail/."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlmodel import Session

from app.config import get_settings
from app.models.takedown import TakedownNotice
from app.models.user import User
from app.notify.mail import queue_mail
from app.takedown.calendar import UK

MAIL_DIR = Path(__file__).resolve().parents[2] / "templates" / "takedown" / "mail"


def uk_time(value: datetime | None) -> str:
    """'Friday 27 November 2026, 15:00 GMT': the Regulations count in UK time."""
    if value is None:
        return ""
    local = value.astimezone(UK)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M %Z}"


def uk_day_ending(value: datetime | None) -> str:
    """For a midnight deadline: 'the end of Saturday 28 November 2026 (UK time)'."""
    if value is None:
        return ""
    local = (value - timedelta(seconds=1)).astimezone(UK)
    return f"midnight at the end of {local:%A} {local.day} {local:%B %Y} (UK time)"


_env = Environment(
    loader=FileSystemLoader(MAIL_DIR),
    autoescape=False,  # noqa: S701 - plain text mail, never HTML
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters.update(uk_time=uk_time, uk_day_ending=uk_day_ending)


def base_url() -> str:
    return get_settings().base_url.rstrip("/")


def _queue(session: Session, *, key: str, to: str, template: str, **ctx: Any) -> None:
    module = _env.get_template(f"{template}.txt").make_module({"base_url": base_url(), **ctx})
    queue_mail(
        session=session,
        key=f"takedown:{key}",
        to=to,
        subject=str(module.subject),  # type: ignore[attr-defined]  # set by the template
        text=str(module),
    )


def acknowledge(*, session: Session, notice: TakedownNotice, token: str) -> None:
    _queue(
        session,
        key=f"{notice.id}:received",
        to=notice.complainant_email,
        template="received",
        notice=notice,
        status_url=f"{base_url()}/takedown/status/{token}",
    )


def forward(*, session: Session, notice: TakedownNotice, poster: User) -> None:
    _queue(
        session,
        key=f"{notice.id}:forward",
        to=poster.email,
        template="forward",
        notice=notice,
        poster=poster,
        answer_url=f"{base_url()}/takedown/{notice.id}/answer",
    )


def tell_forwarded(*, session: Session, notice: TakedownNotice) -> None:
    _queue(
        session,
        key=f"{notice.id}:forwarded",
        to=notice.complainant_email,
        template="forwarded",
        notice=notice,
    )


def tell_objection(*, session: Session, notice: TakedownNotice) -> None:
    _queue(
        session,
        key=f"{notice.id}:objection",
        to=notice.complainant_email,
        template="objection",
        notice=notice,
    )


def removed(*, session: Session, notice: TakedownNotice, why: str) -> None:
    """The complainant hears of it; the poster's statement of reasons (DSA art. 17) comes from
    app/moderation/service.set_visibility, with the public reason that names the procedure."""
    _queue(
        session,
        key=f"{notice.id}:removed:complainant",
        to=notice.complainant_email,
        template="removed_complainant",
        notice=notice,
        why=why,
    )
