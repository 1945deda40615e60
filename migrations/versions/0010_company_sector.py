"""A sector (industry) for each company: app/companies/industries.py, docs/industries.md.

Revision ID: i21_company_sector
Revises: i21_leaderboard_neglect
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'i21_company_sector'
down_revision: str | None = 'i21_leaderboard_neglect'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('company') as batch:
        batch.add_column(
            sa.Column('sector', sa.String(length=32), nullable=False, server_default='other')
        )
        batch.create_index('ix_company_sector', ['sector'])


def downgrade() -> None:
    with op.batch_alter_table('company') as batch:
        batch.drop_index('ix_company_sector')
        batch.drop_column('sector')
