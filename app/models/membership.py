"""Company claims, members (reps) and invitations."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime, str_enum


class ClaimMethod(StrEnum):
    # Strongest first (docs/lifecycle.md).
    DNS = "dns"
    WELL_KNOWN = "well_known"
    EMAIL = "email"
    MANUAL = "manual"  # an admin's decision


class ClaimStatus(StrEnum):
    PENDING = "pending"
    REVIEW = "review"  # control of the domain proven; its link to the company awaits an admin
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"  # its proof disappeared at re-verification
    EXPIRED = "expired"


class Claim(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    domain: str = Field(max_length=253)
    method: ClaimMethod = Field(sa_type=str_enum(ClaimMethod, 16))
    status: ClaimStatus = Field(
        default=ClaimStatus.PENDING, sa_type=str_enum(ClaimStatus, 16), index=True
    )
    token: str = Field(max_length=64)  # published by the claimant in DNS or the well-known file
    email: str | None = Field(default=None, max_length=254)  # the address at the domain, for EMAIL
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    note: str = Field(default="", max_length=500)


class Role(StrEnum):
    OWNER = "owner"
    AGENT = "agent"


class CompanyMember(SQLModel, table=True):
    """A rep: a person who answers for a company, under their own name and job title."""

    __tablename__ = "company_member"
    __table_args__ = (UniqueConstraint("company_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    role: Role = Field(sa_type=str_enum(Role, 16))
    public_name: str = Field(max_length=60)
    job_title: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=254)
    role: Role = Field(sa_type=str_enum(Role, 16))
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
