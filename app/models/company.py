"""Companies that complaints are filed against."""

from datetime import datetime

from sqlalchemy import Index, false
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime


class CompanyBase(SQLModel):
    name: str = Field(max_length=120, index=True)
    domain: str | None = Field(default=None, max_length=253, unique=True)
    description: str = Field(default="", max_length=2000)


class CompanyProfile(SQLModel):
    """What a verified owner may edit about their company."""

    contact_email: str | None = Field(default=None, max_length=254)  # public contact address
    bluesky_handle: str | None = Field(default=None, max_length=253)
    bluesky_did: str | None = Field(default=None, max_length=100)  # resolved from the handle
    mastodon_account: str | None = Field(default=None, max_length=300)  # user@instance
    x_handle: str | None = Field(default=None, max_length=15)
    # The company's own promise, shown beside its actual performance.
    target_response_days: int | None = Field(default=None, ge=0, le=365)
    target_resolution_days: int | None = Field(default=None, ge=0, le=365)
    # Broadcast posts name the company's accounts (which notifies them) only if it opted in.
    # The database's own default too: rows written by bulk loads and older code (COPY, raw
    # INSERTs) name only the columns they know.
    broadcast_mentions: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


# The industries taxonomy (docs/industries.md); app/companies/industries.py sets a company's.
DEFAULT_SECTOR = "other"
# key -> label; keys are stored and appear in URLs and downloads, so they never change meaning.
SECTORS: dict[str, str] = {
    "telecoms": "Telecoms and internet",
    "energy": "Energy and water",
    "banking": "Banking, credit and payments",
    "insurance": "Insurance",
    "retail": "Retail and online shopping",
    "travel": "Travel and transport",
    "delivery": "Post and parcel delivery",
    "housing": "Housing, letting and home services",
    "health": "Health and pharmacy",
    "leisure": "Leisure, media and subscriptions",
    "technology": "Software and online services",
    DEFAULT_SECTOR: "Other or not yet classified",
}


class Company(CompanyBase, CompanyProfile, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # The company's industry (app/companies/industries.py), for comparing it with its peers.
    sector: str = Field(
        default=DEFAULT_SECTOR,
        max_length=32,
        index=True,
        sa_column_kwargs={"server_default": DEFAULT_SECTOR},
    )
    slug: str = Field(max_length=140, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # The contact address asked for no more notices of new complaints (unclaimed companies).
    notices_unsubscribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When an admin set or confirmed ``domain`` as the company's own. Until then the domain is a
    # suggestion (typed by whoever named the company) and proving control of it is not enough.
    domain_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A claimed company that still wants each complaint by mail, and answers by replying.
    answers_by_email: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Anyone may see it: nobody's filing created it, or a complaint against it reached it
    # (app/companies/listed.py keeps it in step in the transaction that decides it, so lists,
    # search and suggestions read a column instead of probing complaints per company).
    listed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Moves with any change to its reps, saved replies and views, claims or mail addresses
    # (app/companies/team_stamp.py): the reps' pages are kept by it (app/dashboard/version.py).
    team_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (Index("ix_company_listed_name", "listed", "name"),)


class CompanyRedirect(SQLModel, table=True):
    """The address of a company merged into another: it answers 301 to the one it joined."""

    __tablename__ = "company_redirect"

    slug: str = Field(max_length=140, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CompanyPublic(CompanyBase):
    id: int
    slug: str
    url: str
    created_at: datetime
