"""Leaderboard columns that surface neglect: unanswered share, longest wait, and sort keys for
open, overdue, unanswered and waiting. Existing rows get their values at the next refresh (the
worker recomputes every company daily; ``outcry stats refresh`` does it at once).

Revision ID: i21_leaderboard_neglect
Revises: company_broadcast_mentions
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'i21_leaderboard_neglect'
down_revision: str | None = 'email_channel'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_SORTS = ('open', 'overdue', 'unanswered', 'waiting')


def upgrade() -> None:
    with op.batch_alter_table('company_stat') as batch:
        batch.add_column(sa.Column('unanswered', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('unanswered_rate', sa.Float(), nullable=True))
        batch.add_column(sa.Column('unanswered_low', sa.Float(), nullable=True))
        batch.add_column(sa.Column('unanswered_high', sa.Float(), nullable=True))
        batch.add_column(sa.Column('oldest_wait_days', sa.Float(), nullable=True))
        for key in NEW_SORTS:
            batch.add_column(
                sa.Column(f'sort_{key}', sa.Float(), nullable=False, server_default='0')
            )
            batch.create_index(
                f'ix_company_stat_sort_{key}', ['period', 'category', f'sort_{key}', 'company_id']
            )


def downgrade() -> None:
    with op.batch_alter_table('company_stat') as batch:
        for key in NEW_SORTS:
            batch.drop_index(f'ix_company_stat_sort_{key}')
            batch.drop_column(f'sort_{key}')
        for name in ('oldest_wait_days', 'unanswered_high', 'unanswered_low', 'unanswered_rate',
                     'unanswered'):
            batch.drop_column(name)
