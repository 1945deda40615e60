"""The company-side JSON API for helpdesks: ``Authorization: Bearer <token>`` acts as the rep who
created the token. Errors are RFC 9457 problem details; no cookies, so no CSRF token."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from app.integrations import helpdesk
from app.integrations.schemas import (
    CompanyComplaint,
    CompanyComplaintDetail,
    MessagePublic,
    ReplyIn,
    ResolveIn,
)
from app.models.complaint import ComplaintState
from app.routes.api import LIMITED, PROBLEMS, DbId, Paged, problem_doc
from app.web.deps import CompanyActor, SessionDep
from app.web.ratelimit import api_write_limit

router = APIRouter(prefix="/api/v1/company", tags=["company api"])

AUTH_PROBLEMS = {**PROBLEMS, 401: problem_doc("No valid API token")}
CHANGE_PROBLEMS = {**AUTH_PROBLEMS, 409: problem_doc("Not allowed now"), **LIMITED}


@router.get("/complaints", response_model=Paged[CompanyComplaint], responses=AUTH_PROBLEMS)
def list_complaints(
    session: SessionDep,
    actor: CompanyActor,
    state: ComplaintState | None = None,
    unassigned: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
):
    """Your company's complaints, newest first, with the consumer's private reference."""
    items, total = helpdesk.list_complaints(
        session=session,
        actor=actor,
        state=state,
        unassigned=unassigned,
        offset=offset,
        limit=limit,
    )
    return Paged[CompanyComplaint](items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/complaints/{complaint_id}", response_model=CompanyComplaintDetail, responses=AUTH_PROBLEMS
)
def get_complaint(session: SessionDep, actor: CompanyActor, complaint_id: DbId):
    """One of your company's complaints with its messages, private ones included (marked)."""
    complaint = helpdesk.get_complaint(session=session, actor=actor, complaint_id=complaint_id)
    return helpdesk.detail(session=session, actor=actor, complaint=complaint)


@router.post(
    "/complaints/{complaint_id}/replies",
    status_code=201,
    response_model=MessagePublic,
    responses=CHANGE_PROBLEMS,
    dependencies=[Depends(api_write_limit)],
)
def reply(session: SessionDep, actor: CompanyActor, complaint_id: DbId, data: ReplyIn):
    """A reply, signed with the token creator's public name and job title; public unless
    ``private`` (then only the consumer, your reps and moderators read it)."""
    message = helpdesk.reply(  # a refused transition is a Conflict: 409 problem details
        session=session,
        actor=actor,
        complaint_id=complaint_id,
        body=data.body,
        info_request=data.info_request,
        private=data.private,
    )
    return JSONResponse(MessagePublic.of(message).model_dump(mode="json"), status_code=201)


@router.post(
    "/complaints/{complaint_id}/resolve",
    response_model=CompanyComplaintDetail,
    responses=CHANGE_PROBLEMS,
    dependencies=[Depends(api_write_limit)],
)
def resolve(session: SessionDep, actor: CompanyActor, complaint_id: DbId, data: ResolveIn):
    """Mark the complaint resolved; it counts once the consumer confirms."""
    complaint = helpdesk.resolve(  # a refused transition is a Conflict: 409 problem details
        session=session,
        actor=actor,
        complaint_id=complaint_id,
        resolution_type=data.resolution_type,
        body=data.body,
    )
    return helpdesk.detail(session=session, actor=actor, complaint=complaint)
