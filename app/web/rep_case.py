"""The rep's page for one complaint, shown by the dashboard's routes and again, with the text kept,
when one of its forms is refused."""

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.complaints import company as company_side
from app.complaints import reading, turn
from app.complaints.flags import flags
from app.complaints.states import allowed_actions
from app.dashboard import saved_replies
from app.dashboard.history import history
from app.db import must_get
from app.models.complaint import ResolutionType, Side
from app.models.keys import pk
from app.models.user import User
from app.moderation.queries import hidden_messages
from app.web import queue_view, rep_pages
from app.web.access import RepCase
from app.web.templating import kept_block, render


def complaint_page(
    request: Request,
    session: Session,
    case: RepCase,
    *,
    error: str | None = None,
    error_for: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
    came_from: str | None = None,
) -> Response:
    """The plain view (no refused form to show again) is kept by the company's and the
    complaint's version for this rep (app/web/rep_pages.py); each visit fills in its CSRF token
    and a fresh key for the reply form."""
    plain = error is None and not error_for and values is None and came_from is None
    if plain and status_code == 200:
        fresh = rep_pages.fresh(request, case.rep, complaint=case.complaint)
        key = rep_pages.block_key(case.rep, case.rep.user.id)

        def draw() -> Response:
            kept = kept_block(
                request,
                "dashboard/complaint.html",
                lambda: _context(request, session, case, submission_key=rep_pages.FORM_KEY),
                fresh=fresh,
                block="content",
                key=key,
                fill=lambda _kind, _arg: "",
            )
            context = {
                "company": case.rep.company,
                "complaint": case.complaint,
                "kept_content": kept,
                **rep_pages.personal(case.rep),
            }
            return render(request, "dashboard/complaint.html", context)

        return rep_pages.kept_page(request, fresh, case.rep, draw)
    context = _context(
        request,
        session,
        case,
        error=error,
        error_for=error_for,
        values=values,
        came_from=came_from,
        submission_key=(values or {}).get("submission_key") or uuid.uuid4().hex,
    )
    return render(request, "dashboard/complaint.html", context, status_code=status_code)


def _context(
    request: Request,
    session: Session,
    case: RepCase,
    *,
    submission_key: str,
    error: str | None = None,
    error_for: str = "",
    values: dict[str, str] | None = None,
    came_from: str | None = None,
) -> dict[str, Any]:
    company, member, readonly = case.rep.company, case.rep.member, case.rep.readonly
    complaint = case.complaint
    attempts = reading.contact_attempts(session=session, complaint_ids=[pk(complaint)])
    # The author's row is kept while the complaint exists (the foreign key restricts deletes).
    author = must_get(session, User, complaint.author_id)
    return {
        "company": company,
        "member": member,
        "viewer_id": case.rep.user.id,
        "complaint": complaint,
        "author": author,
        "flags": flags(complaint),
        "turn": turn.current(complaint),
        "contact": reading.contact_summary(attempts[pk(complaint)], complaint.contact_since),
        "timeline": reading.timeline(session=session, complaint=complaint),
        # A message a moderator hid is hidden from reps too (unless they wrote it).
        "hidden_messages": hidden_messages(session=session, complaint_id=pk(complaint)),
        "notes": [] if readonly else company_side.notes(session=session, complaint=complaint),
        "history": history(session=session, complaint=complaint),
        "assignee": company_side.assignee_member(session=session, complaint=complaint),
        "reps": company_side.active_reps(session=session, company_id=pk(company)),
        "names": company_side.public_names(session=session, company_id=pk(company)),
        "saved": saved_replies.list_for(session=session, company_id=pk(company)),
        "fill": lambda body: saved_replies.fill(
            body, complaint=complaint, author=author, company=company
        ),
        "actions": [] if readonly else allowed_actions(complaint.state, Side.COMPANY),
        "readonly": readonly,
        "resolution_types": list(ResolutionType),
        "error": error,
        "error_for": error_for,
        "values": values or {},
        "submission_key": submission_key,
        "came_from": queue_view.queue_query(request.query_params)
        if came_from is None
        else came_from,
    }
