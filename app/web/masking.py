"""The masking preview step before a follow-up or reply is posted (app/redaction/preview.py)."""

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.models.complaint import Complaint
from app.redaction import preview
from app.web.templating import render


def message_step(
    request: Request,
    session: Session,
    complaint: Complaint,
    values: dict[str, str],
    *,
    action: str,
    back: str,
    label: str,
    edit: Callable[[], Response],
) -> Response | None:
    """A page to show instead of posting ("Edit" brings the form back with the text, or the
    preview of what will be published), or None to post now."""
    if values.get("step", "") == "edit":
        return edit()
    shown = preview.message_preview(
        session=session, complaint=complaint, values=values, label=label
    )
    if shown is None:
        return None
    context = {"complaint": complaint, "values": values, "action": action, "back": back}
    page = render(request, "redaction/message_preview.html", {**context, **shown.context()})
    page.headers["Cache-Control"] = "no-store"
    return page
