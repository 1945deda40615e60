"""BM25 over the newest matches only, computed here for SQLite.

FTS5's ``bm25()`` first counts, for each word of the query, every row of the whole index that
holds it (its inverse document frequency), once per query: 1 ms at 10 thousand complaints, 26 ms
at a million for a common word, whatever the LIMIT. Ranked among the newest ``RANK_POOL``
matches only, the frequencies are taken within them, from the texts themselves, so a search
costs what its page costs. A word is counted wherever its stem occurs (its start, cut as the
snippets cut it: app/search/snippets.py): a stand-in for the index's stemming, for ordering only
(which complaints match is the index's decision).
"""

import math

from app.search.query import Query

K1, B = 1.2, 0.75  # BM25's usual constants
TITLE_WEIGHT = 4.0  # a word in the title counts four times one in the body
MIN_STEM = 4


def _stems(query: Query) -> list[str]:
    stems = set()
    for clause in query.clauses:
        for term in clause:
            if not term.negated:
                for word in term.words:
                    cut = len(word) if term.prefix else max(MIN_STEM, len(word) - 2)
                    stems.add(word[:cut].lower())
    return sorted(stems)


def _counts(text: str, stems: list[str]) -> tuple[list[int], int]:
    # str.count, not a regex per word: this runs for every ranked match on every search.
    folded = text.lower()
    return [folded.count(stem) for stem in stems], folded.count(" ") + 1


def order(rows: list[tuple[int, str, str]], query: Query, titled: set[int]) -> list[int]:
    """Ids of ``rows`` (id, title, body): those whose title matched (``titled``, from the
    index) first, then by BM25 with title words weighted, ties newest (highest id) first."""
    stems = _stems(query)
    if not rows or not stems:
        return sorted((r[0] for r in rows), key=lambda i: (i not in titled, -i))
    counted = []
    for cid, title, body in rows:
        (in_title, title_len), (in_body, body_len) = _counts(title, stems), _counts(body, stems)
        tf = [TITLE_WEIGHT * t + b for t, b in zip(in_title, in_body, strict=True)]
        counted.append((cid, tf, TITLE_WEIGHT * title_len + body_len))
    n = len(counted)
    average = sum(length for _, _, length in counted) / n or 1.0
    holding = [sum(1 for _, tf, _ in counted if tf[i] > 0) for i in range(len(stems))]
    idf = [math.log((n - h + 0.5) / (h + 0.5) + 1) for h in holding]
    scores = {}
    for cid, tf, length in counted:
        norm = K1 * (1 - B + B * length / average)
        scores[cid] = sum(w * f * (K1 + 1) / (f + norm) for w, f in zip(idf, tf, strict=True))
    return sorted(scores, key=lambda i: (i not in titled, -scores[i], -i))
