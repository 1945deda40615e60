"""Team: routing of new complaints per company, and reps' saved views of the queue.

Revision ID: i20_team_routing
Revises: i20_company_api_sync
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.columns

revision: str = 'i20_team_routing'
down_revision: str | None = 'i20_company_api_sync'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'team_routing',
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False, server_default='off'),
        sa.Column('by_category', sa.JSON(), nullable=False),
        sa.Column('last_user_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', app.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('company_id'),
    )
    op.create_table(
        'saved_view',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('query', sa.String(length=1000), nullable=False),
        sa.Column('created_at', app.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('company_id', 'user_id', 'name'),
    )
    op.create_index(op.f('ix_saved_view_company_id'), 'saved_view', ['company_id'])
    op.create_index(op.f('ix_saved_view_user_id'), 'saved_view', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_saved_view_user_id'), table_name='saved_view')
    op.drop_index(op.f('ix_saved_view_company_id'), table_name='saved_view')
    op.drop_table('saved_view')
    op.drop_table('team_routing')
