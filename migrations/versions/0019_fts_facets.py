"""SQLite's full-text index gains a facets column: one token per filter value (visibility,
company, state, category, industry, month filed, unanswered), so a filtered search narrows inside
the index instead of looking up each match in ``complaint`` (bench/README.md). Its content is a
view computing those tokens; the triggers keep them; a company's new industry re-indexes its
complaints. Rebuilds the index (a few minutes at a million complaints). PostgreSQL: nothing.

Revision ID: i17_fts_facets
Revises: i13_job_due
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i17_fts_facets"
down_revision: str | None = "i13_job_due"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements of app/models/fulltext.py at this revision (frozen here).
UP = [
    "CREATE VIEW IF NOT EXISTS complaint_fts_source AS SELECT c.id, c.title, c.body, 'zv' || replace(replace(lower(c.visibility), '_', ''), '-', '') || ' ' || 'zc' || replace(replace(lower(c.company_id), '_', ''), '-', '') || ' ' || 'zs' || replace(replace(lower(c.state), '_', ''), '-', '') || ' ' || 'zk' || replace(replace(lower(c.category), '_', ''), '-', '') || ' ' || 'zi' || replace(replace(lower(coalesce((SELECT sector FROM company WHERE company.id = c.company_id), '')), '_', ''), '-', '') || ' ' || 'zm' || replace(replace(lower(substr(c.created_at, 1, 7)), '_', ''), '-', '') || ' ' || CASE WHEN c.first_response_at IS NULL THEN 'zunanswered' ELSE 'zanswered' END AS facets FROM complaint AS c",
    "CREATE VIRTUAL TABLE IF NOT EXISTS complaint_fts USING fts5(title, body, facets, content='complaint_fts_source', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS complaint_fts_ai AFTER INSERT ON complaint BEGIN INSERT INTO complaint_fts(rowid, title, body, facets) VALUES (new.id, new.title, new.body, 'zv' || replace(replace(lower(new.visibility), '_', ''), '-', '') || ' ' || 'zc' || replace(replace(lower(new.company_id), '_', ''), '-', '') || ' ' || 'zs' || replace(replace(lower(new.state), '_', ''), '-', '') || ' ' || 'zk' || replace(replace(lower(new.category), '_', ''), '-', '') || ' ' || 'zi' || replace(replace(lower(coalesce((SELECT sector FROM company WHERE company.id = new.company_id), '')), '_', ''), '-', '') || ' ' || 'zm' || replace(replace(lower(substr(new.created_at, 1, 7)), '_', ''), '-', '') || ' ' || CASE WHEN new.first_response_at IS NULL THEN 'zunanswered' ELSE 'zanswered' END); END",
    "CREATE TRIGGER IF NOT EXISTS complaint_fts_ad AFTER DELETE ON complaint BEGIN INSERT INTO complaint_fts(complaint_fts, rowid, title, body, facets) VALUES ('delete', old.id, old.title, old.body, 'zv' || replace(replace(lower(old.visibility), '_', ''), '-', '') || ' ' || 'zc' || replace(replace(lower(old.company_id), '_', ''), '-', '') || ' ' || 'zs' || replace(replace(lower(old.state), '_', ''), '-', '') || ' ' || 'zk' || replace(replace(lower(old.category), '_', ''), '-', '') || ' ' || 'zi' || replace(replace(lower(coalesce((SELECT sector FROM company WHERE company.id = old.company_id), '')), '_', ''), '-', '') || ' ' || 'zm' || replace(replace(lower(substr(old.created_at, 1, 7)), '_', ''), '-', '') || ' ' || CASE WHEN old.first_response_at IS NULL THEN 'zunanswered' ELSE 'zanswered' END); END",
    "CREATE TRIGGER IF NOT EXISTS complaint_fts_au AFTER UPDATE OF title, body, visibility, company_id, state, category, created_at, first_response_at ON complaint WHEN old.title IS NOT new.title OR old.body IS NOT new.body OR old.visibility IS NOT new.visibility OR old.company_id IS NOT new.company_id OR old.state IS NOT new.state OR old.category IS NOT new.category OR old.created_at IS NOT new.created_at OR old.first_response_at IS NOT new.first_response_at BEGIN INSERT INTO complaint_fts(complaint_fts, rowid, title, body, facets) VALUES ('delete', old.id, old.title, old.body, 'zv' || replace(replace(lower(old.visibility), '_', ''), '-', '') || ' ' || 'zc' || replace(replace(lower(old.company_id), '_', ''), '-', '') || ' ' || 'zs' || replace(replace(lower(old.state), '_', ''), '-', '') || ' ' || 'zk' || replace(replace(lower(old.category), '_', ''), '-', '') || ' ' || 'zi' || replace(replace(lower(coalesce((SELECT sector FROM company WHERE company.id = old.company_id), '')), '_', ''), '-', '') || ' ' || 'zm' || replace(replace(lower(substr(old.created_at, 1, 7)), '_', ''), '-', '') || ' ' || CASE WHEN old.first_response_at IS NULL THEN 'zunanswered' ELSE 'zanswered' END); INSERT INTO complaint_fts(rowid, title, body, facets) VALUES (new.id, new.title, new.body, 'zv' || replace(replace(lower(new.visibility), '_', ''), '-', '') || ' ' || 'zc' || replace(replace(lower(new.company_id), '_', ''), '-', '') || ' ' || 'zs' || replace(replace(lower(new.state), '_', ''), '-', '') || ' ' || 'zk' || replace(replace(lower(new.category), '_', ''), '-', '') || ' ' || 'zi' || replace(replace(lower(coalesce((SELECT sector FROM company WHERE company.id = new.company_id), '')), '_', ''), '-', '') || ' ' || 'zm' || replace(replace(lower(substr(new.created_at, 1, 7)), '_', ''), '-', '') || ' ' || CASE WHEN new.first_response_at IS NULL THEN 'zunanswered' ELSE 'zanswered' END); END",
    "CREATE TRIGGER IF NOT EXISTS complaint_fts_sector AFTER UPDATE OF sector ON company WHEN old.sector IS NOT new.sector BEGIN INSERT INTO complaint_fts(complaint_fts, rowid, title, body, facets) SELECT 'delete', c.id, c.title, c.body, 'zv' || replace(replace(lower(c.visibility), '_', ''), '-', '') || ' ' || 'zc' || replace(replace(lower(c.company_id), '_', ''), '-', '') || ' ' || 'zs' || replace(replace(lower(c.state), '_', ''), '-', '') || ' ' || 'zk' || replace(replace(lower(c.category), '_', ''), '-', '') || ' ' || 'zi' || replace(replace(lower(coalesce(old.sector, '')), '_', ''), '-', '') || ' ' || 'zm' || replace(replace(lower(substr(c.created_at, 1, 7)), '_', ''), '-', '') || ' ' || CASE WHEN c.first_response_at IS NULL THEN 'zunanswered' ELSE 'zanswered' END FROM complaint AS c WHERE c.company_id = new.id; INSERT INTO complaint_fts(rowid, title, body, facets) SELECT c.id, c.title, c.body, 'zv' || replace(replace(lower(c.visibility), '_', ''), '-', '') || ' ' || 'zc' || replace(replace(lower(c.company_id), '_', ''), '-', '') || ' ' || 'zs' || replace(replace(lower(c.state), '_', ''), '-', '') || ' ' || 'zk' || replace(replace(lower(c.category), '_', ''), '-', '') || ' ' || 'zi' || replace(replace(lower(coalesce(new.sector, '')), '_', ''), '-', '') || ' ' || 'zm' || replace(replace(lower(substr(c.created_at, 1, 7)), '_', ''), '-', '') || ' ' || CASE WHEN c.first_response_at IS NULL THEN 'zunanswered' ELSE 'zanswered' END FROM complaint AS c WHERE c.company_id = new.id; END",
    "CREATE VIRTUAL TABLE IF NOT EXISTS complaint_fts_vocab USING fts5vocab(complaint_fts, 'row')",
    "INSERT INTO complaint_fts(complaint_fts) VALUES ('rebuild')",
]
DOWN = [
    "DROP TRIGGER IF EXISTS complaint_fts_sector",
    "DROP TRIGGER IF EXISTS complaint_fts_au",
    "DROP TRIGGER IF EXISTS complaint_fts_ad",
    "DROP TRIGGER IF EXISTS complaint_fts_ai",
    "DROP TABLE IF EXISTS complaint_fts_vocab",
    "DROP TABLE IF EXISTS complaint_fts",
    "DROP VIEW IF EXISTS complaint_fts_source",
]
# Migration 0002's index: title and body only, content read from complaint itself.
OLD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS complaint_fts USING fts5(title, body, "
    "content='complaint', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS complaint_fts_ai AFTER INSERT ON complaint BEGIN "
    "INSERT INTO complaint_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS complaint_fts_ad AFTER DELETE ON complaint BEGIN "
    "INSERT INTO complaint_fts(complaint_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS complaint_fts_au AFTER UPDATE OF title, body ON complaint "
    "BEGIN INSERT INTO complaint_fts(complaint_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO complaint_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "INSERT INTO complaint_fts(complaint_fts) VALUES ('rebuild')",
]


def _run(statements: list[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in statements:
            op.execute(statement)


def upgrade() -> None:
    _run([*DOWN, *UP])


def downgrade() -> None:
    _run([*DOWN, *OLD])
