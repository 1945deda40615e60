"""Redaction masks what readers see, not the Markdown source: emphasis, escapes, character
references, invisible characters and full-width digits do not carry personal data past it, on
any public surface that shows complaint text."""

import json
import re
from html import unescape
from pathlib import Path

import pytest

from app.models.user import User
from app.redaction.redactor import redact
from app.redaction.visible import reveal
from app.text.markdown import render
from tests.support.factories import make_complaint, make_user

# (what is typed, what a reader must not see afterwards)
BYPASSES = [
    ("4111 1111 **1111** 1111", "4111 1111 1111 1111"),
    ("jane\\.doe@example\\.com", "jane.doe@example.com"),
    ("mark.fenwick&#64;example.org", "mark.fenwick@example.org"),
    ("07700&#32;900&#32;654", "07700 900 654"),
    ("4111\u200b1111\u200b1111\u200b1111", "4111111111111111"),
    ("SW1A **1AA**", "SW1A 1AA"),
    ("078&#45;05&#45;1120", "078-05-1120"),
    ("+44&nbsp;7700&nbsp;900077", "+44\u00a07700\u00a0900077"),
    (
        "\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11",
        "4111 1111 1111 1111",
    ),
    ("_sam.k.lee_@example.net", "sam.k.lee@example.net"),
    ("jane&#x2e;doe&#x40;example&#x2e;com", "jane.doe@example.com"),
    ("07700\u2060900\u2060654", "07700900654"),
]


def _seen(html: str) -> str:
    """The text a reader sees in an HTML page: tags gone, references decoded, normalised."""
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return " ".join(reveal(text)[0].split())


def _digits_or_text(secret: str) -> list[str]:
    compact = re.sub(r"\s", "", secret)
    return [" ".join(secret.split()), compact] if any(c.isdigit() for c in secret) else [secret]


@pytest.mark.parametrize(("typed", "secret"), BYPASSES, ids=[b[1] for b in BYPASSES])
def test_the_rendered_text_holds_no_personal_data(typed, secret):
    public = redact(f"Reach me: {typed} after six.").text
    seen = _seen(render(public))
    for needle in _digits_or_text(secret.replace("\u00a0", " ")):
        assert needle not in seen.replace(" ", "" if " " not in needle else " ")
    assert "after six." in seen
    assert "**" not in seen  # no dangling emphasis marker left by a mask


def test_an_event_time_and_plain_markdown_stay():
    typed = "They came at **10:30** on Monday and the fee was \\*£49.99\\*."
    assert redact(typed).text == typed


def test_every_public_surface_shows_only_masked_text(client, db):
    author = make_user(db, name="Ava Stone")
    body = "Reach me on any of these: " + "; ".join(t for t, _ in BYPASSES) + ". Thanks."
    complaint = make_complaint(db, author, body=body)
    db.commit()
    paths = [
        f"/complaints/{complaint.id}",
        f"/api/v1/complaints/{complaint.id}",
        "/feeds/complaints.atom",
        f"/complaints/{complaint.id}/feed.atom",
        "/data/complaints.json",
        "/data/complaints.csv",
    ]
    for surface in paths:
        response = client.get(surface)
        assert response.status_code == 200, surface
        assert "Thanks." in unescape(response.text), surface
        seen = _seen(unescape(response.text))
        for _typed, secret in BYPASSES:
            for needle in _digits_or_text(secret.replace("\u00a0", " ")):
                assert needle not in seen, (surface, needle)
                assert needle not in seen.replace(" ", ""), (surface, needle)


def test_the_rendered_pages_pass_the_whole_corpus(client, db):
    """Every narrative of the labelled corpus filed as a complaint: its public page, as a reader
    sees it, holds none of the personal data listed for it."""
    corpus = json.loads((Path(__file__).parents[1] / "corpus" / "pii_narratives.json").read_text())
    authors: dict[str, User] = {}
    filed = []
    for item in corpus:
        key = item["author_email"] or f"corpus{item['id']}@example.org"
        if key not in authors:
            authors[key] = make_user(db, name=item["author_name"] or None, email=key)
        complaint = make_complaint(
            db,
            authors[key],
            body=item["text"],
            title="Corpus case",
            private_reference=item.get("reference"),
        )
        filed.append((item, complaint.id))
    db.commit()
    for item, complaint_id in filed:
        seen = _seen(client.get(f"/complaints/{complaint_id}").text)
        for pii in item["pii"]:
            if pii["value"] == item["author_name"]:
                continue  # the byline: the display name its author chose to publish
            shown = " ".join(reveal(pii["value"])[0].split())
            assert shown not in seen, (item["id"], pii["value"])
