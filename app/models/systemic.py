"""Systemic issues: groups of near-identical complaints against one company (app/systemic)."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime


class SystemicIssue(SQLModel, table=True):
    __tablename__ = "systemic_issue"
    # The group's oldest complaint names it, so its id (and URL) survive regrouping.
    __table_args__ = (UniqueConstraint("company_id", "anchor_complaint_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    anchor_complaint_id: int = Field(foreign_key="complaint.id", ondelete="CASCADE")
    first_at: datetime = Field(sa_type=UTCDateTime)  # the first and last complaint filed
    last_at: datetime = Field(sa_type=UTCDateTime)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SystemicMember(SQLModel, table=True):
    __tablename__ = "systemic_member"

    issue_id: int = Field(foreign_key="systemic_issue.id", primary_key=True, ondelete="CASCADE")
    complaint_id: int = Field(
        foreign_key="complaint.id", primary_key=True, index=True, ondelete="CASCADE"
    )
