"""Which complaints are near-identical: MinHash LSH candidates, confirmed by exact Jaccard.

Why MinHash LSH (datasketch) rather than comparing every pair (rapidfuzz): a busy company has
thousands of complaints in a window, and all pairs is O(n²) comparisons; LSH buckets each
complaint's signature once and only compares complaints that share a bucket, so the cost grows
with n. Candidates are then checked exactly, so LSH's false positives never form a group. Up to
``EXACT_UP_TO`` complaints every pair is compared, so most companies' groups are exact, and LSH is
tuned for recall (a missed pair can split an issue) with a stable hash, so a regrouping finds the
same groups in every process.

Text is compared as sets of word pairs (shingles) of the public title and body, lower-cased: a
consumer who copies a neighbour's complaint and changes a few words still shares most pairs,
while two different complaints share few even when they use the same vocabulary.
"""

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations, pairwise
from zlib import crc32

from app.writegate import give_way

EXACT_UP_TO = 150  # all pairs (11k set checks) costs about what LSH does at this size: ~60 ms
NUM_PERM = 128
# LSH bands chosen to miss few true pairs: at the default similarity (0.5) a pair is missed with
# probability about 0.4%, at 0.66 about one in a million; extra candidates only cost a set check.
RECALL_WEIGHTS = (0.1, 0.9)  # datasketch's (false positive, false negative) weights
_WORD = re.compile(r"\w+")
# Steps (documents shingled, pairs checked) between two calls to ``give_way``: a regrouping is
# background work and lets the process's writers go first (app/writegate.py).
_STEP = 64


@dataclass(frozen=True)
class Doc:
    id: int
    author_id: int
    created_at: datetime
    text: str


def shingles(text: str) -> frozenset[str]:
    words = _WORD.findall(text.lower())
    if len(words) < 2:
        return frozenset(words)
    return frozenset(f"{a} {b}" for a, b in pairwise(words))


def _hash32(shingle: str) -> int:
    # Stable across processes (Python's hash() is salted per process) and far faster than the
    # default SHA-1.
    return crc32(shingle.encode())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


class _Components:
    """Union-find: near-duplicates of near-duplicates end up in one group."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def group(
    docs: Sequence[Doc], *, similarity: float, window: timedelta, min_customers: int
) -> list[list[int]]:
    """Groups of complaint ids (each sorted, biggest group first) whose texts are at least
    ``similarity`` alike, linked through complaints filed within ``window`` of each other, with
    complaints from at least ``min_customers`` different authors."""
    sets = {}
    for n, d in enumerate(docs):
        sets[d.id] = shingles(d.text)
        if n % _STEP == 0:
            give_way()
    docs = [d for d in docs if sets[d.id]]
    if len(docs) < min_customers:
        return []
    by_id = {d.id: d for d in docs}
    components = _Components()
    for n, (a, b) in enumerate(_candidates(docs, sets, similarity=similarity)):
        if n % (_STEP * 16) == 0:  # a pair's check is about a sixteenth of a shingling
            give_way()
        first, second = by_id[a], by_id[b]
        if (
            abs(first.created_at - second.created_at) <= window
            and jaccard(sets[a], sets[b]) >= similarity
        ):
            components.union(a, b)
    members: dict[int, list[int]] = defaultdict(list)
    for doc_id in components.parent:
        members[components.find(doc_id)].append(doc_id)
    groups = [
        sorted(ids)
        for ids in members.values()
        if len({by_id[i].author_id for i in ids}) >= min_customers
    ]
    return sorted(groups, key=lambda ids: (-len(ids), ids[0]))


def _candidates(
    docs: Sequence[Doc], sets: dict[int, frozenset[str]], *, similarity: float
) -> Iterator[tuple[int, int]]:
    """Pairs of ids worth an exact check: every pair for few documents, else LSH's buckets."""
    if len(docs) <= EXACT_UP_TO:
        yield from combinations((d.id for d in docs), 2)
        return
    # Imported here: datasketch pulls in scipy, which web processes never need.
    from datasketch import MinHash, MinHashLSH

    signatures = []
    for start in range(0, len(docs), _STEP):
        give_way()
        batch = docs[start : start + _STEP]
        signatures += MinHash.bulk(
            [list(sets[d.id]) for d in batch], num_perm=NUM_PERM, hashfunc=_hash32
        )
    # A lower LSH threshold than the real one: LSH is approximate, the exact check decides.
    lsh = MinHashLSH(
        threshold=max(0.1, similarity * 0.8), num_perm=NUM_PERM, weights=RECALL_WEIGHTS
    )
    for doc, signature in zip(docs, signatures, strict=True):
        lsh.insert(doc.id, signature)
    for n, (doc, signature) in enumerate(zip(docs, signatures, strict=True)):
        if n % _STEP == 0:
            give_way()
        for other_id in lsh.query(signature):
            if other_id > doc.id:
                yield doc.id, other_id
