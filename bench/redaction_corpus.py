"""The redactor's catch and false-positive rates on the labelled corpus, per kind.

    .venv/bin/python bench/redaction_corpus.py
    # the same corpus against another version of the code (e.g. before a change):
    git archive <commit> app | tar -x -C /tmp/before && PYTHONPATH=/tmp/before \\
        .venv/bin/python bench/redaction_corpus.py

Catch rate: listed personal data wholly masked. False positives: look-alikes (prices, versions,
product codes…) that a mask touched, counted under the kind of the mask that touched them.
"""

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: another version of app/ may come first
from app.redaction.redactor import Identity, find  # noqa: E402

CORPUS = json.loads((ROOT / "tests" / "corpus" / "pii_narratives.json").read_text())
HELD_OUT = json.loads((ROOT / "tests" / "corpus" / "names_heldout.json").read_text())


def held_out() -> None:
    """Untitled names on sentences the heuristic was never tuned against."""
    caught = wrongly = 0
    for item in HELD_OUT["names"]:
        at, spans = item["text"].find(item["value"]), find(item["text"])
        caught += any(s.start <= at and at + len(item["value"]) <= s.end for s in spans)
    for item in HELD_OUT["keep"]:
        at, spans = item["text"].find(item["value"]), find(item["text"])
        wrongly += any(s.start < at + len(item["value"]) and at < s.end for s in spans)
    names, keep = len(HELD_OUT["names"]), len(HELD_OUT["keep"])
    print(f"held-out names: caught {caught}/{names}, look-alikes masked {wrongly}/{keep}")


def main() -> None:
    total, caught, looks, wrongly = Counter(), Counter(), 0, Counter()
    missed: list[str] = []
    for item in CORPUS:
        text = item["text"]
        spans = find(text, identity=Identity(item["author_name"], item["author_email"]))
        for pii in item["pii"]:
            total[pii["kind"]] += 1
            at = text.find(pii["value"])
            if any(s.start <= at and at + len(pii["value"]) <= s.end for s in spans):
                caught[pii["kind"]] += 1
            else:
                missed.append(f"#{item['id']} {pii['kind']}: {pii['value']}")
        for value in item["keep"]:
            looks += 1
            at = text.find(value)
            hit = [s for s in spans if s.start < at + len(value) and at < s.end]
            if hit:
                wrongly[hit[0].kind] += 1
    print(
        f"{len(CORPUS)} narratives, {sum(total.values())} personal-data items, {looks} look-alikes"
    )
    for kind in sorted(total):
        print(
            f"  catch  {kind:<22} {caught[kind]:>3}/{total[kind]:<3} {100 * caught[kind] / total[kind]:5.1f}%"
        )
    print(
        f"  catch  overall                {100 * sum(caught.values()) / sum(total.values()):5.1f}%"
    )
    for kind in sorted(wrongly):
        print(f"  false positive by {kind:<15} {wrongly[kind]:>3}/{looks}")
    print(
        f"  false positives overall       {sum(wrongly.values())}/{looks} "
        f"({100 * sum(wrongly.values()) / looks:.1f}%)"
    )
    for line in missed:
        print(f"  missed {line}")
    held_out()


if __name__ == "__main__":
    main()
