"""oEmbed for complaint cards, the card page itself, and discovery."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlmodel import Session

from app.clock import utcnow
from app.models.complaint import Visibility
from tests.support.charts_fixtures import complaint_at

pytestmark = pytest.mark.usefixtures("fresh_chart_caches")

D = timedelta(days=1)
XSS = '<img src=x onerror=alert(1)> "quoted" & more'


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_oembed_rich_response(client, db: Session) -> None:
    complaint = complaint_at(db, company="Embedco", created=utcnow() - D, title="Router never came")
    url = f"http://testserver/complaints/{complaint.id}"
    response = client.get("/oembed", params={"url": url, "format": "json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["version"] == "1.0"
    assert body["type"] == "rich"
    assert body["provider_name"] == "Outcry"
    assert body["title"] == "Router never came (complaint against Embedco)"
    assert (body["width"], body["height"]) == (480, 200)
    [(tag, attrs)] = _tags(body["html"])
    assert tag == "iframe"
    assert attrs["src"] == f"{url}/card"
    assert attrs["width"] == "480"
    # format defaults to json; maxwidth is honoured.
    narrow = client.get("/oembed", params={"url": url, "maxwidth": 300}).json()
    assert narrow["width"] == 300 and 'width="300"' in narrow["html"]


def test_oembed_escapes_the_title_in_its_html(client, db: Session) -> None:
    complaint = complaint_at(db, company="Embedco", created=utcnow() - D, title=XSS)
    body = client.get(
        "/oembed", params={"url": f"http://testserver/complaints/{complaint.id}"}
    ).json()
    tags = _tags(body["html"])
    assert [t for t, _ in tags] == ["iframe"]  # no <img> smuggled in
    assert tags[0][1]["title"] == f"{XSS} (complaint against Embedco)"
    assert "onerror=alert(1)>" not in body["html"]


def test_oembed_refuses_what_it_cannot_embed(client, db: Session) -> None:
    hidden = complaint_at(
        db, company="Embedco", created=utcnow() - D, visibility=Visibility.UNLISTED
    )
    listed = complaint_at(db, company="Embedco", created=utcnow() - D)
    db.commit()  # a refused request rolls back its session: ours is the one the client uses
    for url in (
        f"http://testserver/complaints/{hidden.id}",
        "http://testserver/complaints/999999",
        f"https://evil.example/complaints/{listed.id}",
        "http://testserver/companies/embedco",
        "javascript:alert(1)",
    ):
        assert client.get("/oembed", params={"url": url}).status_code == 404, url
    xml = client.get(
        "/oembed", params={"url": f"http://testserver/complaints/{listed.id}", "format": "xml"}
    )
    assert xml.status_code == 501


def test_card_is_a_standalone_embeddable_page(client, db: Session) -> None:
    complaint = complaint_at(
        db,
        company="Embedco",
        created=utcnow() - 3 * D,
        title=XSS,
        private_reference="ACCT-SECRET-7",
        body="The router I paid for never arrived and support keeps closing my tickets.",
    )
    response = client.get(f"/complaints/{complaint.id}/card")
    assert response.status_code == 200
    html = response.text
    assert "onerror=alert(1)>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; &#34;quoted&#34; &amp; more" in html
    assert "The router I paid for never arrived" in html
    assert "ACCT-SECRET-7" not in html
    assert "File a complaint" not in html and "<nav" not in html  # no site chrome
    assert "csrf" not in html
    assert "set-cookie" not in response.headers
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["cache-control"].startswith("public, max-age=300")
    links = [a["href"] for tag, a in _tags(html) if tag == "a"]
    assert f"http://testserver/complaints/{complaint.id}" in links


def test_card_404_when_not_listed(client, db: Session) -> None:
    complaint = complaint_at(
        db, company="Embedco", created=utcnow() - D, visibility=Visibility.HIDDEN
    )
    assert client.get(f"/complaints/{complaint.id}/card").status_code == 404


def test_discovery_link_and_snippet_on_the_complaint_page(client, db: Session) -> None:
    complaint = complaint_at(db, company="Embedco", created=utcnow() - D, title=XSS)
    page = client.get(f"/complaints/{complaint.id}").text
    discovery = [
        a for tag, a in _tags(page) if tag == "link" and a.get("type") == "application/json+oembed"
    ]
    assert len(discovery) == 1
    assert discovery[0]["href"] == (
        f"/oembed?url=http%3A//testserver/complaints/{complaint.id}&format=json"
    )
    # The snippet is escaped twice: copied out of the textarea, the quote stays an entity.
    assert "title=&#34;&amp;lt;img src=x onerror=alert(1)&amp;gt; &amp;#34;quoted" in page


def test_no_discovery_for_unlisted_complaints(client, db: Session) -> None:
    complaint = complaint_at(
        db, company="Embedco", created=utcnow() - D, visibility=Visibility.UNLISTED
    )
    page = client.get(f"/complaints/{complaint.id}")
    assert page.status_code == 200
    assert "json+oembed" not in page.text
    assert "badge.svg" not in page.text
