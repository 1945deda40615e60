"""Full-text index DDL on the complaint table, per database. Importing this module (the models
package does) attaches it to the table, so ``SQLModel.metadata.create_all`` (tests, first run)
builds it; migrations carry the same SQL. Searching it is app/search/fulltext.py.

SQLite: an FTS5 external-content table over the complaint's public title and body (never the
``original_*`` columns), kept in step by triggers, so no text is stored twice.
PostgreSQL: a stored generated tsvector column (title weighted over body) under a GIN index. Stored
rather than an expression index because ranking reads the vector of every match: recomputing
to_tsvector per row made a broad query (50,000 matches) take seconds instead of milliseconds.
The column is not in the model, so the ORM never reads or writes it.
"""

from sqlalchemy import DDL, event
from sqlmodel import SQLModel

from app.models.complaint import Complaint

FTS_TABLE = "complaint_fts"
PG_INDEX = "ix_complaint_fulltext"
PG_COLUMN = "search_vector"

SQLITE_UPGRADE = [
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
    # Index rows that existed before the table did (a migration on a filled database).
    "INSERT INTO complaint_fts(complaint_fts) VALUES ('rebuild')",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS complaint_fts_au",
    "DROP TRIGGER IF EXISTS complaint_fts_ad",
    "DROP TRIGGER IF EXISTS complaint_fts_ai",
    "DROP TABLE IF EXISTS complaint_fts",
]
PG_UPGRADE = [
    "ALTER TABLE complaint ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS "
    "(setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS ix_complaint_fulltext ON complaint USING gin (search_vector)",
]
PG_DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_complaint_fulltext",
    "ALTER TABLE complaint DROP COLUMN IF EXISTS search_vector",
]


def _attach() -> None:
    complaint = SQLModel.metadata.tables[str(Complaint.__tablename__)]
    for statement in SQLITE_UPGRADE:
        event.listen(complaint, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in PG_UPGRADE:
        event.listen(complaint, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    # The FTS table is not in the metadata, so drop_all would leave it behind with stale rows.
    for statement in SQLITE_DOWNGRADE:
        event.listen(complaint, "before_drop", DDL(statement).execute_if(dialect="sqlite"))


def include_name(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Alembic autogenerate filter: the FTS5 table, its shadow tables, and the tsvector column
    and its index are managed by hand (above), not by the models, so they are not differences."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    return not (
        (type_ == "index" and name == PG_INDEX) or (type_ == "column" and name == PG_COLUMN)
    )


_attach()
