"""JSON API v1: complaints and companies. Errors are RFC 9457 problem details."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from app.companies import service as companies
from app.companies.service import CompanyChoiceNeeded
from app.complaints import gate, reading, visibility
from app.complaints import service as complaints
from app.complaints.public import company_public, complaint_public
from app.complaints.touch import site_last_change
from app.errors import NotFound
from app.models.company import CompanyPublic
from app.models.complaint import (
    Category,
    ComplaintCreate,
    ComplaintPublic,
    ComplaintState,
    IsoDate,
)
from app.models.user import User
from app.redaction import service as redaction
from app.search import params as search_params
from app.search import service as searching
from app.web import caching, ratelimit
from app.web.api_schema import LIMITED, PROBLEMS, DbId, Limit, Offset, Paged, problem_doc
from app.web.deps import CurrentUser, SessionDep
from app.web.errors import problem
from app.web.forms import undo

router = APIRouter(prefix="/api/v1", tags=["api"])


def _publics(session: SessionDep, rows: list) -> list[ComplaintPublic]:
    attempts = reading.contact_attempts(session=session, complaint_ids=[c.id for c, _, _ in rows])
    return [complaint_public(c, co, u, attempts[c.id]) for c, co, u in rows]


@router.get("/complaints", response_model=Paged[ComplaintPublic], responses=PROBLEMS)
def list_complaints(
    request: Request,
    session: SessionDep,
    limit: Limit = 20,
    offset: Offset = 0,
    company: str | None = None,
    state: ComplaintState | None = None,
    category: Category | None = None,
    q: Annotated[str, Query(max_length=200, description="Full text; see /search")] = "",
    # Typed as dates so the schema says what the API accepts (schemathesis found the gap), and
    # only as YYYY-MM-DD: pydantic would also read "0" as 1970-01-01.
    filed_from: Annotated[
        IsoDate | None, Query(alias="from", description="Filed on or after, YYYY-MM-DD")
    ] = None,
    filed_to: Annotated[
        IsoDate | None, Query(alias="to", description="Filed on or before, YYYY-MM-DD")
    ] = None,
    overdue: Annotated[
        bool, Query(description="Only complaints unanswered past the response deadline")
    ] = False,
    industry: Annotated[
        str, Query(max_length=32, description="A sector key (docs/industries.md)")
    ] = "",
    turn: Annotated[
        Literal["", "company", "consumer"],
        Query(description="Whose turn it is: waiting on the company or on the consumer"),
    ] = "",
):
    """Public complaints, newest first (best match first with ``q``); filter by company slug,
    state, category, filing dates and full text, as /search does."""
    params = search_params.read(
        session=session,
        q=q,
        company=company or "",
        category=category.value if category else "",
        state=state.value if state else "",
        filed_from=filed_from.isoformat() if filed_from else "",
        filed_to=filed_to.isoformat() if filed_to else "",
        overdue="1" if overdue else "",
        industry=industry,
        turn=turn,
    )
    if params.errors:
        detail = " ".join(f"{name}: {message}" for name, message in params.errors.items())
        return problem(
            422, detail, errors=[{"loc": ["query", k], "msg": v} for k, v in params.errors.items()]
        )
    # Public data whoever asks (helpdesks poll this): cacheable, and built once per change
    # anywhere on the site, per process (the query is in the URL, which the ETag covers).
    fresh = caching.conditional(
        request,
        viewer=None,
        parts=(*caching.settled(site_last_change(session=session)), caching.hour_bucket()),
        keep=True,
    )
    if early := fresh.answered():
        return early
    rows, total = searching.search(
        session=session, filters=params.filters, offset=offset, limit=limit
    )
    cap = searching.cap(params.filters)
    capped = total > cap
    body = Paged[ComplaintPublic](
        items=_publics(session, rows),
        total=cap if capped else total,
        limit=limit,
        offset=offset,
        total_capped=capped,
    )
    return fresh.apply(JSONResponse(body.model_dump(mode="json")))


@router.get(
    "/complaints/{complaint_id}",
    response_model=ComplaintPublic,
    responses={**PROBLEMS, 410: problem_doc("Hidden or removed")},
)
def get_complaint(request: Request, session: SessionDep, complaint_id: DbId):
    complaint = complaints.get_or_404(session=session, complaint_id=complaint_id)
    # Moderated (app/moderation/): a tombstone says why, never what; a held one is not there yet.
    if not visibility.content_visible(complaint, None):
        if not visibility.is_tombstone(complaint):
            raise NotFound("There is no complaint with that number.")
        return problem(
            410,
            f"This complaint was {complaint.visibility.value} by Outcry's moderators: "
            f"{complaint.visibility_reason or 'no reason given'}",
            reason=complaint.visibility_reason,
        )
    fresh = caching.conditional(request, viewer=None, parts=caching.complaint_parts(complaint))
    if fresh.not_modified:
        return fresh.response_304()
    company = companies.get(session=session, company_id=complaint.company_id)
    body = _publics(session, [(complaint, company, session.get(User, complaint.author_id))])[0]
    return fresh.apply(JSONResponse(body.model_dump(mode="json")))


def require_json(request: Request) -> None:
    """Only JSON, which browsers cannot send cross-site without a CORS preflight we refuse.

    A dependency, so it runs before the body is validated: otherwise a form or text/plain body
    would get a 422 about its shape instead of this 415.
    """
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise HTTPException(415, "Send the complaint as application/json.")


class ComplaintFiled(ComplaintPublic):
    """The filed complaint's public text, and how many pieces of personal data were masked."""

    redactions: int


