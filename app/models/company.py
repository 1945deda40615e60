"""Companies that complaints are filed against."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.db import UTCDateTime


class CompanyBase(SQLModel):
    name: str = Field(max_length=120, index=True)
    domain: str | None = Field(default=None, max_length=253, unique=True)
    description: str = Field(default="", max_length=2000)


class Company(CompanyBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=140, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class CompanyPublic(CompanyBase):
    id: int
    slug: str
    url: str
    created_at: datetime
