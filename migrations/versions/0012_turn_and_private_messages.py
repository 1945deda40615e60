"""Whose turn it is on each complaint (stored for the reps' queues), private messages, and a
submission key per message form (a form sent twice makes one message).

Revision ID: i19_turn_and_private_messages
Revises: company_broadcast_mentions
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'i19_turn_and_private_messages'
down_revision: str | None = 'i16_broadcast_shared_state'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('complaint') as batch:
        batch.add_column(
            sa.Column('turn', sa.String(length=16), nullable=False, server_default='company')
        )
        batch.add_column(
            sa.Column('turn_why', sa.String(length=24), nullable=False, server_default='new')
        )
        batch.add_column(sa.Column('turn_since', sa.DateTime(timezone=True), nullable=True))
        batch.create_index(
            'ix_complaint_company_turn', ['company_id', 'turn_why', 'turn_since', 'id']
        )
    with op.batch_alter_table('message') as batch:
        batch.add_column(
            sa.Column('private', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))
        batch.create_unique_constraint(
            'uq_message_complaint_id_author_id_submission_key',
            ['complaint_id', 'author_id', 'submission_key'],
        )
    # Existing complaints: the stored state says most of it; the next change derives it exactly
    # from the timeline (app/complaints/turn.py).
    op.execute(
        "UPDATE complaint SET turn = 'nobody', turn_why = 'closed', turn_since = closed_at "
        "WHERE state IN ('confirmed', 'withdrawn')"
    )
    op.execute(
        "UPDATE complaint SET turn = 'consumer', turn_why = 'resolved', turn_since = resolved_at "
        "WHERE state = 'resolved'"
    )
    op.execute(
        "UPDATE complaint SET turn = 'consumer', turn_why = 'info_requested', "
        "turn_since = updated_at WHERE awaiting_consumer AND state IN ('open', 'answered', 'disputed')"
    )
    op.execute(
        "UPDATE complaint SET turn_why = 'answered', turn_since = created_at "
        "WHERE state = 'answered' AND NOT awaiting_consumer"
    )
    op.execute(
        "UPDATE complaint SET turn_why = 'customer_replied', turn_since = updated_at "
        "WHERE state = 'disputed' AND NOT awaiting_consumer"
    )


def downgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.drop_constraint('uq_message_complaint_id_author_id_submission_key', type_='unique')
        batch.drop_column('submission_key')
        batch.drop_column('private')
    with op.batch_alter_table('complaint') as batch:
        batch.drop_index('ix_complaint_company_turn')
        batch.drop_column('turn_since')
        batch.drop_column('turn_why')
        batch.drop_column('turn')
