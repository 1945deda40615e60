"""Shapes of the company-side API and of webhook bodies."""

from datetime import datetime

from pydantic import BaseModel, Field, StrictBool, field_validator

from app.models.complaint import ComplaintPublic, Message, ResolutionType, Side, storable_text


class MessagePublic(BaseModel):
    """A message as the public page shows it: company replies carry the rep's signature."""

    id: int
    side: Side
    body: str
    signature: str
    info_request: bool
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
