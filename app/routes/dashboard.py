"""The company dashboard: the queue and a rep's view of one complaint (saved replies: saved_replies.py).

Every page needs an active rep of a verified company (members.require_rep); everyone else gets 403,
and a complaint of another company is "not found" here, never shown.
"""

from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.companies import members
from app.companies import service as companies
from app.complaints import company as company_side
from app.complaints import gate
from app.complaints import service as complaints
from app.complaints.flags import flags
from app.complaints.states import allowed_actions
from app.dashboard import saved_replies, saved_views
from app.dashboard import service as dashboard
from app.errors import DomainError, NotFound
from app.models.company import Company
from app.models.complaint import Category, Complaint, ResolutionType, Side
from app.models.membership import CompanyMember, Role
from app.models.user import User
from app.moderation.view import hidden_messages
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, SessionDep
from app.web.forms import FormDep, text
from app.web.ids import RecordId, parse_id
from app.web.pagination import Page
from app.web.templating import render

router = APIRouter(prefix="/dashboard", dependencies=[Depends(require_csrf)])


def rep_of(session: Session, slug: str, user: User) -> tuple[Company, CompanyMember]:
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    return company, members.require_rep(session=session, company_id=company.id, user=user)


def viewer_of(session: Session, slug: str, user: User) -> tuple[Company, CompanyMember, bool]:
    """A rep, or an admin reading the dashboard (read only: True) without acting for the
    company; admins see neither private references nor internal notes."""
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    if (
        user.is_admin
        and members.membership(session=session, company_id=company.id, user=user) is None
    ):
        # A stand-in that is never saved: the templates name the viewer through it.
        stand_in = CompanyMember(
            company_id=company.id, user_id=user.id, role=Role.AGENT, public_name=user.display_name
        )
        return company, stand_in, True
    return company, members.require_rep(session=session, company_id=company.id, user=user), False


def _complaint_of(session: Session, company: Company, complaint_id: int) -> Complaint:
    complaint = complaints.get(session=session, complaint_id=complaint_id)
    # A complaint waiting for its author's verification or for review has not reached them yet.
    if complaint is None or complaint.company_id != company.id or gate.is_waiting(complaint):
        raise NotFound("There is no complaint with that number in this company's queue.")
    return complaint


def _back(company: Company, complaint: Complaint) -> RedirectResponse:
    return RedirectResponse(f"/dashboard/{company.slug}/complaints/{complaint.id}", status_code=303)


# The queue -----------------------------------------------------------------------------------


