"""One full-text interface over two backends, chosen by the session's database.

``match(stmt, query, dialect)`` narrows a ``select(Complaint)`` to the complaints matching the
user's query and returns the ordering that puts the best match first:
- SQLite: FTS5 (app/search/schema.py) with BM25, title words weighing four times body words.
- PostgreSQL: the stored weighted tsvector column under a GIN index, ``to_tsquery`` with English stemming,
  ranked by ``ts_rank``.
Both index only the public (redacted) title and body.
"""

from sqlalchemy import ColumnElement, Select, column, literal_column, select, table
from sqlalchemy.sql import func
from sqlmodel import col

from app.models.complaint import Complaint
from app.search import query as parser
from app.search.schema import FTS_TABLE, PG_COLUMN

TITLE_WEIGHT = 4.0  # FTS5 bm25 column weight; PostgreSQL weighs A (title) over B (body) itself


def match(stmt: Select, query: parser.Query, dialect: str) -> tuple[Select, ColumnElement]:
    """The statement limited to matches, and an ORDER BY term for relevance (best first)."""
    if dialect == "postgresql":
        return _postgres(stmt, query)
    return _sqlite(stmt, query)


def _sqlite(stmt: Select, query: parser.Query) -> tuple[Select, ColumnElement]:
    # A MATERIALIZED CTE: the MATCH runs once. Joined directly (or as a plain subquery) SQLite
    # may loop over complaints and re-run the full-text query for each, which is quadratic.
    fts = table(FTS_TABLE, column("rowid"))
    whole = literal_column(FTS_TABLE)  # the table's own name stands for "any column" in FTS5
    hits = (
        select(
            fts.c.rowid.label("complaint_id"),
            func.bm25(whole, TITLE_WEIGHT, 1.0).label("score"),  # negative: lower is better
        )
        .where(whole.op("MATCH")(parser.to_fts5(query)))
        .cte("fts_hits")
        .prefix_with("MATERIALIZED")
    )
    stmt = stmt.join(hits, hits.c.complaint_id == col(Complaint.id))
    return stmt, hits.c.score.asc()


def _postgres(stmt: Select, query: parser.Query) -> tuple[Select, ColumnElement]:
    vector = literal_column(f"complaint.{PG_COLUMN}")  # generated, GIN-indexed (schema.py)
    tsquery = func.to_tsquery(literal_column("'english'::regconfig"), parser.to_tsquery(query))
    stmt = stmt.where(vector.op("@@")(tsquery))
    return stmt, func.ts_rank(vector, tsquery).desc()
