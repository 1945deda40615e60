"""The user's search box, parsed once and rendered for each database.

Syntax (close to PostgreSQL's websearch_to_tsquery, plus prefixes): words are ANDed, ``"a phrase"``
matches words in order, ``refund*`` matches words starting with "refund", ``-word`` excludes, and
``OR`` between words or phrases means either. Only runs of letters and digits reach the database,
each one quoted, so no input (quotes, operators, SQL) can break the query syntax of either backend.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_TERMS = 32  # a pasted essay must not become a 5,000-term query

_TOKEN = re.compile(r'"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    prefix: bool = False
    negated: bool = False


Clause = tuple[Term, ...]  # terms ANDed together


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]  # ORed together; each clause has at least one positive term

    def __bool__(self) -> bool:
        return bool(self.clauses)


def parse(text: str) -> Query:
    """Never fails: what cannot be searched for is dropped."""
    clauses: list[list[Term]] = [[]]
    count = 0
    for match in _TOKEN.finditer(text or ""):
        phrase, minus, raw = match.groups()
        if raw is not None and raw.upper() == "OR" and not minus:
            clauses.append([])
            continue
        source = phrase if phrase is not None else raw
        words = tuple(w.lower() for w in _WORD.findall(source))
        if not words or count >= MAX_TERMS:
            continue
        count += 1
        # "refund*" is a prefix; "refund-policy" is two words that must follow each other.
        prefix = phrase is None and raw.endswith("*") and len(words) == 1
        clauses[-1].append(Term(words=words, prefix=prefix, negated=bool(minus)))
    # A clause of exclusions alone has nothing to search for (and FTS5 cannot express it).
    return Query(
        clauses=tuple(tuple(c) for c in clauses if any(not t.negated for t in c)),
    )


def _fts5_term(term: Term, expand: Mapping[str, Sequence[str]]) -> str:
    # \w+ words never contain a double quote, so quoting cannot be escaped from.
    if term.prefix and (words := expand.get(term.words[0])):
        return "(" + " OR ".join(f'"{w}"' for w in words) + ")"
    return f'"{" ".join(term.words)}"' + ("*" if term.prefix else "")


def to_fts5(
    query: Query, columns: str = "{title body}", expand: Mapping[str, Sequence[str]] = {}
) -> str:
    """FTS5 MATCH syntax: ``{title body} : (("a" AND "b" NOT "c") OR ("d e"))``, the words held
    to the text columns (the index's facet tokens are for filters, not for readers' words).
    ``expand``: a prefix's indexed words, searched as those words (see prefixes())."""
    parts = []
    for clause in query.clauses:
        positive = " AND ".join(_fts5_term(t, expand) for t in clause if not t.negated)
        negative = "".join(f" NOT {_fts5_term(t, expand)}" for t in clause if t.negated)
        parts.append(f"({positive}{negative})")
    return f"{columns} : ({' OR '.join(parts)})"


def prefixes(query: Query) -> set[str]:
    """The prefixes typed (``refun*``)."""
    return {t.words[0] for clause in query.clauses for t in clause if t.prefix}


def _ts_term(term: Term) -> str:
    words = " <-> ".join(f"'{w}'" for w in term.words)
    text = f"({words})" if len(term.words) > 1 else words + (":*" if term.prefix else "")
    return f"!{text}" if term.negated else text


def to_tsquery(query: Query) -> str:
    """Input for PostgreSQL's ``to_tsquery(config, …)``, which stems each quoted word."""
    return " | ".join(
        "(" + " & ".join(_ts_term(t) for t in clause) + ")" for clause in query.clauses
    )