@router.get("")
def index(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    memberships = members.companies_of(session=session, user=user)
    rows = []
    for member in memberships:
        company = companies.get(session=session, company_id=member.company_id)
        counts = dashboard.counts(session=session, company=company, user=user)
        rows.append((company, member, counts))
    rows.sort(key=lambda row: row[0].name.lower())
    return render(
        request,
        "dashboard/index.html",
        {"rows": rows, "Queue": dashboard.Queue, "cap": dashboard.COUNT_CAP},
    )


def _filters(request: Request) -> dashboard.Filters:
    """The rep's search from the address; a value that means nothing is ignored."""
    return _filters_of(request.query_params)


def _filters_of(query: Mapping[str, str]) -> dashboard.Filters:
    category = query.get("category", "")
    assignee = query.get("assignee", "")
    sort = query.get("sort", "")

    def number(name: str, most: int) -> int:
        value = query.get(name, "")
        return min(int(value), most) if value.isdigit() and len(value) < 7 else 0

    return dashboard.Filters(
        q=query.get("q", "").strip()[:200],
        category=Category(category) if category in Category._value2member_map_ else None,
        assignee=int(assignee) if assignee.isdigit() and len(assignee) < 10 else None,
        min_cosigns=number("cosigns", 1_000_000),
        older_than_days=number("older", 3650),
        sort=dashboard.Sort(sort)
        if sort in dashboard.Sort._value2member_map_
        else dashboard.Sort.DUE,
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
    company, member, readonly = viewer_of(session, slug, user)
    filters = _filters(request)
    counts = dashboard.counts(session=session, company=company, user=user, filters=filters)
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
    params = {k: v for k, v in request.query_params.items() if k not in ("page", "queue") and v}
    return render(
        request,
        "dashboard/queue.html",
        {
            "company": company,
            "member": member,
            "readonly": readonly,
            "queue": queue,
            "queues": dashboard.LABELS,
            "counts": counts,
            "cap": dashboard.COUNT_CAP,
            "rows": rows,
            "pager": pager,
            "filters": filters,
            "params": params,
            "sorts": dashboard.SORT_LABELS,
            "categories": list(Category),
            "reps": company_side.active_reps(session=session, company_id=company.id),
            "saved": saved_replies.list_for(session=session, company_id=company.id)
            if not readonly
            else [],
            "views": saved_views.list_for(session=session, company_id=company.id, user=user)
            if not readonly
            else [],
        },
    )


# One complaint, as the company's reps see it ---------------------------------------------------


def _complaint_page(
    request: Request,
    session: Session,
    company: Company,
    member: CompanyMember,
    complaint: Complaint,
    *,
    error: str | None = None,
    error_for: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
    readonly: bool = False,
) -> Response:
    attempts = complaints.contact_attempts(session=session, complaint_ids=[complaint.id])
    author = session.get(User, complaint.author_id)
    return render(
        request,
        "dashboard/complaint.html",
        {
            "company": company,
            "member": member,
            "complaint": complaint,
            "author": author,
            "flags": flags(complaint),
            "contact": complaints.contact_summary(attempts[complaint.id], complaint.contact_since),
            "timeline": complaints.timeline(session=session, complaint=complaint),
            # A message a moderator hid is hidden from reps too (unless they wrote it).
            "hidden_messages": hidden_messages(session=session, complaint_id=complaint.id),
            "notes": [] if readonly else company_side.notes(session=session, complaint=complaint),
            "assignee": company_side.assignee_member(session=session, complaint=complaint),
            "reps": company_side.active_reps(session=session, company_id=company.id),
            "names": company_side.public_names(session=session, company_id=company.id),
            "saved": saved_replies.list_for(session=session, company_id=company.id),
            "fill": lambda body: saved_replies.fill(
                body, complaint=complaint, author=author, company=company
            ),
            "actions": [] if readonly else allowed_actions(complaint.state, Side.COMPANY),
            "readonly": readonly,
            "resolution_types": list(ResolutionType),
            "error": error,
            "error_for": error_for,
            "values": values or {},
            "came_from": queue_query(request.query_params),
        },
        status_code=status_code,
    )


@router.get("/{slug}/complaints/{complaint_id}")
def complaint_view(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, complaint_id: RecordId
) -> Response:
    company, member, readonly = viewer_of(session, slug, user)
    complaint = _complaint_of(session, company, complaint_id)
    return _complaint_page(request, session, company, member, complaint, readonly=readonly)


def _act(
    request: Request,
    form: FormData,
    session: Session,
    user: User,
    slug: str,
    complaint_id: RecordId,
    form_name: str,
    fields: tuple[str, ...],
    act: Callable[[Complaint, dict[str, str]], object],
) -> Response:
    """Run one company action on the complaint; a refusal re-shows the page with the text kept."""
    company, member = rep_of(session, slug, user)
    complaint = _complaint_of(session, company, complaint_id)
    values = {name: text(form, name) for name in fields}
    try:
        act(complaint, values)
    except DomainError as exc:  # a refused transition is a Conflict (409)
        session.rollback()
        session.refresh(complaint)
        return _complaint_page(
            request,
            session,
            company,
            member,
            complaint,
            error=str(exc),
            error_for=form_name,
            values=values,
            status_code=exc.status_code,
        )
    if text(form, "then") == "next":
        return _to_next(company, complaint, text(form, "from"))
    return _back(company, complaint)


# The queue's own parameters, carried from the queue to a complaint and on to the next one.
QUEUE_PARAMS = ("queue", "q", "category", "assignee", "cosigns", "older", "sort")


def queue_query(query: Mapping[str, str]) -> str:
    return urlencode([(k, query[k]) for k in QUEUE_PARAMS if query.get(k)])


def _to_next(company: Company, complaint: Complaint, came_from: str) -> RedirectResponse:
    kept = queue_query(dict(parse_qsl(came_from)))
    where = f"/dashboard/{company.slug}/next?after={complaint.id}"
    return RedirectResponse(f"{where}&{kept}" if kept else where, status_code=303)


@router.get("/{slug}/next")
def next_complaint(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, after: str = ""
) -> Response:
    """Open the complaint after ``after`` in the rep's queue, or the queue when none is left."""
    company, _member, _readonly = viewer_of(session, slug, user)
    current = parse_id(after) or 0  # checked after access: a stranger learns nothing
    query = request.query_params
    wanted = query.get("queue", "")
    queue = (
        dashboard.Queue(wanted)
        if wanted in dashboard.Queue._value2member_map_
        else dashboard.Queue.OPEN
    )
    found = dashboard.next_after(
        session=session,
        company=company,
        user=user,
        queue=queue,
        filters=_filters_of(query),
        complaint_id=current,
    )
    kept = queue_query(query)
    suffix = f"?{kept}" if kept else ""
    if found is None:
        return RedirectResponse(f"/dashboard/{slug}{suffix}", status_code=303)
    return RedirectResponse(f"/dashboard/{slug}/complaints/{found}{suffix}", status_code=303)


def _user_id(value: str) -> int:
    if (found := parse_id(value)) is None:
        raise DomainError("Choose one of this company's active representatives.")
    return found


@router.post("/{slug}/complaints/{complaint_id}/assign")
def assign(
    request: Request,
    form: FormDep,
    session: SessionDep,
    user: CurrentUser,
    slug: str,
    complaint_id: RecordId,
) -> Response:
    return _act(
        request,
        form,
        session,
        user,
        slug,
        complaint_id,
        "assign",
        ("assignee_id",),
        lambda c, v: company_side.assign(
            session=session, complaint=c, user=user, assignee_id=_user_id(v["assignee_id"])
        ),
    )


@router.post("/{slug}/complaints/{complaint_id}/reply")
def reply(
    request: Request,
    form: FormDep,
    session: SessionDep,
    user: CurrentUser,
    slug: str,
    complaint_id: RecordId,
) -> Response:
    """A public reply; the "ask for more information" button sends info_request=1."""
    return _act(
        request,
        form,
        session,
        user,
        slug,
        complaint_id,
        "reply",
        ("body", "info_request"),
        lambda c, v: company_side.reply(
            session=session,
            complaint=c,
            user=user,
            body=v["body"],
            info_request=v["info_request"] == "1",
        ),
    )


@router.post("/{slug}/complaints/{complaint_id}/note")
def note(
    request: Request,
    form: FormDep,
    session: SessionDep,
    user: CurrentUser,
    slug: str,
    complaint_id: RecordId,
) -> Response:
    return _act(
        request,
        form,
        session,
        user,
        slug,
        complaint_id,
        "note",
        ("note",),
        lambda c, v: company_side.add_note(session=session, complaint=c, user=user, body=v["note"]),
    )


def _resolution(value: str) -> ResolutionType:
    try:
        return ResolutionType(value)
    except ValueError:
        raise DomainError("Choose how the complaint was resolved.") from None


@router.post("/{slug}/complaints/{complaint_id}/resolve")
def resolve(
    request: Request,
    form: FormDep,
    session: SessionDep,
    user: CurrentUser,
    slug: str,
    complaint_id: RecordId,
) -> Response:
    return _act(
        request,
        form,
        session,
        user,
        slug,
        complaint_id,
        "resolve",
        ("resolution_type", "message"),
        lambda c, v: company_side.resolve(
            session=session,
            complaint=c,
            user=user,
            resolution_type=_resolution(v["resolution_type"]),
            body=v["message"],
        ),
    )


@router.post("/{slug}/complaints/{complaint_id}/use-saved")
def use_saved(
    request: Request,
    form: FormDep,
    session: SessionDep,
    user: CurrentUser,
    slug: str,
    complaint_id: RecordId,
) -> Response:
    """The no-JavaScript way to insert a saved reply: re-show the form with its text added.
    Changes nothing; a POST only so the text typed so far comes along."""
    company, member = rep_of(session, slug, user)
    complaint = _complaint_of(session, company, complaint_id)
    body, chosen = text(form, "body"), text(form, "saved_id")
    if (saved_id := parse_id(chosen)) is None:
        return _complaint_page(
            request,
            session,
            company,
            member,
            complaint,
            error="Choose a saved reply to insert.",
            error_for="reply",
            values={"body": body},
            status_code=422,
        )
    saved = saved_replies.get(session=session, company_id=company.id, saved_id=saved_id)
    author = session.get(User, complaint.author_id)
    filled = saved_replies.fill(saved.body, complaint=complaint, author=author, company=company)
    combined = f"{body.rstrip()}\n\n{filled}" if body.strip() else filled
    return _complaint_page(request, session, company, member, complaint, values={"body": combined})
