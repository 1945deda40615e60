"""JSON API v1: complaints and companies. Errors are RFC 9457 problem details."""

from typing import Annotated, Generic, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.companies import service as companies
from app.companies.service import CompanyChoiceNeeded
from app.complaints import service as complaints
from app.complaints.public import company_public, complaint_public
from app.errors import NotFound
from app.models.company import CompanyPublic
from app.models.complaint import ComplaintCreate, ComplaintPublic, ComplaintState
from app.models.user import User
from app.web.deps import CurrentUser, SessionDep
from app.web.errors import problem

router = APIRouter(prefix="/api/v1", tags=["api"])

T = TypeVar("T")
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


class Paged(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str


PROBLEMS = {
    404: {"model": Problem, "description": "Not found"},
    422: {"model": Problem, "description": "Invalid request"},
}


def _publics(session: SessionDep, rows: list) -> list[ComplaintPublic]:
    attempts = complaints.contact_attempts(
        session=session, complaint_ids=[c.id for c, _, _ in rows]
    )
    return [complaint_public(c, co, u, attempts[c.id]) for c, co, u in rows]


@router.get("/complaints", response_model=Paged[ComplaintPublic], responses=PROBLEMS)
def list_complaints(
    session: SessionDep,
    limit: Limit = 20,
    offset: Offset = 0,
    company: str | None = None,
    state: ComplaintState | None = None,
):
    """Public complaints, newest first; filter by company slug and state."""
    company_id = None
    if company:
        found = companies.get_by_slug(session=session, slug=company)
        company_id = found.id if found else 0
    rows, total = complaints.search(
        session=session,
        filters=complaints.Filters(company_id=company_id, state=state),
        offset=offset,
        limit=limit,
    )
    return Paged[ComplaintPublic](
        items=_publics(session, rows), total=total, limit=limit, offset=offset
    )


@router.get("/complaints/{complaint_id}", response_model=ComplaintPublic, responses=PROBLEMS)
def get_complaint(session: SessionDep, complaint_id: int):
    complaint = complaints.get_or_404(session=session, complaint_id=complaint_id)
    company = companies.get(session=session, company_id=complaint.company_id)
    return _publics(session, [(complaint, company, session.get(User, complaint.author_id))])[0]


def require_json(request: Request) -> None:
    """Only JSON, which browsers cannot send cross-site without a CORS preflight we refuse.

    A dependency, so it runs before the body is validated: otherwise a form or text/plain body
    would get a 422 about its shape instead of this 415.
    """
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise HTTPException(415, "Send the complaint as application/json.")


@router.post(
    "/complaints",
    status_code=201,
    response_model=ComplaintPublic,
    responses={**PROBLEMS, 401: {"model": Problem}, 409: {"model": Problem}},
    dependencies=[Depends(require_json)],
)
def create_complaint(session: SessionDep, user: CurrentUser, data: ComplaintCreate):
    """File a complaint as the signed-in user. Re-sending the same submission_key is safe."""
    try:
        complaint = complaints.file(session=session, author=user, data=data)
    except CompanyChoiceNeeded as exc:
        # Read the suggestions before the rollback expires them (model_dump would see nothing).
        suggestions = [company_public(s.company).model_dump(mode="json") for s in exc.suggestions]
        session.rollback()
        return problem(
            409,
            str(exc) + " Set accept_new_company to create a new company.",
            suggestions=suggestions,
        )
    company = companies.get(session=session, company_id=complaint.company_id)
    body = _publics(session, [(complaint, company, user)])[0]
    return JSONResponse(
        body.model_dump(mode="json"),
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
def get_company(session: SessionDep, company_id: int):
    company = companies.get(session=session, company_id=company_id)
    if company is None:
        raise NotFound("There is no company with that id.")
    return company_public(company)
