"""Posting a follow-up or reply: the masking preview step first (app/redaction/preview.py), and\nthe same form sent twice at once answered with the first one's result."""

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.complaints import service as complaints
from app.models.complaint import Complaint
from app.models.user import User
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


def sent_already(session: Session, complaint: Complaint, user: User, submission_key: str) -> bool:
    """After a unique-key conflict (and its rollback): did this form's message get made by the
    other of two simultaneous sends? Then this send's answer is the same as that one's."""
    return (
        complaints.already_sent(
            session=session, complaint=complaint, user=user, submission_key=submission_key[:64]
        )
        is not None
    )
