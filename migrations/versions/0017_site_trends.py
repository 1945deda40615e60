"""Site-wide monthly trends, one row per scope (the whole site or an industry).

Revision ID: i21_site_trends
Revises: i17_search_facets
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.columns

revision: str = 'i21_site_trends'
down_revision: str | None = 'i17_search_facets'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'site_trend',
        sa.Column('scope', sa.String(length=32), nullable=False),
        sa.Column('computed_at', app.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column('months', sa.JSON(), nullable=False, server_default='[]'),
        sa.PrimaryKeyConstraint('scope'),
    )


def downgrade() -> None:
    op.drop_table('site_trend')
