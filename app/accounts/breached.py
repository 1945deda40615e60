"""Known breached and common passwords, as a Bloom filter shipped with the package
(data/breached-passwords.bloom; its sources and how to rebuild it: docs/security.md).

A Bloom filter answers "maybe in the list" or "certainly not", in a fraction of the list's size;
a false "maybe" (about one in a million) only refuses a password that was fine.

Rebuild: ``python -m app.accounts.breached OUT.bloom LIST.txt[.gz] ...`` (one password a line).
"""

import gzip
import hashlib
import math
import struct
import sys
from functools import lru_cache
from pathlib import Path

FILTER = Path(__file__).resolve().parent / "data" / "breached-passwords.bloom"
MAGIC = b"OUTCRYBF1"
HEADER = struct.Struct(">IBI")  # bits, hashes, entries
FALSE_POSITIVE_RATE = 1e-6


def _positions(word: str, bits: int, hashes: int) -> list[int]:
    digest = hashlib.blake2b(word.encode("utf-8"), digest_size=16).digest()
    h1, h2 = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big") | 1
    return [(h1 + i * h2) % bits for i in range(hashes)]


class BloomFilter:
    def __init__(self, bits: int, hashes: int, entries: int, array: bytearray) -> None:
        self.bits, self.hashes, self.entries, self.array = bits, hashes, entries, array

    @classmethod
    def build(cls, words: set[str], rate: float = FALSE_POSITIVE_RATE) -> "BloomFilter":
        n = max(len(words), 1)
        bits = math.ceil(-n * math.log(rate) / math.log(2) ** 2)
        hashes = max(1, round(bits / n * math.log(2)))
        array = bytearray((bits + 7) // 8)
        for word in words:
            for p in _positions(word, bits, hashes):
                array[p >> 3] |= 1 << (p & 7)
        return cls(bits, hashes, len(words), array)

    def __contains__(self, word: str) -> bool:
        return all(
            self.array[p >> 3] & (1 << (p & 7)) for p in _positions(word, self.bits, self.hashes)
        )

    def dump(self) -> bytes:
        return MAGIC + HEADER.pack(self.bits, self.hashes, self.entries) + bytes(self.array)

    @classmethod
    def load(cls, data: bytes) -> "BloomFilter":
        if not data.startswith(MAGIC):
            raise ValueError("not an Outcry Bloom filter")
        bits, hashes, entries = HEADER.unpack_from(data, len(MAGIC))
        array = bytearray(data[len(MAGIC) + HEADER.size :])
        if len(array) != (bits + 7) // 8:
            raise ValueError("truncated Bloom filter")
        return cls(bits, hashes, entries, array)


@lru_cache(maxsize=1)
def breached() -> BloomFilter:
    return BloomFilter.load(FILTER.read_bytes())


def _read(path: str) -> set[str]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return {line.strip().lower() for line in lines if line.strip()}


def main(argv: list[str]) -> None:
    out, *sources = argv
    words: set[str] = set()
    for source in sources:
        words |= _read(source)
    Path(out).write_bytes(BloomFilter.build(words).dump())
    print(f"{len(words)} passwords -> {out} ({Path(out).stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
