"""A stamp on the company that moves with any change to its reps, saved replies and views,
claims and mail addresses, so the reps' pages are kept by one row read (app/dashboard/version.py).

Revision ID: dash_team_changed
Revises: i17_company_trigrams
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.columns import UTCDateTime

revision: str = "dash_team_changed"
down_revision: str | None = "i17_company_trigrams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("company", sa.Column("team_changed_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Not a batch (a copy of the table): the full-text view over complaints names the company
    # table, and SQLite refuses to rename a copy into its place. SQLite 3.35+ drops a column.
    op.execute("ALTER TABLE company DROP COLUMN team_changed_at")
