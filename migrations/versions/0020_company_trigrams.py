"""A trigram index over company names and domains, so matching a misspelt company reads the
few names alike instead of scoring every company's (bench/README.md): SQLite FTS5 with the trigram
tokenizer, kept by triggers; PostgreSQL pg_trgm's GIN index (the company table is small: built in
well under a second at 10,000 companies).

Revision ID: i17_company_trigrams
Revises: i17_fts_facets
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i17_company_trigrams"
down_revision: str | None = "i17_fts_facets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements of app/models/company_names.py at this revision (frozen here).
SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS company_name_fts USING fts5(name, domain, content='company', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS company_name_fts_ai AFTER INSERT ON company BEGIN INSERT INTO company_name_fts(rowid, name, domain) VALUES (new.id, new.name, new.domain); END",
    "CREATE TRIGGER IF NOT EXISTS company_name_fts_ad AFTER DELETE ON company BEGIN INSERT INTO company_name_fts(company_name_fts, rowid, name, domain) VALUES ('delete', old.id, old.name, old.domain); END",
    "CREATE TRIGGER IF NOT EXISTS company_name_fts_au AFTER UPDATE OF name, domain ON company BEGIN INSERT INTO company_name_fts(company_name_fts, rowid, name, domain) VALUES ('delete', old.id, old.name, old.domain); INSERT INTO company_name_fts(rowid, name, domain) VALUES (new.id, new.name, new.domain); END",
    "CREATE VIRTUAL TABLE IF NOT EXISTS company_name_vocab USING fts5vocab(company_name_fts, 'row')",
    "INSERT INTO company_name_fts(company_name_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS company_name_fts_au",
    "DROP TRIGGER IF EXISTS company_name_fts_ad",
    "DROP TRIGGER IF EXISTS company_name_fts_ai",
    "DROP TABLE IF EXISTS company_name_vocab",
    "DROP TABLE IF EXISTS company_name_fts",
]
PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_company_name_trgm ON company USING gin ((lower(name || ' ' || coalesce(domain, ''))) gin_trgm_ops)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS ix_company_name_trgm",
]


def _run(sqlite: list[str], postgresql: list[str]) -> None:
    for statement in sqlite if op.get_bind().dialect.name == "sqlite" else postgresql:
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_UP, PG_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN, PG_DOWN)
