"""The company-side JSON API for helpdesks, writes: each POST takes an ``Idempotency-Key`` so a
helpdesk can retry without acting twice (app/integrations/idempotency.py)."""

from fastapi import Request
from fastapi.responses import Response

from app.integrations import helpdesk
from app.integrations.schemas import (
    AssignIn,
    CompanyComplaintDetail,
    MessagePublic,
    NoteIn,
    NoteOut,
    ReplyIn,
    ResolveIn,
)
from app.web.api_schema import DbId
from app.web.company_api import (
    CHANGE_PROBLEMS,
    PREFIX,
    IdempotencyKey,
    company_router,
    once,
)
from app.web.deps import CompanyActor, SessionDep

router = company_router()


def _complaint_body(session: SessionDep, actor: CompanyActor, complaint) -> dict:
    return helpdesk.detail(session=session, actor=actor, complaint=complaint).model_dump(
        mode="json"
    )


@router.post(
    "/complaints/{complaint_id}/replies",
    status_code=201,
    response_model=MessagePublic,
    responses=CHANGE_PROBLEMS,
)
def reply(
    request: Request,
    session: SessionDep,
    actor: CompanyActor,
    complaint_id: DbId,
    data: ReplyIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A reply, signed with the acting rep's public name and job title, public unless ``private``
    (then only the consumer, your reps and moderators read it); Location is the new message."""

    def act():
        message = helpdesk.reply(
            session=session,
            actor=actor,
            complaint_id=complaint_id,
            body=data.body,
            info_request=data.info_request,
            private=data.private,
        )
        location = f"{PREFIX}/complaints/{complaint_id}/messages/{message.id}"
        return 201, MessagePublic.of(message).model_dump(mode="json"), location

    # A refused transition is a Conflict: rolled back and answered 409 like any other.
    return once(
        request=request, session=session, actor=actor, key=idempotency_key, data=data, act=act
    )


@router.post(
    "/complaints/{complaint_id}/resolve",
    response_model=CompanyComplaintDetail,
    responses=CHANGE_PROBLEMS,
)
def resolve(
    request: Request,
    session: SessionDep,
    actor: CompanyActor,
    complaint_id: DbId,
    data: ResolveIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Mark the complaint resolved; it counts once the consumer confirms."""

    def act():
        complaint = helpdesk.resolve(
            session=session,
            actor=actor,
            complaint_id=complaint_id,
            resolution_type=data.resolution_type,
            body=data.body,
        )
        return 200, _complaint_body(session, actor, complaint), ""

    # A refused transition is a Conflict: rolled back and answered 409 like any other.
    return once(
        request=request, session=session, actor=actor, key=idempotency_key, data=data, act=act
    )


@router.post(
    "/complaints/{complaint_id}/assignment",
    response_model=CompanyComplaintDetail,
    responses=CHANGE_PROBLEMS,
)
def assign(
    request: Request,
    session: SessionDep,
    actor: CompanyActor,
    complaint_id: DbId,
    data: AssignIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Make an active rep (``assignee_id``, see /members) the complaint's named owner; without
    one, the acting rep takes it. From one rep to another is a public hand-off."""

    def act():
        complaint = helpdesk.assign(
            session=session, actor=actor, complaint_id=complaint_id, assignee_id=data.assignee_id
        )
        return 200, _complaint_body(session, actor, complaint), ""

    return once(
        request=request, session=session, actor=actor, key=idempotency_key, data=data, act=act
    )


@router.post(
    "/complaints/{complaint_id}/notes",
    status_code=201,
    response_model=NoteOut,
    responses=CHANGE_PROBLEMS,
)
def add_note(
    request: Request,
    session: SessionDep,
    actor: CompanyActor,
    complaint_id: DbId,
    data: NoteIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """An internal note for the company's reps, by the acting rep; never public."""

    def act():
        note = helpdesk.add_note(
            session=session, actor=actor, complaint_id=complaint_id, body=data.body
        )
        location = f"{PREFIX}/complaints/{complaint_id}/notes/{note.id}"
        return 201, note.model_dump(mode="json"), location

    return once(
        request=request, session=session, actor=actor, key=idempotency_key, data=data, act=act
    )


@router.patch(
    "/complaints/{complaint_id}/notes/{note_id}",
    response_model=NoteOut,
    responses=CHANGE_PROBLEMS,
)
def edit_note(
    session: SessionDep, actor: CompanyActor, complaint_id: DbId, note_id: DbId, data: NoteIn
):
    """Change the text of a note; only its author may."""
    return helpdesk.edit_note(
        session=session, actor=actor, complaint_id=complaint_id, note_id=note_id, body=data.body
    )
