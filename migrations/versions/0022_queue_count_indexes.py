"""Two indexes for the reps' queues: each queue of open complaints (unassigned, mine, overdue,
at risk) is then a range of an index, so its capped count reads at most the cap's worth of
entries instead of every open complaint of the company (bench/README.md, issue 17).

Revision ID: dash_queue_indexes
Revises: dash_team_changed
"""

from collections.abc import Sequence

from alembic import op

revision: str = "dash_queue_indexes"
down_revision: str | None = "dash_team_changed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = {
    "ix_complaint_company_state_owner": ["company_id", "state", "assignee_id", "created_at", "id"],
    "ix_complaint_company_state_answer": [
        "company_id",
        "state",
        "first_response_at",
        "created_at",
        "id",
    ],
}


def upgrade() -> None:
    for name, columns in NEW.items():
        op.create_index(name, "complaint", columns)


def downgrade() -> None:
    for name in NEW:
        op.drop_index(name, table_name="complaint")
