"""Company redirects: the old address of a company an admin merged into another answers 301.

Revision ID: company_redirect_for_merges
Revises: company_domain_confirmed
Create Date: 2026-12-04 23:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.columns

revision: str = 'company_redirect_for_merges'
down_revision: str | None = 'company_domain_confirmed'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'company_redirect',
        sa.Column('slug', sa.String(length=140), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('created_at', app.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('slug'),
    )
    op.create_index('ix_company_redirect_company_id', 'company_redirect', ['company_id'])


def downgrade() -> None:
    op.drop_index('ix_company_redirect_company_id', table_name='company_redirect')
    op.drop_table('company_redirect')
