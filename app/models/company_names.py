"""A trigram index over company names (and domains), per database, so finding the names close
to a typo reads the few names that share its rarer letter triples instead of scoring every
company's name (app/companies/names.py). Attached to the company table like app/models/fulltext.py;
migration 0020 carries the same SQL.

SQLite: an FTS5 external-content table with the trigram tokenizer, kept by triggers.
PostgreSQL: pg_trgm's GIN index on the lower-cased name and domain.
"""

from sqlalchemy import DDL, event
from sqlmodel import SQLModel

from app.models.company import Company

NAMES_FTS = "company_name_fts"
NAMES_VOCAB = "company_name_vocab"
PG_NAMES_INDEX = "ix_company_name_trgm"
PG_NAMES_EXPR = "lower(name || ' ' || coalesce(domain, ''))"

SQLITE_UPGRADE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {NAMES_FTS} USING fts5(name, domain, "
    "content='company', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS company_name_fts_ai AFTER INSERT ON company BEGIN "
    f"INSERT INTO {NAMES_FTS}(rowid, name, domain) VALUES (new.id, new.name, new.domain); END",
    "CREATE TRIGGER IF NOT EXISTS company_name_fts_ad AFTER DELETE ON company BEGIN "
    f"INSERT INTO {NAMES_FTS}({NAMES_FTS}, rowid, name, domain) "
    "VALUES ('delete', old.id, old.name, old.domain); END",
    "CREATE TRIGGER IF NOT EXISTS company_name_fts_au AFTER UPDATE OF name, domain ON company "
    f"BEGIN INSERT INTO {NAMES_FTS}({NAMES_FTS}, rowid, name, domain) "
    "VALUES ('delete', old.id, old.name, old.domain); "
    f"INSERT INTO {NAMES_FTS}(rowid, name, domain) VALUES (new.id, new.name, new.domain); END",
    # How many names hold each trigram: a typo is looked up by its rarest ones.
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {NAMES_VOCAB} USING fts5vocab({NAMES_FTS}, 'row')",
    f"INSERT INTO {NAMES_FTS}({NAMES_FTS}) VALUES ('rebuild')",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS company_name_fts_au",
    "DROP TRIGGER IF EXISTS company_name_fts_ad",
    "DROP TRIGGER IF EXISTS company_name_fts_ai",
    f"DROP TABLE IF EXISTS {NAMES_VOCAB}",
    f"DROP TABLE IF EXISTS {NAMES_FTS}",
]
PG_UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {PG_NAMES_INDEX} ON company USING gin "
    f"(({PG_NAMES_EXPR}) gin_trgm_ops)",
]
PG_DOWNGRADE = [f"DROP INDEX IF EXISTS {PG_NAMES_INDEX}"]  # the extension may serve others


def _attach() -> None:
    company = SQLModel.metadata.tables[str(Company.__tablename__)]
    for statement in SQLITE_UPGRADE:
        event.listen(company, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in PG_UPGRADE:
        event.listen(company, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    for statement in SQLITE_DOWNGRADE:
        event.listen(company, "before_drop", DDL(statement).execute_if(dialect="sqlite"))


_attach()
