"""Full-text index DDL on the complaint table, per database. Importing this module (the models
package does) attaches it to the table, so ``SQLModel.metadata.create_all`` (tests, first run)
builds it; migrations carry the same SQL. Searching it is app/search/fulltext.py.

SQLite: an FTS5 external-content table over the complaint's public title and body (never the
``original_*`` columns), kept in step by triggers, so no text is stored twice. A third column,
``facets``, holds one token per filter value (visibility, company, state, category, industry,
month filed, unanswered), so a filtered search narrows inside the index (``refund AND facets:
zc12``) instead of looking up every match in ``complaint``; its content is a view that computes
those tokens from the row (and the company's sector).
PostgreSQL: a stored generated tsvector column (title weighted over body) under a GIN index. Stored
rather than an expression index because ranking reads the vector of every match: recomputing
to_tsvector per row made a broad query (50,000 matches) take seconds instead of milliseconds.
The column is not in the model, so the ORM never reads or writes it.
"""

from sqlalchemy import DDL, event
from sqlmodel import SQLModel

from app.models.company_names import NAMES_FTS, NAMES_VOCAB, PG_NAMES_INDEX
from app.models.complaint import Complaint

FTS_TABLE = "complaint_fts"
FTS_SOURCE = "complaint_fts_source"
FTS_VOCAB = "complaint_fts_vocab"
PG_INDEX = "ix_complaint_fulltext"
PG_COLUMN = "search_vector"
TEXT_COLUMNS = "{title body}"  # what a reader's words may match (never the facet tokens)
FACETS = "facets"


def facet(kind: str, value: object) -> str:
    """The token the facets column holds for one filter value. Letters and digits only (the
    tokenizer splits on anything else); the same tokenizer reads index and query alike."""
    return "z" + kind + "".join(ch for ch in str(value) if ch.isalnum()).lower()


def _sql_token(kind: str, expr: str) -> str:
    # As facet() does, for the values stored: enum values and sectors hold only letters, digits
    # and underscores; a month is 'YYYY-MM'.
    return f"'z{kind}' || replace(replace(lower({expr}), '_', ''), '-', '')"


def _facets(row: str, sector: str) -> str:
    parts = [
        _sql_token("v", f"{row}.visibility"),
        _sql_token("c", f"{row}.company_id"),
        _sql_token("s", f"{row}.state"),
        _sql_token("k", f"{row}.category"),
        _sql_token("i", f"coalesce({sector}, '')"),
        _sql_token("m", f"substr({row}.created_at, 1, 7)"),  # 'YYYY-MM' of the stored text
        f"CASE WHEN {row}.first_response_at IS NULL THEN 'zunanswered' ELSE 'zanswered' END",
    ]
    return " || ' ' || ".join(parts)


def _sector_of(row: str) -> str:
    return f"(SELECT sector FROM company WHERE company.id = {row}.company_id)"


def _insert(row: str, sector: str) -> str:
    return (
        f"INSERT INTO {FTS_TABLE}(rowid, title, body, facets) "
        f"VALUES ({row}.id, {row}.title, {row}.body, {_facets(row, sector)});"
    )


def _delete(row: str, sector: str) -> str:
    return (
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body, facets) "
        f"VALUES ('delete', {row}.id, {row}.title, {row}.body, {_facets(row, sector)});"
    )


# Columns the index reads: an update of any other column (most updates) leaves it alone.
_INDEXED = ("title", "body", "visibility", "company_id", "state", "category", "created_at",
            "first_response_at")  # fmt: skip
_CHANGED = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _INDEXED)
_OF_COMPANY = "FROM complaint AS c WHERE c.company_id = new.id"

SQLITE_UPGRADE = [
    f"CREATE VIEW IF NOT EXISTS {FTS_SOURCE} AS SELECT c.id, c.title, c.body, "
    f"{_facets('c', _sector_of('c'))} AS facets FROM complaint AS c",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, body, facets, "
    f"content='{FTS_SOURCE}', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS complaint_fts_ai AFTER INSERT ON complaint BEGIN "
    f"{_insert('new', _sector_of('new'))} END",
    "CREATE TRIGGER IF NOT EXISTS complaint_fts_ad AFTER DELETE ON complaint BEGIN "
    f"{_delete('old', _sector_of('old'))} END",
    f"CREATE TRIGGER IF NOT EXISTS complaint_fts_au AFTER UPDATE OF {', '.join(_INDEXED)} "
    f"ON complaint WHEN {_CHANGED} BEGIN "
    f"{_delete('old', _sector_of('old'))} {_insert('new', _sector_of('new'))} END",
    # A company's industry is in each of its complaints' tokens (rare: an admin reclassifies).
    "CREATE TRIGGER IF NOT EXISTS complaint_fts_sector AFTER UPDATE OF sector ON company "
    "WHEN old.sector IS NOT new.sector BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body, facets) "
    f"SELECT 'delete', c.id, c.title, c.body, {_facets('c', 'old.sector')} {_OF_COMPANY}; "
    f"INSERT INTO {FTS_TABLE}(rowid, title, body, facets) "
    f"SELECT c.id, c.title, c.body, {_facets('c', 'new.sector')} {_OF_COMPANY}; END",
    # Its words, for expanding a prefix into the words indexed (app/search/fulltext.py).
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_VOCAB} USING fts5vocab({FTS_TABLE}, 'row')",
    # Index rows that existed before the table did (a migration on a filled database).
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS complaint_fts_sector",
    "DROP TRIGGER IF EXISTS complaint_fts_au",
    "DROP TRIGGER IF EXISTS complaint_fts_ad",
    "DROP TRIGGER IF EXISTS complaint_fts_ai",
    f"DROP TABLE IF EXISTS {FTS_VOCAB}",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
    f"DROP VIEW IF EXISTS {FTS_SOURCE}",
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


def include_name(name: str | None, type_: str, _parent_names: dict[str, str | None]) -> bool:
    """Alembic autogenerate filter: the FTS5 tables, their shadow tables, the tsvector column
    and the GIN indexes are managed by hand (here and in app/models/company_names.py), not by
    the models, so they are not differences."""
    if type_ == "table" and name and name.startswith((FTS_TABLE, NAMES_FTS, NAMES_VOCAB)):
        return False
    return not (
        (type_ == "index" and name in (PG_INDEX, PG_NAMES_INDEX))
        or (type_ == "column" and name == PG_COLUMN)
    )


_attach()
