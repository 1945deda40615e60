"""Company API as a helpdesk's peer: stored first responses of idempotent POSTs, and internal
notes that say when they were last edited.

Revision ID: i20_company_api_sync
Revises: company_broadcast_mentions
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.columns

revision: str = 'i20_company_api_sync'
down_revision: str | None = 'i19_turn_and_private_messages'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'idempotent_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=False),
        sa.Column('response_body', sa.Text(), nullable=False),
        sa.Column('location', sa.String(length=500), nullable=False),
        sa.Column('created_at', app.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_id', 'key'),
    )
    op.create_index(
        op.f('ix_idempotent_request_created_at'), 'idempotent_request', ['created_at']
    )
    with op.batch_alter_table('internal_note') as batch:
        batch.add_column(
            sa.Column(
                'updated_at',
                app.columns.UTCDateTime(timezone=True),
                nullable=False,
                server_default=sa.func.now(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('internal_note') as batch:
        batch.drop_column('updated_at')
    op.drop_index(op.f('ix_idempotent_request_created_at'), table_name='idempotent_request')
    op.drop_table('idempotent_request')
