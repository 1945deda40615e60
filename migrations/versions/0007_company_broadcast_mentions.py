"""Companies opt in to being mentioned (notified) by broadcast posts.

Revision ID: company_broadcast_mentions
Revises: lists_in_index_order
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'company_broadcast_mentions'
down_revision: str | None = 'lists_in_index_order'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('company') as batch:
        batch.add_column(
            sa.Column('broadcast_mentions', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table('company') as batch:
        batch.drop_column('broadcast_mentions')