@router.post(
    "/complaints",
    status_code=201,
    response_model=ComplaintFiled,
    responses={
        **PROBLEMS,
        401: problem_doc("Sign in first"),
        409: problem_doc("Refused"),
        **LIMITED,
    },
    dependencies=[Depends(require_json)],
)
def create_complaint(session: SessionDep, user: CurrentUser, data: ComplaintCreate):
    """File a complaint as the signed-in user. Re-sending the same submission_key is safe."""
    ratelimit.hit("complaint_user", str(user.id))  # 429 problem with Retry-After when over
    try:
        complaint = complaints.file(session=session, author=user, data=data)
    except gate.DuplicateComplaint as exc:
        existing = f"/api/v1/complaints/{exc.existing.id}"
        undo(session)
        return problem(409, exc.detail, existing=existing)
    except CompanyChoiceNeeded as exc:
        # Read the suggestions before the rollback expires them (model_dump would see nothing).
        suggestions = [company_public(s.company).model_dump(mode="json") for s in exc.suggestions]
        undo(session)
        return problem(
            409,
            str(exc) + " Set accept_new_company to create a new company.",
            suggestions=suggestions,
        )
    company = companies.get(session=session, company_id=complaint.company_id)
    body = _publics(session, [(complaint, company, user)])[0]
    masked = redaction.masks_in(session=session, complaint=complaint)  # issue 6
    return JSONResponse(
        {**body.model_dump(mode="json"), "redactions": masked},
        status_code=201,
        headers={"Location": f"/api/v1/complaints/{complaint.id}"},
    )


@router.get("/companies", response_model=Paged[CompanyPublic])
def list_companies(
    session: SessionDep,
    limit: Limit = 20,
    offset: Offset = 0,
    q: str | None = Query(default=None, max_length=120),
):
    rows, total = companies.list_companies(session=session, offset=offset, limit=limit, query=q)
    return Paged[CompanyPublic](
        items=[company_public(c) for c in rows], total=total, limit=limit, offset=offset
    )


@router.get("/companies/{company_id}", response_model=CompanyPublic, responses=PROBLEMS)
def get_company(session: SessionDep, company_id: DbId):
    company = companies.get(session=session, company_id=company_id)
    if company is None or not companies.is_listed(session=session, company=company):
        raise NotFound("There is no company with that id.")
    return company_public(company)
