"""The redactor against a corpus of realistic complaint narratives (tests/corpus/).

Each narrative lists the personal data it contains (kind and exact text) and look-alikes that must
stay (prices, totals, years, short order numbers, product versions, event dates and times, names
already public on the complaint). A narrative may give the complaint's private ``reference`` and
its ``public_names`` (the consumer's display name, the reps' signing names). The figures are printed in
the test output: catch rate per kind and overall, and the false-positive rate on look-alikes.
"""

import json
from collections import Counter
from pathlib import Path

import pytest

from app.redaction.redactor import Identity, Span, find, redact

CORPUS = json.loads((Path(__file__).parents[1] / "corpus" / "pii_narratives.json").read_text())


def _covered(text: str, value: str, spans: list[Span]) -> bool:
    """Every occurrence of ``value`` lies inside one masked span."""
    at = text.find(value)
    assert at != -1, value
    while at != -1:
        if not any(s.start <= at and at + len(value) <= s.end for s in spans):
            return False
        at = text.find(value, at + 1)
    return True


def _touched(text: str, value: str, spans: list[Span]) -> bool:
    at = text.find(value)
    return any(s.start < at + len(value) and at < s.end for s in spans)


def _identity(item: dict) -> Identity:
    return Identity(
        item["author_name"],
        item["author_email"],
        reference=item.get("reference", ""),
        public_names=tuple(item.get("public_names", ())),
    )


def _figures() -> tuple[Counter, Counter, list[str], int, list[str]]:
    total, caught, missed = Counter(), Counter(), []
    looks, wrongly = 0, []
    for item in CORPUS:
        text = item["text"]
        spans = find(text, identity=_identity(item))
        for pii in item["pii"]:
            total[pii["kind"]] += 1
            if _covered(text, pii["value"], spans):
                caught[pii["kind"]] += 1
            else:
                missed.append(f"#{item['id']} {pii['kind']}: {pii['value']}")
        for value in item["keep"]:
            looks += 1
            if _touched(text, value, spans):
                wrongly.append(f"#{item['id']}: {value}")
    return total, caught, missed, looks, wrongly


def test_the_corpus_is_big_and_varied():
    kinds = {p["kind"] for item in CORPUS for p in item["pii"]}
    assert len(CORPUS) >= 40
    assert {"email", "phone", "card", "iban", "account", "id", "ip", "address"} <= kinds
    assert {"postcode", "date", "name", "vehicle or device id", "reference"} <= kinds


def test_every_listed_item_is_caught_and_lookalikes_mostly_stay(request: pytest.FixtureRequest):
    total, caught, missed, looks, wrongly = _figures()
    lines = [
        f"  {kind:<22} {caught[kind]:>3}/{total[kind]:<3} {100 * caught[kind] / total[kind]:.0f}%"
        for kind in sorted(total)
    ]
    overall = sum(caught.values()) / sum(total.values())
    report = [
        f"redaction corpus: {len(CORPUS)} narratives, {sum(total.values())} personal-data items",
        *lines,
        f"  overall catch rate {100 * overall:.1f}%",
        f"  false positives: {len(wrongly)}/{looks} look-alikes masked "
        f"({100 * len(wrongly) / looks:.1f}%)",
        *(f"  missed {m}" for m in missed),
        *(f"  wrongly masked {w}" for w in wrongly),
    ]
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        for line in report:
            reporter.write_line(line)
    assert missed == []
    assert len(wrongly) / looks <= 0.05


@pytest.mark.parametrize("item", CORPUS, ids=lambda item: f"narrative-{item['id']}")
def test_no_listed_item_survives_in_the_public_text(item):
    identity = _identity(item)
    public = redact(item["text"], identity=identity).text
    for pii in item["pii"]:
        assert pii["value"] not in public
    for value in item["keep"]:
        assert value in public
    assert redact(public, identity=identity).text == public  # redacting again changes nothing
