"""How a company's team shares the work: routing of new complaints, and each rep's saved views
of the queue."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime, str_enum


class RoutingMode(StrEnum):
    OFF = "off"  # new complaints wait, unassigned, for a rep to take them
    ROUND_ROBIN = "round_robin"  # each new one to the next active rep in turn
    CATEGORY = "category"  # by the complaint's category, to the rep named for it


class TeamRouting(SQLModel, table=True):
    """One row per company that has set routing; no row is "off"."""

    __tablename__ = "team_routing"

    company_id: int = Field(primary_key=True, foreign_key="company.id", ondelete="CASCADE")
    mode: RoutingMode = Field(
        default=RoutingMode.OFF,
        sa_type=str_enum(RoutingMode, 16),
        sa_column_kwargs={"server_default": RoutingMode.OFF.value},
    )
    # category value -> rep's user id (CATEGORY mode); a category not named stays unassigned
    by_category: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    # round robin: the rep who got the last one; the next goes to the following rep by user id
    last_user_id: int | None = Field(default=None)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SavedView(SQLModel, table=True):
    """A rep's named queue search (its query string), listed on their queue."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("company_id", "user_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=60)
    query: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
