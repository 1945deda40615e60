"""Email as a channel: complaints-address directory, reply threads, outbound and raw inbound
mail; companies that answer by email; consumers letting their reference go in the mail.

Revision ID: email_channel
Revises: company_broadcast_mentions
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.columns import UTCDateTime

revision: str = 'email_channel'
down_revision: str | None = 'company_broadcast_mentions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text('CURRENT_TIMESTAMP')


def upgrade() -> None:
    with op.batch_alter_table('company') as batch:
        batch.add_column(
            sa.Column('answers_by_email', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('complaint') as batch:
        batch.add_column(
            sa.Column('reference_by_email', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        'mail_address',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('company_id', sa.Integer(), sa.ForeignKey('company.id', ondelete='CASCADE'), nullable=False),
        sa.Column('address', sa.String(254), nullable=False),
        sa.Column('source_url', sa.String(500), nullable=False, server_default=''),
        sa.Column('status', sa.String(16), nullable=False, server_default='suggested'),
        sa.Column('suggested_by_id', sa.Integer(), sa.ForeignKey('user.id', ondelete='SET NULL'), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), sa.ForeignKey('user.id', ondelete='SET NULL'), nullable=True),
        sa.Column('sent_count', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('bounce_count', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('answered_count', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('last_bounce_at', UTCDateTime(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False, server_default=NOW),
        sa.UniqueConstraint('company_id', 'address'),
    )
    op.create_index('ix_mail_address_company_id', 'mail_address', ['company_id'])
    op.create_table(
        'mail_thread',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('complaint_id', sa.Integer(), sa.ForeignKey('complaint.id', ondelete='CASCADE'), nullable=False),
        sa.Column('side', sa.String(16), nullable=False),
        sa.Column('recipient', sa.String(254), nullable=False),
        sa.Column('token_hash', sa.String(64), nullable=False, unique=True),
        sa.Column('root_message_id', sa.String(200), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False, server_default=NOW),
        sa.UniqueConstraint('complaint_id', 'side', 'recipient'),
    )
    op.create_index('ix_mail_thread_complaint_id', 'mail_thread', ['complaint_id'])
    op.create_table(
        'mail_outbound',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('thread_id', sa.Integer(), sa.ForeignKey('mail_thread.id', ondelete='CASCADE'), nullable=False),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('message_id', sa.String(200), nullable=False, unique=True),
        sa.Column('recipient_domain', sa.String(253), nullable=False),
        sa.Column('queued_at', UTCDateTime(), nullable=False, server_default=NOW),
        sa.Column('sent_at', UTCDateTime(), nullable=True),
    )
    op.create_index('ix_mail_outbound_thread_id', 'mail_outbound', ['thread_id'])
    op.create_index('ix_mail_outbound_domain_sent', 'mail_outbound', ['recipient_domain', 'sent_at'])
    op.create_table(
        'mail_inbound',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('dedupe_key', sa.String(200), nullable=False, unique=True),
        sa.Column('received_via', sa.String(8), nullable=False),
        sa.Column('envelope_from', sa.String(254), nullable=False, server_default=''),
        sa.Column('envelope_to', sa.String(254), nullable=False, server_default=''),
        sa.Column('header_from', sa.String(254), nullable=False, server_default=''),
        sa.Column('subject', sa.String(500), nullable=False, server_default=''),
        sa.Column('raw', sa.LargeBinary(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('received_at', UTCDateTime(), nullable=False, server_default=NOW),
        sa.Column('thread_id', sa.Integer(), sa.ForeignKey('mail_thread.id', ondelete='SET NULL'), nullable=True),
        sa.Column('state', sa.String(16), nullable=False, server_default='stored'),
        sa.Column('outcome', sa.String(500), nullable=False, server_default=''),
        sa.Column('verified', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('auth_detail', sa.String(500), nullable=False, server_default=''),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('message_row_id', sa.Integer(), sa.ForeignKey('message.id', ondelete='SET NULL'), nullable=True),
        sa.Column('processed_at', UTCDateTime(), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), sa.ForeignKey('user.id', ondelete='SET NULL'), nullable=True),
    )
    op.create_index('ix_mail_inbound_state', 'mail_inbound', ['state'])


def downgrade() -> None:
    op.drop_table('mail_inbound')
    op.drop_table('mail_outbound')
    op.drop_table('mail_thread')
    op.drop_table('mail_address')
    with op.batch_alter_table('complaint') as batch:
        batch.drop_column('reference_by_email')
    with op.batch_alter_table('company') as batch:
        batch.drop_column('answers_by_email')
