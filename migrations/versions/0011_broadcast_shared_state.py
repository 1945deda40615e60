"""The broadcaster's state shared by every worker: a breaker row per network, the posting
budget's spends, and the digest and catch-up posts shown on /broadcasts.

Revision ID: i16_broadcast_shared_state
Revises: company_broadcast_mentions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.columns

revision: str = "i16_broadcast_shared_state"
down_revision: str | None = "i21_company_sector"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcast_network",
        sa.Column("network", sa.String(length=64), primary_key=True),
        sa.Column("state", sa.String(length=16), nullable=False, server_default="closed"),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("down_since", app.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("open_until", app.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cause", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("alerted_at", app.columns.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "broadcast_spend",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("network", sa.String(length=64), nullable=False),
        sa.Column("spent_at", app.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("key", sa.String(length=300), nullable=False, server_default=""),
    )
    op.create_index("ix_broadcast_spend_network", "broadcast_spend", ["network"])
    op.create_index("ix_broadcast_spend_spent_at", "broadcast_spend", ["spent_at"])
    op.create_table(
        "broadcast_summary",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=300), nullable=False, unique=True),
        sa.Column("network", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "posted",
                "failed",
                "deleted",
                "skipped",
                name="broadcaststatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
            server_default="queued",
        ),
        sa.Column("text", sa.Text(), nullable=False, server_default=""),
        sa.Column("link", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("remote_id", sa.String(length=500), nullable=True),
        sa.Column("remote_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", app.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("posted_at", app.columns.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_broadcast_summary_created_at", "broadcast_summary", ["created_at"])


def downgrade() -> None:
    op.drop_table("broadcast_summary")
    op.drop_table("broadcast_spend")
    op.drop_table("broadcast_network")
