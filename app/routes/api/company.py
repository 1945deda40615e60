"""The company-side JSON API for helpdesks, reads: ``Authorization: Bearer <token>`` acts as the
rep who created the token, or as the rep named in ``X-Outcry-Agent``. Errors are RFC 9457 problem
details; no cookies, so no CSRF token. Writes are in api_company_writes.py."""

from datetime import datetime
from typing import Annotated

from fastapi import Query

from app.integrations import helpdesk
from app.integrations.schemas import (
    CompanyComplaintDetail,
    CompanyComplaintPage,
    Member,
    MessagePublic,
    NoteOut,
)
from app.models.complaint import ComplaintState
from app.web.api_schema import DbId
from app.web.company_api import AUTH_PROBLEMS, company_router
from app.web.deps import CompanyActor, SessionDep

router = company_router()


@router.get("/complaints", response_model=CompanyComplaintPage, responses=AUTH_PROBLEMS)
def list_complaints(
    session: SessionDep,
    actor: CompanyActor,
    state: ComplaintState | None = None,
    unassigned: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    updated_since: Annotated[
        datetime | None,
        Query(description="Only complaints changed at or after this time, oldest change first"),
    ] = None,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page")
    ] = None,
):
    """Your company's complaints, newest first, with the consumer's private reference; or, for
    an incremental sync, those changed since ``updated_since``, a page at a time by cursor."""
    items, total, next_cursor = helpdesk.list_complaints(
        session=session,
        actor=actor,
        state=state,
        unassigned=unassigned,
        offset=offset,
        limit=limit,
        updated_since=updated_since,
        cursor=cursor,
    )
    return CompanyComplaintPage(
        items=items, total=total, limit=limit, offset=offset, next_cursor=next_cursor
    )


@router.get(
    "/complaints/{complaint_id}", response_model=CompanyComplaintDetail, responses=AUTH_PROBLEMS
)
def get_complaint(session: SessionDep, actor: CompanyActor, complaint_id: DbId):
    """One of your company's complaints with its public messages."""
    complaint = helpdesk.get_complaint(session=session, actor=actor, complaint_id=complaint_id)
    return helpdesk.detail(session=session, actor=actor, complaint=complaint)


@router.get(
    "/complaints/{complaint_id}/messages/{message_id}",
    response_model=MessagePublic,
    responses=AUTH_PROBLEMS,
)
def get_message(session: SessionDep, actor: CompanyActor, complaint_id: DbId, message_id: DbId):
    """One public message of a complaint (where a new reply's Location points)."""
    message = helpdesk.message(
        session=session, actor=actor, complaint_id=complaint_id, message_id=message_id
    )
    return MessagePublic.of(message)


@router.get(
    "/complaints/{complaint_id}/notes", response_model=list[NoteOut], responses=AUTH_PROBLEMS
)
def list_notes(session: SessionDep, actor: CompanyActor, complaint_id: DbId):
    """The reps' internal notes on a complaint, oldest first; never public."""
    return helpdesk.notes(session=session, actor=actor, complaint_id=complaint_id)


@router.get(
    "/complaints/{complaint_id}/notes/{note_id}", response_model=NoteOut, responses=AUTH_PROBLEMS
)
def get_note(session: SessionDep, actor: CompanyActor, complaint_id: DbId, note_id: DbId):
    """One internal note."""
    return helpdesk.note(session=session, actor=actor, complaint_id=complaint_id, note_id=note_id)


@router.get("/members", response_model=list[Member], responses=AUTH_PROBLEMS)
def list_members(session: SessionDep, actor: CompanyActor):
    """Your company's reps: who a request may act for (``X-Outcry-Agent``) or assign to."""
    return helpdesk.company_members(session=session, actor=actor)
