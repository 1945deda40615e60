"""One full-text interface over two backends, chosen by the session's database.

``ranked(session, where, query, dialect, pool=, rank=, offset=, limit=)``: one page of the ids
of the complaints meeting ``where`` whose public title or body match the user's query, best
match first among the newest ``rank`` matches (then newest first), and how many matches the
newest ``pool`` hold.

Ranking every match would cost as much as there are matches (a common word matches a tenth of
a million complaints), so each backend finds the newest matches by walking its index newest
first and stopping, then ranks only the newest ``rank``:
- SQLite: FTS5 (app/models/fulltext.py) read in descending rowid order, filters as facet tokens
  in the same index; BM25 with title words weighing four times body words, computed over the
  ranked matches (app/search/scoring.py).
- PostgreSQL: the stored weighted tsvector column under a GIN index, ``to_tsquery`` with English
  stemming, ranked by ``ts_rank``; the planner walks a (…, created_at, id) index backwards
  checking each row when the words are common, or reads the GIN index when they are rare.
Both put complaints whose title matches before those matching in the body only, and both index only the public (redacted) title and body. Another engine (one that ranks through its
own index) can stand behind the same function.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Select,
    case,
    column,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.sql import func
from sqlmodel import Session, col

from app.models.complaint import Complaint
from app.models.fulltext import FTS_TABLE, FTS_VOCAB, PG_COLUMN
from app.search import query as parser
from app.search import scoring

MAX_EXPANSION = 64
RARE_SHARE = 0.006  # PostgreSQL's estimate for a word its statistics do not list is 0.5%
_ROWS = text("SELECT reltuples FROM pg_class WHERE oid = 'complaint'::regclass")
EXCLUSION_WINDOW = 10_000  # the most candidates read at a time for an exclusion (SQLite)
MAX_KEPT = 1024  # prefixes' word lists kept per process
_expansions: dict[tuple[str, int | None, str], list[str]] = {}
_NEWEST = text("SELECT max(id) FROM complaint")
_VOCAB = text(
    f"SELECT term FROM {FTS_VOCAB} WHERE term >= :p AND term < :end LIMIT {MAX_EXPANSION + 1}"  # noqa: S608
)

_fts = table(FTS_TABLE, column("rowid"))
_whole: ColumnClause[Any] = literal_column(
    FTS_TABLE
)  # the table's own name stands for "any column" in FTS5


def _tsquery(query: parser.Query) -> ColumnElement:
    return func.to_tsquery(literal_column("'english'::regconfig"), parser.to_tsquery(query))


def _expanded(session: Session, query: parser.Query) -> dict[str, list[str]]:
    """Each prefix typed, as the indexed words it starts (up to ``MAX_EXPANSION``): FTS5 reads
    a prefix by merging every such word's whole list of matches before returning the first,
    while an OR of the words is read newest first and stops at the pool. A prefix the stemmer
    would change ("arrived*": indexed as "arriv") finds no word here and stays a prefix.
    Listing the words counts their matches too (fts5vocab), so each process keeps the lists
    until the next complaint is filed (a text edit's new words wait for that)."""
    prefixes = parser.prefixes(query)
    if not prefixes:
        return {}
    newest = session.execute(_NEWEST).scalar()
    found = {}
    for prefix in prefixes:
        key = (str(session.get_bind().engine.url), newest, prefix)
        if (words := _expansions.get(key)) is None:
            end = prefix + "\U0010ffff"
            words = list(session.execute(_VOCAB, {"p": prefix, "end": end}).scalars())
            if len(_expansions) >= MAX_KEPT:
                _expansions.clear()
            _expansions[key] = words
        if 0 < len(words) <= MAX_EXPANSION:
            found[prefix] = words
    return found


def _sqlite_matches(
    stmt: Select,
    where: list[ColumnElement[bool]],
    query: parser.Query,
    facets: Sequence[str],
    expand: dict[str, list[str]],
) -> Select:
    words = parser.to_fts5(query, expand=expand)
    match = " AND ".join(f"({part})" for part in (words, *facets))
    stmt = stmt.select_from(_fts).where(_whole.op("MATCH")(match))
    if not where:  # every filter is in the index: no complaint row is read until the page
        return stmt
    # The full-text table drives the join: "+rowid" keeps SQLite from looping over complaints
    # and re-running the full-text query for each one.
    return stmt.join(Complaint, col(Complaint.id) == literal_column(f"+{FTS_TABLE}.rowid")).where(
        *where
    )


def _rare(session: Session, tsquery: ColumnElement[Any]) -> bool:
    """Whether PostgreSQL's statistics leave the words among the rare ones: a word outside the
    most common elements is estimated at 0.5% of rows, whatever its real count (one complaint's
    number: one row). With a LIMIT of a few hundred, the planner then walks the filing-time
    index newest first expecting a match every 200 rows, and reads the whole table (2 s at a
    million complaints) to find the one; for such words the GIN index answers instead."""
    vector: ColumnClause[Any] = literal_column(f"complaint.{PG_COLUMN}")
    probe: Select[Any] = (
        select(literal_column("1")).select_from(Complaint).where(vector.op("@@")(tsquery))
    )
    compiled = probe.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = session.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar_one()
    estimated = plan[0]["Plan"]["Plan Rows"]
    rows = session.execute(_ROWS).scalar_one()  # -1 before the first ANALYZE
    return bool(estimated <= RARE_SHARE * max(rows, 1))


def _sqlite_ranked(
    session: Session,
    where: list[ColumnElement[bool]],
    query: parser.Query,
    facets: Sequence[str],
    *,
    pool: int,
    rank: int,
    offset: int,
    limit: int,
) -> tuple[list[int], int]:
    expand = _expanded(session, query)
    ids = _sqlite_newest(session, where, query, facets, expand, pool=pool)
    if offset >= rank or not ids:
        return ids[offset : offset + limit], len(ids)
    ranked_ids = ids[:rank]
    # Which of them hold any of the words in the title: the index answers for their rowid span
    # with the same facets (FTS5's bm25() would first count every row holding each word).
    words = parser.Query(tuple((t,) for c in query.clauses for t in c if not t.negated))
    title_match = " AND ".join(
        f"({part})" for part in (parser.to_fts5(words, columns="{title}", expand=expand), *facets)
    )
    span = _fts.c.rowid.between(ranked_ids[-1], ranked_ids[0])
    in_title = select(_fts.c.rowid).where(_whole.op("MATCH")(title_match), span)
    titled = set(session.execute(in_title).scalars()) & set(ranked_ids)
    texts = session.execute(
        select(col(Complaint.id), col(Complaint.title), col(Complaint.body)).where(
            col(Complaint.id).in_(ranked_ids)
        )
    ).all()
    best = scoring.order([(i, t, b) for i, t, b in texts], query, titled)
    return [*best[offset:rank][:limit], *ids[max(rank, offset) : offset + limit]], len(ids)


def _sqlite_newest(
    session: Session,
    where: list[ColumnElement[bool]],
    query: parser.Query,
    facets: Sequence[str],
    expand: dict[str, list[str]],
    *,
    pool: int,
) -> list[int]:
    """The newest ``pool`` matches by rowid alone: FTS5 reads its lists newest first and stops.

    Except through an exclusion: in ``("a" NOT "b") OR …`` FTS5 looks for the clause's next
    row before it checks a rowid bound, so a clause whose word nearly always comes with the
    excluded one ("charged -twice") reads its word's whole list, however many rows the other
    clauses already gave (at a million complaints a tenth of the index). So with an exclusion
    the newest candidates (the words without it) are taken a window at a time (twice the pool,
    then doubling), and within the window's rowid span each clause's words and each excluded
    word are read apart, each stopping at the span, and subtracted in SQL: the cost follows the
    candidates read before ``pool`` matches are found, as on PostgreSQL, which checks row by
    row. (With a filter the index cannot hold, the dates, the query is asked whole.)"""
    desc = _fts.c.rowid.desc()
    whole = _sqlite_matches(select(_fts.c.rowid), where, query, facets, expand)
    if where or not any(t.negated for clause in query.clauses for t in clause):
        return list(session.execute(whole.order_by(desc).limit(pool)).scalars())

    # Plain SQL: built per window, SQLAlchemy's statement objects cost more than the reads.
    def matched(terms: parser.Query, *, filtered: bool = True) -> str:
        parts = (parser.to_fts5(terms, expand=expand), *(facets if filtered else ()))
        return " AND ".join(f"({part})" for part in parts)

    kept = [tuple(t for t in c if not t.negated) for c in query.clauses]
    candidates = matched(parser.Query(tuple(kept)))
    connection = session.connection()
    found: list[int] = []
    below: int | None = None
    size = 2 * pool
    while len(found) < pool:
        upper, bound = ("", ()) if below is None else (" AND rowid < ?", (below,))
        newest, count = connection.exec_driver_sql(
            f"SELECT min(id), count(*) FROM (SELECT rowid AS id FROM {FTS_TABLE} WHERE "  # noqa: S608 - names only
            f"{FTS_TABLE} MATCH ?{upper} ORDER BY rowid DESC LIMIT ?)",
            (candidates, *bound, size),
        ).one()
        if not count:
            break
        span = f"{FTS_TABLE} MATCH ? AND rowid >= ?{upper}"
        sql, params = [], []
        for clause, positive in zip(query.clauses, kept, strict=True):
            excluded = [
                parser.Query(((parser.Term(t.words, t.prefix),),)) for t in clause if t.negated
            ]
            reads = [
                matched(parser.Query((positive,))),
                *(matched(e, filtered=False) for e in excluded),
            ]
            one = f"SELECT rowid AS id FROM {FTS_TABLE} WHERE {span}"  # noqa: S608 - names only
            sql.append(f"SELECT id FROM ({' EXCEPT '.join(one for _ in reads)})")  # noqa: S608
            params += [value for match in reads for value in (match, newest, *bound)]
        found += [
            row[0]
            for row in connection.exec_driver_sql(
                f"SELECT id FROM ({' UNION '.join(sql)}) ORDER BY id DESC LIMIT ?",  # noqa: S608
                (*params, pool - len(found)),
            )
        ]
        if count < size:
            break
        below, size = newest, min(2 * size, EXCLUSION_WINDOW)
    return found


def ranked(
    session: Session,
    where: list[ColumnElement[bool]],
    query: parser.Query,
    dialect: str,
    *,
    pool: int,
    rank: int,
    offset: int,
    limit: int,
    constant: Sequence[Any] = (),
    facets: Sequence[str] = (),
) -> tuple[list[int], int]:
    """Ids of one page of the newest ``pool`` matches: the newest ``rank`` of them best first
    (ties newest first), then the rest newest first; and how many matches the pool holds
    (``pool`` itself: at least that many). ``constant``: columns ``where`` holds to one value,
    named ahead of the filing time in the newest-first order so PostgreSQL may walk an index
    that starts with them (the same order, another index). ``facets``: SQLite only, FTS5
    expressions over the facet tokens (app/models/fulltext.py) ANDed with the words; ``where``
    then holds only what the tokens cannot say."""
    if dialect != "postgresql":
        return _sqlite_ranked(
            session, where, query, facets, pool=pool, rank=rank, offset=offset, limit=limit
        )
    vector: ColumnClause[Any] = literal_column(f"complaint.{PG_COLUMN}")
    tsquery = _tsquery(query)
    # Newest by filing time: the order of the composite indexes a filter may use (by company,
    # state, visibility), so the planner can walk one of them and check each row's vector.
    order = [
        *(c.desc() for c in constant),
        col(Complaint.created_at).desc(),
        col(Complaint.id).desc(),
    ]
    newest = (
        select(
            col(Complaint.id),
            vector.label("vector"),
            func.row_number().over(order_by=order).label("position"),
        )
        .where(*where, vector.op("@@")(tsquery))
        .order_by(*order)
        .limit(pool)
        .subquery()
    )
    # A match in the title first (its words weigh A; weights {D, C, B, A} = {0, 0, 0, 1}
    # score the title alone), then by rank: a complaint titled with the very words a reader
    # typed must not sink below long bodies that repeat them. Only the newest ``rank``.
    title_only: ColumnClause[Any] = literal_column("'{0, 0, 0, 1}'::float4[]")
    in_rank = newest.c.position <= rank
    in_title = case((in_rank, func.ts_rank(title_only, newest.c.vector, tsquery) > 0))
    score = case((in_rank, func.ts_rank(newest.c.vector, tsquery)))
    page = (
        select(newest.c.id, func.count().over())
        .order_by(in_rank.desc(), in_title.desc(), score.desc(), newest.c.position)
        .offset(offset)
        .limit(limit)
    )
    rare = _rare(session, tsquery)
    if rare:  # read the GIN index, never walk the table newest first hoping to meet matches
        session.execute(text("SET LOCAL enable_indexscan = off"))
    rows = session.execute(page).all()
    if rare:
        session.execute(text("SET LOCAL enable_indexscan = on"))
    if rows:
        return [r[0] for r in rows], rows[0][1]
    if offset == 0:
        return [], 0
    return [], session.execute(
        select(func.count()).select_from(newest)
    ).scalar_one()  # past the end
