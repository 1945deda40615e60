"""Redactor speed on realistic and hostile 10 kB texts (the largest complaint body).

    .venv/bin/python bench/redaction.py [--repeat 5]

Prints the median milliseconds per text for each shape. Target: under 300 ms for any 10 kB text
on the 2-core reference machine (a complaint is redacted once when filed, again only when a rule
changes).
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.redaction.redactor import Identity, redact

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "pii_narratives.json"


def shapes() -> dict[str, str]:
    narratives = " ".join(item["text"] for item in json.loads(CORPUS.read_text()))
    size = 10_000
    return {
        "corpus narratives (PII-dense)": (narratives * 3)[:size],
        "plain prose": ("The engineer never came and support kept me waiting. " * 200)[:size],
        "digits": ("1" * size),
        "digits and spaces": ("12 " * size)[:size],
        "at signs": ("a@" * size)[:size],
        "colons": ("1:" * size)[:size],
        "letters": "a" * size,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    me = Identity("Jane Doe", "jane.doe84@gmail.com")
    for name, text in shapes().items():
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = redact(text, identity=me)
            times.append((time.perf_counter() - started) * 1000)
        print(f"{name:<32} {statistics.median(times):7.1f} ms  {len(result.spans):5d} masks")


if __name__ == "__main__":
    main()
