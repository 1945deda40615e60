"""Shapes of the company-side API and of webhook bodies."""

from datetime import datetime

from pydantic import BaseModel, Field, StrictBool, field_validator

from app.models.complaint import ComplaintPublic, Message, ResolutionType, Side, storable_text


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

    @classmethod
    def of(cls, message: Message) -> "MessagePublic":
        return cls.model_validate(message, from_attributes=True)


class CompanyComplaint(ComplaintPublic):
    """What the company's reps see in addition to the public ticket; never the consumer's email
    and never internal notes."""

    private_reference: str | None
    assignee_id: int | None
    awaiting_consumer: bool


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
