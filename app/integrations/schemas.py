"""Shapes of the company-side API and of webhook bodies."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from app.models.complaint import (
    ComplaintPublic,
    ComplaintState,
    Message,
    ResolutionType,
    Side,
    storable_text,
)


class MessagePublic(BaseModel):
    """A message as the company's reps see it: company replies carry the rep's signature;
    ``private`` ones are between the consumer and the company (never public)."""

    id: int
    side: Side
    body: str
    signature: str
    info_request: bool
    private: bool
    created_at: datetime
    updated_at: datetime = Field(description="Messages are not edited: their creation time")
    author_id: int | None = Field(
        default=None, description="The rep who signed a company reply (their user id)"
    )

    @classmethod
    def of(cls, message: Message) -> "MessagePublic":
        return cls(
            id=message.id,
            side=message.side,
            body=message.body,
            signature=message.signature,
            info_request=message.info_request,
            private=message.private,
            created_at=message.created_at,
            updated_at=message.created_at,
            author_id=message.author_id if message.side == Side.COMPANY else None,
        )


class CompanyComplaint(ComplaintPublic):
    """What the company's reps see in addition to the public ticket; never the consumer's email
    and never internal notes."""

    private_reference: str | None
    assignee_id: int | None
    awaiting_consumer: bool
    updated_at: datetime = Field(description="When anything about the complaint last changed")


class CompanyComplaintDetail(CompanyComplaint):
    messages: list[MessagePublic]


class ReplyIn(BaseModel):
    body: str = Field(min_length=1, max_length=10_000)
    info_request: StrictBool = False  # ask the consumer for more information
    private: StrictBool = False  # to the consumer only: never on a public page

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("A reply needs some text.")
        return value

    _storable = field_validator("*", mode="before")(lambda value: storable_text(value))


class ResolveIn(BaseModel):
    resolution_type: ResolutionType
    body: str = Field(default="", max_length=10_000)

    _storable = field_validator("*", mode="before")(lambda value: storable_text(value))


class CompanyComplaintPage(BaseModel):
    """One page of complaints. With ``updated_since`` (or a ``cursor``) they come oldest change
    first, and ``next_cursor`` fetches the rest; store the last ``updated_at`` for the next sync."""

    items: list[CompanyComplaint]
    total: int
    limit: int
    offset: int
    total_capped: bool = False
    next_cursor: str | None = Field(
        default=None, description="Pass as ?cursor= for the next page; null on the last page"
    )


class NoteIn(BaseModel):
    body: str = Field(min_length=1, max_length=10_000)

    _storable = field_validator("*", mode="before")(lambda value: storable_text(value))


class NoteOut(BaseModel):
    """An internal note: seen by the company's reps only, editable by its author."""

    id: int
    complaint_id: int
    body: str
    author_id: int | None
    author: str | None = Field(description="The author's public name as a rep")
    created_at: datetime
    updated_at: datetime


class AssignIn(BaseModel):
    assignee_id: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="An active rep's user id; omit it to take the complaint yourself",
    )


class Member(BaseModel):
    """A rep of the company, as the API names agents (``X-Outcry-Agent``, ``assignee_id``)."""

    id: int = Field(description="The rep's user id")
    public_name: str
    job_title: str
    role: str
    active: bool
    open_assigned: int = Field(description="Open complaints they own now")
    created_at: datetime
    updated_at: datetime


# Webhook bodies (documented in the OpenAPI schema's ``webhooks``; deliveries are checked
# against them in the tests).


class Assignee(BaseModel):
    id: int = Field(description="The rep's user id (see GET /api/v1/company/members)")
    public_name: str
    job_title: str


class StateChange(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: ComplaintState | None = Field(alias="from")
    to: ComplaintState


class AssigneeChange(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: int | None = Field(alias="from", description="The previous owner's user id")
    to: int


class MessageChange(BaseModel):
    id: int
    side: Side


class Changes(BaseModel):
    """Only what changed is present, and always whose move the complaint now waits for."""

    state: StateChange | None = None
    assignee: AssigneeChange | None = None
    message: MessageChange | None = None
    whose_turn: Literal["company", "consumer", "nobody"]


class WebhookData(BaseModel):
    complaint: ComplaintPublic
    assignee: Assignee | None
    message: MessagePublic | None = None


class WebhookDelivery(BaseModel):
    """The JSON body of every delivery. Retries resend the same bytes and the same id."""

    id: str = Field(description="The delivery id (also in Outcry-Delivery): ignore repeats")
    event: Literal["complaint.created", "complaint.updated", "message.created"]
    created_at: datetime
    data: WebhookData
    changes: Changes
