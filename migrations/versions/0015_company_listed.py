"""A stored "listed" flag on each company (app/companies/listed.py), backfilled from the
complaints that decide it: nobody's filing created the company, or a complaint against it reached
it (anything but one still waiting for its author's verification or for review).

Revision ID: i17_company_listed
Revises: i20_team_routing
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i17_company_listed"
down_revision: str | None = "i20_team_routing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The reasons of complaints not yet published (app/complaints/visibility.py), as of this revision.
WAITING = ("waiting for the author to verify their email address", "held for review")


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch rebuild: SQLite cannot drop a filled table that
    # complaints refer to, and a column with a constant default needs no rebuild.
    op.add_column(
        "company", sa.Column("listed", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_index("ix_company_listed_name", "company", ["listed", "name"])
    op.execute(
        sa.text(
            "UPDATE company SET listed = (created_by_id IS NULL OR EXISTS ("
            "SELECT 1 FROM complaint WHERE complaint.company_id = company.id "
            "AND (complaint.visibility != 'pending' "
            "OR complaint.visibility_reason NOT IN (:verify, :held))))"
        ).bindparams(verify=WAITING[0], held=WAITING[1])
    )


def downgrade() -> None:
    op.drop_index("ix_company_listed_name", table_name="company")
    with op.batch_alter_table("company") as batch:
        batch.drop_column("listed")
