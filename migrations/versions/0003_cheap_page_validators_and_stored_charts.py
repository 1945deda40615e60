"""Cheap page validators, stored chart numbers and append-only statistics marks: the site's and a company's latest complaint
change and the leaderboard's latest refresh are each one index probe, a company page's newest
complaints are read in index order, and a company's chart numbers are one row computed by the
statistics worker, whatever the size of the data.

stat_dirty (one upserted row per company, a row lock every change to a busy company queued
behind) becomes stat_mark (one inserted row per change); pending marks are carried over.

(company_id, updated_at) also serves every lookup by company_id, so it replaces that index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:46:50.353277
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.columns

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'stat_mark',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('marked_at', app.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_stat_mark_company_id', 'stat_mark', ['company_id'])
    op.execute(
        'INSERT INTO stat_mark (company_id, marked_at) SELECT company_id, marked_at FROM stat_dirty'
    )
    op.drop_table('stat_dirty')
    op.create_table(
        'company_chart',
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('computed_at', app.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('company_id'),
    )
    op.create_index('ix_company_stat_computed_at', 'company_stat', ['computed_at'])
    op.create_index('ix_complaint_company_updated', 'complaint', ['company_id', 'updated_at'])
    op.create_index('ix_complaint_updated_at', 'complaint', ['updated_at'])
    op.create_index(
        'ix_complaint_company_created', 'complaint', ['company_id', 'created_at', 'id']
    )
    op.drop_index('ix_complaint_company_id', table_name='complaint')


def downgrade() -> None:
    op.create_index('ix_complaint_company_id', 'complaint', ['company_id'])
    op.drop_index('ix_complaint_company_created', table_name='complaint')
    op.drop_index('ix_complaint_updated_at', table_name='complaint')
    op.drop_index('ix_complaint_company_updated', table_name='complaint')
    op.drop_index('ix_company_stat_computed_at', table_name='company_stat')
    op.drop_table('company_chart')
    op.create_table(
        'stat_dirty',
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('marked_at', app.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('company_id'),
    )
    op.execute(
        'INSERT INTO stat_dirty (company_id, marked_at) '
        'SELECT company_id, max(marked_at) FROM stat_mark GROUP BY company_id'
    )
    op.drop_index('ix_stat_mark_company_id', table_name='stat_mark')
    op.drop_table('stat_mark')
