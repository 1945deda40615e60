"""Mail from templates: templates/mail/<name>.txt (plain text, its ``subject`` variable is the
subject) and templates/mail/<name>.html (autoescaped), queued with unsubscribe headers."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import Session

from app.complaints.flags import flags
from app.config import get_settings
from app.models.job import Job
from app.notify import unsubscribe
from app.notify.mail import queue_mail
from app.text import humanize
from app.text.markdown import render as markdown

MAIL_DIR = Path(__file__).resolve().parents[2] / "templates" / "mail"

_env = Environment(
    loader=FileSystemLoader(MAIL_DIR),
    # HTML parts are escaped; plain-text parts are not HTML, so escaping would garble them.
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters.update(
    markdown=markdown,
    day=humanize.day,
    timestamp=humanize.timestamp,
    deadline=lambda complaint: flags(complaint).deadline,
)


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def base_url() -> str:
    return get_settings().base_url.rstrip("/")


def render(name: str, **context: Any) -> Mail:
    ctx = {"base_url": base_url(), **context}
    text = _env.get_template(f"{name}.txt").make_module(ctx)
    return Mail(
        subject=str(text.subject),  # type: ignore[attr-defined] - set by the template
        text=str(text),
        html=_env.get_template(f"{name}.html").render(ctx),
    )


def queue(
    *,
    session: Session,
    key: str,
    to: str,
    template: str,
    unsubscribe_token: str,
    then: str | None = None,
    data: dict[str, Any] | None = None,
    **context: Any,
) -> Job:
    """Render and queue one notification; every one carries its unsubscribe link (RFC 8058)."""
    page, one_click = unsubscribe.urls(unsubscribe_token)
    mail = render(template, unsubscribe_url=page, **context)
    return queue_mail(
        session=session,
        key=key,
        to=to,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        headers={
            "List-Unsubscribe": f"<{one_click}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        then=then,
        data=data,
    )
