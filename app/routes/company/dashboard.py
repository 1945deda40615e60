"""The company dashboard: the queue and a rep's view of one complaint (saved replies: saved_replies.py).

Every page needs an active rep of a verified company (members.require_rep); everyone else gets 403,
and a complaint of another company is "not found" here, never shown.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.companies import members
from app.complaints import company as company_side
from app.dashboard import saved_replies, saved_views
from app.dashboard import service as dashboard
from app.db import must_get
from app.errors import DomainError, Forbidden, NotFound
from app.mailchannel import choice
from app.models.company import Company
from app.models.complaint import Category, Complaint, ResolutionType
from app.models.keys import pk
from app.models.user import User
from app.web import access, masking, queue_view, rep_case, rep_pages
from app.web.access import RepCase, RepComplaint
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, SessionDep
from app.web.forms import FormDep, text, undo
from app.web.ids import RecordId, parse_id
from app.web.pagination import Page
from app.web.templating import kept_block, render

router = APIRouter(prefix="/dashboard", dependencies=[Depends(require_csrf)])


def _back(company: Company, complaint: Complaint, kept: str) -> RedirectResponse:
    """Back to the complaint, still in the queue's view the rep came from."""
    where = f"/dashboard/{company.slug}/complaints/{complaint.id}"
    return RedirectResponse(f"{where}?{kept}" if kept else where, status_code=303)


# The queue -----------------------------------------------------------------------------------


