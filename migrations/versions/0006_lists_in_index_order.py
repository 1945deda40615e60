"""Lists in index order: the site-wide newest complaints (by visibility, then filing time) and
the unanswered ones oldest first, a company's complaints by state and those awaiting the
consumer, so the home page, search without words, the API, company pages and the reps' queues
read a page of an index whatever the number of complaints.

Revision ID: lists_in_index_order
Revises: company_redirect_for_merges
"""

from collections.abc import Sequence

from alembic import op

revision: str = "lists_in_index_order"
down_revision: str | None = "company_redirect_for_merges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_complaint_visibility_created", "complaint", ["visibility", "created_at", "id"]
    )
    op.create_index(
        "ix_complaint_visibility_state", "complaint", ["visibility", "state", "created_at", "id"]
    )
    op.create_index(
        "ix_complaint_unanswered", "complaint", ["first_response_at", "created_at", "id"]
    )
    op.create_index(
        "ix_complaint_company_state", "complaint", ["company_id", "state", "created_at", "id"]
    )
    op.create_index(
        "ix_complaint_company_awaiting",
        "complaint",
        ["company_id", "awaiting_consumer", "created_at", "id"],
    )
    op.create_index(
        "ix_complaint_company_assignee",
        "complaint",
        ["company_id", "assignee_id", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_complaint_company_assignee", table_name="complaint")
    op.drop_index("ix_complaint_company_awaiting", table_name="complaint")
    op.drop_index("ix_complaint_company_state", table_name="complaint")
    op.drop_index("ix_complaint_unanswered", table_name="complaint")
    op.drop_index("ix_complaint_visibility_state", table_name="complaint")
    op.drop_index("ix_complaint_visibility_created", table_name="complaint")
