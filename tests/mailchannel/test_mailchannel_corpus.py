"""The corpus of real-world-shaped mail (tests/corpus/mail, manifest.json): each message is
read as its manifest says — a reply with exactly the new text, an automatic reply, a bounce
naming the failed address, or nothing new — and none ever raises."""

import json
from pathlib import Path

import pytest

from app.mailchannel import classify, parse

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "mail"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def outcome(raw: bytes) -> tuple[str, str, classify.Bounce | None]:
    message = parse.load(raw)
    if (failed := classify.bounce(message)) is not None:
        return "bounce", "", failed
    if classify.auto_reply(message) is not None:
        return "auto_reply", "", None
    text = parse.reply_text(message)
    return ("reply" if text else "empty"), text, None


def test_the_corpus_is_large_and_varied() -> None:
    kinds = [entry["kind"] for entry in MANIFEST.values()]
    assert len(MANIFEST) >= 30
    assert {"reply", "auto_reply", "bounce", "empty"} <= set(kinds)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_message_gives_its_expected_outcome(name: str) -> None:
    expected = MANIFEST[name]
    kind, text, failed = outcome((CORPUS / name).read_bytes())
    if expected["kind"] == "any":  # malformed beyond reading: it must only not raise
        return
    assert kind == expected["kind"], f"{name}: {kind} {text!r}"
    for wanted in expected.get("contains", []):
        assert wanted in text, f"{name}: {text!r}"
    for unwanted in expected.get("excludes", []):
        assert unwanted not in text, f"{name}: {text!r}"
    if kind == "bounce":
        assert failed is not None and failed.recipient == expected["recipient"]


def test_a_25_mb_message_is_read_without_its_attachment() -> None:
    attachment = b"QUJD" * (25 * 1024 * 1024 // 4)
    lines = b"\r\n".join(attachment[i : i + 76] for i in range(0, len(attachment), 76))
    raw = (
        b"From: dana@acme.test\r\nTo: reply+x@mail.outcry.test\r\nSubject: Re: big\r\n"
        b"Message-ID: <big@acme.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="m"\r\n\r\n--m\r\n'
        b"Content-Type: text/plain\r\n\r\nThe scans you asked for are attached.\r\n--m\r\n"
        b"Content-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + lines
        + b"\r\n--m--\r\n"
    )
    assert len(raw) > 25_000_000
    assert outcome(raw) == ("reply", "The scans you asked for are attached.", None)
