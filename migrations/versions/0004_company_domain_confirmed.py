"""A company's domain confirmed by an admin: until then, proving control of the domain only puts a
claim up for review. Existing domains stay unconfirmed (they were typed by whoever named the
company).

Revision ID: company_domain_confirmed
Revises: 0003
Create Date: 2026-12-04 23:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.columns

revision: str = 'company_domain_confirmed'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('company') as batch:
        batch.add_column(
            sa.Column('domain_confirmed_at', app.columns.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('company') as batch:
        batch.drop_column('domain_confirmed_at')
