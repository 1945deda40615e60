"""The companies whose names (or domains) share the most letter triples with what was typed,
read through a trigram index (app/models/company_names.py): the candidates a typo's fuzzy
scoring then ranks, so the cost follows the few close names, not how many companies exist."""

from sqlalchemy import bindparam, text
from sqlmodel import Session

from app.models.company_names import NAMES_FTS, NAMES_VOCAB, PG_NAMES_EXPR

CANDIDATES = 60
RAREST = 6
PG_THRESHOLD = 0.5  # pg_trgm word similarity: "mapel post" for "maple post" is 0.57

_WHERE = f"{PG_NAMES_EXPR} %> :typed"  # the GIN index answers this form (expression first)
_SIMILARITY = f"word_similarity(:typed, {PG_NAMES_EXPR})"
_PG_CLOSE = text(f"SELECT id FROM company WHERE {_WHERE} ORDER BY {_SIMILARITY} DESC, id LIMIT :n")  # noqa: S608
_MATCH = f"{NAMES_FTS} MATCH :match"
_COUNTS = text(f"SELECT term, doc FROM {NAMES_VOCAB} WHERE term IN :grams")  # noqa: S608
_SQLITE_CLOSE = text(f"SELECT rowid FROM {NAMES_FTS} WHERE {_MATCH} ORDER BY rank LIMIT :n")  # noqa: S608


def _trigrams(typed: str) -> list[str]:
    folded = " ".join(typed.lower().split())
    grams = {folded[i : i + 3] for i in range(len(folded) - 2)}
    return sorted(g for g in grams if '"' not in g)  # FTS5 quotes terms in double quotes


def close_ids(*, session: Session, typed: str) -> list[int]:
    """Ids of up to ``CANDIDATES`` companies (any, listed or not) whose name or domain is most
    alike ``typed`` by shared trigrams, most alike first."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL pg_trgm.word_similarity_threshold = {PG_THRESHOLD}"))
        # The planner prices word_similarity() like an addition, so with fresh statistics it
        # scored every company in a sequential scan (88 ms at 10,000 companies, 9 ms through
        # the index): the index, always.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        found = [
            r[0]
            for r in session.execute(
                _PG_CLOSE, {"typed": " ".join(typed.lower().split()), "n": CANDIDATES}
            )
        ]
        session.execute(text("SET LOCAL enable_seqscan = on"))
        return found
    grams = _trigrams(typed)
    if not grams:
        return []
    # The rarest of its trigrams that some name holds: ranking names by every trigram (" te",
    # "com") would score a quarter of all companies.
    counted = session.execute(
        _COUNTS.bindparams(bindparam("grams", expanding=True)), {"grams": grams}
    )
    rarest = [g for g, _ in sorted(counted, key=lambda row: (row[1], row[0]))[:RAREST]]
    if not rarest:
        return []
    match = " OR ".join(f'"{g}"' for g in rarest)
    rows = session.execute(
        _SQLITE_CLOSE,
        {"match": match, "n": CANDIDATES},
    )
    return [r[0] for r in rows]