@router.get("")
def index(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    memberships = members.companies_of(session=session, user=user)
    rows = []
    for member in memberships:
        company = must_get(session, Company, member.company_id)
        counts = dashboard.counts(session=session, company=company, user=user)
        rows.append((company, member, counts))
    rows.sort(key=lambda row: row[0].name.lower())
    return render(
        request,
        "dashboard/index.html",
        {"rows": rows, "Queue": dashboard.Queue, "cap": dashboard.COUNT_CAP},
    )


@router.get("/{slug}")
def queue(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    slug: str,
    queue: dashboard.Queue = dashboard.Queue.OPEN,
    page: int = 1,
) -> Response:
    # Checked here rather than as a dependency of its own: one thread hop per page, not two.
    viewer = access.company_viewer(session, user, slug)
    company, member, readonly, user = viewer.company, viewer.member, viewer.readonly, viewer.user
    filters = queue_view.filters_of(request.query_params)
    fresh = rep_pages.fresh(request, viewer)
    key = rep_pages.block_key(viewer)
    reps = fresh.shared(
        f"queue-reps:{key}",
        lambda: [
            (r.user_id, r.public_name)
            for r in company_side.active_reps(session=session, company_id=pk(company))
        ],
    )

    @cache
    def mine() -> int:  # the rep's own count: read only when their page is drawn (kept_page)
        return dashboard.mine_count(session=session, company=company, user=user, filters=filters)

    @cache  # both kept blocks draw from it
    def body() -> dict[str, Any]:
        counts = dashboard.shared_counts(session=session, company=company, filters=filters)
        # "mine" is filled per rep (fill), but its own queue's pager needs it here (that queue
        # is kept per rep).
        counts[dashboard.Queue.MINE] = mine() if queue is dashboard.Queue.MINE else 0
        pager = Page.of(page).with_total(counts[queue], cap=dashboard.COUNT_CAP)
        rows = dashboard.page(
            session=session,
            company=company,
            user=user,
            queue=queue,
            filters=filters,
            offset=pager.offset,
            limit=pager.size,
        )
        # Carried into each complaint, so every way back lands on this view and page.
        here = queue_view.queue_query(
            {**params, "queue": queue.value, "page": str(pager.number) if pager.number > 1 else ""}
        )
        saved = [] if readonly else saved_replies.list_for(session=session, company_id=pk(company))
        return {
            "company": company,
            "readonly": readonly,
            "queue": queue,
            "queues": dashboard.LABELS,
            "counts": counts,
            "cap": dashboard.COUNT_CAP,
            "rows": rows,
            "pager": pager,
            "filters": filters,
            "params": params,
            "row_query": here,
            "sorts": dashboard.SORT_LABELS,
            "categories": list(Category),
            "reps": reps,
            "saved": [(s.id, s.title) for s in saved],
        }

    params = {k: v for k, v in request.query_params.items() if k not in ("page", "queue") and v}

    def fill(kind: str, arg: str) -> str:
        if kind == "you":  # beside the rep's own name in the owner column
            return " (you)" if arg == str(user.id) else ""
        return "" if kind != "mine" else _capped(mine())

    def draw() -> Response:
        # Rendered once per change for every rep of the company (the rows of "mine" are the
        # rep's own, so that queue is rendered per rep); only the parts around it per rep.
        per = f"{key}:{user.id}" if queue is dashboard.Queue.MINE else key
        kept = {
            f"kept_{block}": kept_block(
                request, "dashboard/queue.html", body, fresh=fresh, block=block, key=per, fill=fill
            )
            for block in ("queue_search", "queue_body")
        }
        views = (
            []
            if readonly
            else [
                (v.id, v.name, v.query)
                for v in saved_views.list_for(session=session, company_id=pk(company), user=user)
            ]
        )
        channel = fresh.shared(
            f"queue-channel:{key}", lambda: choice.status(session=session, company=company)
        )
        return render(
            request,
            "dashboard/queue.html",
            {
                "company": company,
                "member": member,
                "readonly": readonly,
                "channel": channel,
                "queue": queue,
                "params": params,
                "views": views,
                **kept,
                **rep_pages.personal(viewer),
            },
        )

    return rep_pages.kept_page(request, fresh, viewer, draw)


def _capped(n: int) -> str:
    return f"{dashboard.COUNT_CAP:,}+" if n > dashboard.COUNT_CAP else str(n)


# One complaint, as the company's reps see it ---------------------------------------------------


@router.get("/{slug}/complaints/{complaint_id}")
def complaint_view(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, complaint_id: RecordId
) -> Response:
    # Checked here rather than as a dependency of its own: one thread hop per page, not two.
    case = access.viewer_complaint(session, user, slug, complaint_id)
    return rep_case.complaint_page(request, session, case)


def _act(
    request: Request,
    form: FormData,
    session: Session,
    case: RepCase,
    form_name: str,
    fields: tuple[str, ...],
    act: Callable[[Complaint, dict[str, str]], object],
) -> Response:
    """Run one company action on the complaint; a refusal re-shows the page with the text kept."""
    values = {name: text(form, name) for name in fields}
    kept = queue_view.carried(request.query_params, text(form, "from"))
    try:
        act(case.complaint, values)
    except IntegrityError:
        # The same form sent twice at once: the other request made the message first.
        session.rollback()
        submission_key = values.get("submission_key", "")
        if not masking.sent_already(session, case.complaint, case.rep.user, submission_key):
            raise
    except DomainError as exc:  # a refused transition is a Conflict (409)
        undo(session, case.complaint)
        return rep_case.complaint_page(
            request,
            session,
            case,
            error=str(exc),
            error_for=form_name,
            values=values,
            status_code=exc.status_code,
            came_from=kept,
        )
    if text(form, "then") == "next":
        return _to_next(case.rep.company, case.complaint, kept)
    return _back(case.rep.company, case.complaint, kept)


def _to_next(company: Company, complaint: Complaint, came_from: str) -> RedirectResponse:
    kept = queue_view.without_page(came_from)
    where = f"/dashboard/{company.slug}/next?after={complaint.id}"
    return RedirectResponse(f"{where}&{kept}" if kept else where, status_code=303)


@router.get("/{slug}/next")
def next_complaint(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, after: str = ""
) -> Response:
    """Open the complaint after ``after`` in the rep's queue, or the queue when none is left."""
    company = access.company_viewer(session, user, slug).company
    current = parse_id(after) or 0  # checked after access: a stranger learns nothing
    query = request.query_params
    found = dashboard.next_after(
        session=session,
        company=company,
        user=user,
        queue=queue_view.queue_of(query),
        filters=queue_view.filters_of(query),
        complaint_id=current,
    )
    kept = queue_view.without_page(queue_view.queue_query(query))
    suffix = f"?{kept}" if kept else ""
    if found is None:
        return RedirectResponse(f"/dashboard/{slug}{suffix}", status_code=303)
    return RedirectResponse(f"/dashboard/{slug}/complaints/{found}{suffix}", status_code=303)


def _user_id(value: str) -> int:
    if (found := parse_id(value)) is None:
        raise DomainError("Choose one of this company's active representatives.")
    return found


@router.post("/{slug}/complaints/{complaint_id}/assign")
def assign(request: Request, form: FormDep, session: SessionDep, case: RepComplaint) -> Response:
    return _act(
        request,
        form,
        session,
        case,
        "assign",
        ("assignee_id",),
        lambda c, v: company_side.assign(
            session=session, complaint=c, user=case.rep.user, assignee_id=_user_id(v["assignee_id"])
        ),
    )


@router.post("/{slug}/complaints/{complaint_id}/reply")
def reply(request: Request, form: FormDep, session: SessionDep, case: RepComplaint) -> Response:
    """A reply, public unless "private" is ticked; the "ask for more information" button sends
    info_request=1. Public text that would be masked is shown first (app/web/masking.py)."""
    slug, complaint = case.rep.company.slug, case.complaint
    fields = ("body", "info_request", "private", "submission_key", "step", "previewed")
    # "then" and "from" ride along through the preview, so the rep still goes on to the next.
    values = {name: text(form, name) for name in (*fields, "then", "from")}
    kept = queue_view.carried(request.query_params, values["from"])
    if shown := masking.message_step(
        request,
        session,
        complaint,
        values,
        action=f"/dashboard/{slug}/complaints/{complaint.id}/reply",
        back=f"/dashboard/{slug}/complaints/{complaint.id}" + (f"?{kept}" if kept else ""),
        label="Your reply",
        edit=lambda: rep_case.complaint_page(
            request, session, case, error_for="reply", values=values, came_from=kept
        ),
    ):
        return shown
    return _act(
        request,
        form,
        session,
        case,
        "reply",
        ("body", "info_request", "private", "submission_key"),
        lambda c, v: company_side.reply(
            session=session,
            complaint=c,
            user=case.rep.user,
            body=v["body"],
            info_request=v["info_request"] == "1",
            private=v["private"] == "on",
            submission_key=v["submission_key"][:64] or None,
        ),
    )


@router.post("/{slug}/complaints/{complaint_id}/note")
def note(request: Request, form: FormDep, session: SessionDep, case: RepComplaint) -> Response:
    return _act(
        request,
        form,
        session,
        case,
        "note",
        ("note",),
        lambda c, v: company_side.add_note(
            session=session, complaint=c, user=case.rep.user, body=v["note"]
        ),
    )


@router.post("/{slug}/complaints/{complaint_id}/notes/{note_id}/edit")
def edit_note(
    request: Request, form: FormDep, session: SessionDep, case: RepComplaint, note_id: RecordId
) -> Response:
    """Only a note's author may change it; a refused edit keeps what was typed."""
    typed = text(form, "note_body")
    kept = queue_view.carried(request.query_params, text(form, "from"))
    try:
        company_side.edit_note(
            session=session,
            complaint=case.complaint,
            user=case.rep.user,
            note_id=note_id,
            body=typed,
        )
    except NotFound:
        raise
    except DomainError as exc:
        # Someone else's note: the text comes back in "Add a note", to be saved as their own.
        mine = not isinstance(exc, Forbidden)
        return rep_case.complaint_page(
            request,
            session,
            case,
            error=str(exc),
            error_for=f"note-{note_id}" if mine else "note",
            values={"note_body": typed} if mine else {"note": typed},
            status_code=exc.status_code,
            came_from=kept,
        )
    return _back(case.rep.company, case.complaint, kept)


def _resolution(value: str) -> ResolutionType:
    try:
        return ResolutionType(value)
    except ValueError:
        raise DomainError("Choose how the complaint was resolved.") from None


@router.post("/{slug}/complaints/{complaint_id}/resolve")
def resolve(request: Request, form: FormDep, session: SessionDep, case: RepComplaint) -> Response:
    return _act(
        request,
        form,
        session,
        case,
        "resolve",
        ("resolution_type", "message"),
        lambda c, v: company_side.resolve(
            session=session,
            complaint=c,
            user=case.rep.user,
            resolution_type=_resolution(v["resolution_type"]),
            body=v["message"],
        ),
    )


@router.post("/{slug}/complaints/{complaint_id}/use-saved")
def use_saved(request: Request, form: FormDep, session: SessionDep, case: RepComplaint) -> Response:
    """The no-JavaScript way to insert a saved reply: re-show the form with its text added.
    Changes nothing; a POST only so the text typed so far comes along."""
    body, chosen = text(form, "body"), text(form, "saved_id")
    kept = queue_view.carried(request.query_params, text(form, "from"))
    if (saved_id := parse_id(chosen)) is None:
        return rep_case.complaint_page(
            request,
            session,
            case,
            error="Choose a saved reply to insert.",
            error_for="reply",
            values={"body": body},
            status_code=422,
            came_from=kept,
        )
    company, complaint = case.rep.company, case.complaint
    saved = saved_replies.get(session=session, company_id=pk(company), saved_id=saved_id)
    author = must_get(session, User, complaint.author_id)
    filled = saved_replies.fill(saved.body, complaint=complaint, author=author, company=company)
    combined = f"{body.rstrip()}\n\n{filled}" if body.strip() else filled
    return rep_case.complaint_page(
        request, session, case, values={"body": combined}, came_from=kept
    )
