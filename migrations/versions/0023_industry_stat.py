"""Each industry's (and the whole site's) counts and medians per window and category, stored by
the statistics refresh, so a company page's industry medians and the leaderboard's counts are one
row, not every company of the industry; the home page's totals too (bench/README.md). Empty until the next refresh: the
pages compute them live meanwhile.

Revision ID: i17_industry_stat
Revises: dash_queue_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.columns

revision: str = "i17_industry_stat"
down_revision: str | None = "dash_queue_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "industry_stat",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("computed_at", app.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("ranked", sa.Integer(), nullable=False),
        sa.Column("filed", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("timely_rate", sa.Float(), nullable=True),
        sa.Column("unanswered_rate", sa.Float(), nullable=True),
        sa.Column("confirmed_rate", sa.Float(), nullable=True),
        sa.Column("response_median_days", sa.Float(), nullable=True),
        sa.Column("resolution_median_days", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "period", "category"),
    )


def downgrade() -> None:
    op.drop_table("industry_stat")
