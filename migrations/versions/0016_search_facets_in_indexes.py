"""The category (and state) at the end of the list indexes a search filters by, so a filtered
page or capped count checks entries in the index instead of fetching each row (bench/README.md).

Revision ID: i17_search_facets
Revises: i17_company_listed
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i17_search_facets"
down_revision: str | None = "i17_company_listed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = {
    "ix_complaint_company_created_facets": ["company_id", "created_at", "id", "category", "state"],
    "ix_complaint_visibility_state_facets": ["visibility", "state", "created_at", "id", "category"],
}
OLD = {
    "ix_complaint_company_created": ["company_id", "created_at", "id"],
    "ix_complaint_visibility_state": ["visibility", "state", "created_at", "id"],
}


def upgrade() -> None:
    for name, columns in NEW.items():  # the new ones first: no moment without either
        op.create_index(name, "complaint", columns)
    for name in OLD:
        op.drop_index(name, table_name="complaint")


def downgrade() -> None:
    for name, columns in OLD.items():
        op.create_index(name, "complaint", columns)
    for name in NEW:
        op.drop_index(name, table_name="complaint")
