"""Atom feeds: valid Atom, listed complaints only, public text only, cacheable."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest
from sqlmodel import Session, select

from app.clock import utcnow
from app.complaints import company as company_side
from app.models.complaint import Category, ComplaintState, Message, Visibility
from app.models.moderation import MessageModeration
from app.models.user import User
from app.web import memo
from tests.support.charts_fixtures import ATOM_NS, company_of, complaint_at
from tests.support.factories import make_rep, make_user

pytestmark = pytest.mark.usefixtures("fresh_chart_caches")

XSS = "<script>alert('x')</script> Broken & billed"
D = timedelta(days=1)


def _assert_atom(body: bytes) -> ET.Element:
    """The parts RFC 4287 requires: feed id, title, updated; each entry id, title, updated and
    a link; and feedparser reads it as Atom 1.0 without complaint."""
    root = ET.fromstring(body)  # noqa: S314 - our own output
    assert root.tag == f"{ATOM_NS}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM_NS}{tag}") is not None, tag
    for entry in root.findall(f"{ATOM_NS}entry"):
        for tag in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM_NS}{tag}") is not None, tag
    parsed = feedparser.parse(body)
    assert parsed.version == "atom10"
    assert not parsed.bozo, parsed.get("bozo_exception")
    return root


def _titles(body: bytes) -> list[str]:
    return [e.title for e in feedparser.parse(body).entries]


def test_site_feed_is_atom_with_only_listed_complaints(client, db: Session) -> None:
    now = utcnow()
    complaint_at(db, company="Feedco", created=now - 3 * D, title="Public and listed")
    for grade in (Visibility.UNLISTED, Visibility.PENDING, Visibility.HIDDEN, Visibility.REMOVED):
        complaint_at(
            db,
            company="Feedco",
            created=now - 2 * D,
            title=f"Not listed: {grade.value}",
            visibility=grade,
        )
    response = client.get("/feeds/complaints.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    _assert_atom(response.content)
    assert _titles(response.content) == ["Public and listed (Feedco)"]
    assert b"Not listed" not in response.content


def test_entries_carry_public_text_only(client, db: Session) -> None:
    author = make_user(db, email="private.person@example.org", name="Pat")
    complaint = complaint_at(
        db,
        company="Feedco",
        created=utcnow() - D,
        author=author,
        title="Double charge on my bill",
        body="They took the money twice and will not give it back to me.",
        desired_outcome="Refund the second charge",
        private_reference="ACCT-99-SECRET",
    )
    rep = make_rep(db, company_of(db, complaint), public_name="Dana Ortiz")
    company_side.add_note(
        session=db,
        complaint=complaint,
        user=db.get(User, rep.user_id),
        body="Internal: customer is a VIP, comp them quietly",
    )
    body = client.get("/companies/feedco/feed.atom").content
    _assert_atom(body)
    entry = feedparser.parse(body).entries[0]
    assert entry.link == f"http://testserver/complaints/{complaint.id}"
    assert "They took the money twice" in entry.content[0].value
    assert "Refund the second charge" in entry.content[0].value
    assert entry.author == "Pat"
    for private in (b"ACCT-99-SECRET", b"private.person@example.org", b"VIP", b"original_"):
        assert private not in body


def test_titles_with_markup_are_escaped(client, db: Session) -> None:
    complaint = complaint_at(db, company="Feedco", created=utcnow() - D, title=XSS)
    for path in ("/feeds/complaints.atom", f"/complaints/{complaint.id}/feed.atom"):
        body = client.get(path).content
        _assert_atom(body)
        assert b"<script>" not in body  # markup arrives as text, never as elements
        assert b"&lt;script&gt;alert('x')&lt;/script&gt; Broken &amp; billed" in body
    assert feedparser.parse(client.get("/feeds/complaints.atom").content).entries[0].title == (
        f"{XSS} (Feedco)"
    )


def test_category_feed(client, db: Session) -> None:
    now = utcnow()
    complaint_at(
        db, company="Feedco", created=now - D, title="About billing", category=Category.BILLING
    )
    complaint_at(
        db, company="Feedco", created=now - D, title="About privacy", category=Category.PRIVACY
    )
    body = client.get("/feeds/category/privacy.atom").content
    _assert_atom(body)
    assert _titles(body) == ["About privacy (Feedco)"]
    assert client.get("/feeds/category/nonsense.atom").status_code == 404


def test_company_feed_only_has_that_company(client, db: Session) -> None:
    now = utcnow()
    complaint_at(db, company="Feedco", created=now - D, title="Against Feedco")
    complaint_at(db, company="Otherco", created=now - D, title="Against Otherco")
    body = client.get("/companies/feedco/feed.atom").content
    assert _titles(body) == ["Against Feedco (Feedco)"]
    assert client.get("/companies/nobody/feed.atom").status_code == 404


def test_complaint_timeline_feed(client, db: Session) -> None:
    complaint = complaint_at(db, company="Feedco", created=utcnow() - 2 * D, title="Slow refund")
    rep_member = make_rep(db, company_of(db, complaint), public_name="Dana Ortiz", job_title="Lead")
    rep = db.get(User, rep_member.user_id)
    company_side.reply(session=db, complaint=complaint, user=rep, body="We are refunding it today.")
    company_side.reply(
        session=db, complaint=complaint, user=rep, body="Rude words a moderator hid."
    )
    hidden = db.exec(
        select(Message).where(Message.complaint_id == complaint.id).order_by(Message.id.desc())
    ).first()
    db.add(
        MessageModeration(
            message_id=hidden.id,
            complaint_id=complaint.id,
            visibility=Visibility.HIDDEN,
            reason="abuse",
        )
    )
    db.flush()

    body = client.get(f"/complaints/{complaint.id}/feed.atom").content
    _assert_atom(body)
    entries = feedparser.parse(body).entries
    assert entries[0].title.endswith("filed this complaint")
    assert "My card was charged twice" in entries[0].content[0].value
    replies = [e for e in entries if e.title.endswith("replied")]
    # The hidden reply keeps its place in the timeline, without its text.
    assert [e.title for e in replies] == ["Dana Ortiz, Lead — Feedco replied", "Feedco replied"]
    assert "We are refunding it today." in replies[0].content[0].value
    assert "content" not in replies[1] or not replies[1].content[0].value.strip()
    assert b"Rude words" not in body
    assert complaint.state == ComplaintState.ANSWERED


def test_timeline_feed_404_for_unlisted(client, db: Session) -> None:
    complaint = complaint_at(
        db, company="Feedco", created=utcnow() - D, visibility=Visibility.UNLISTED
    )
    assert client.get(f"/complaints/{complaint.id}/feed.atom").status_code == 404
    assert client.get("/complaints/999999/feed.atom").status_code == 404


def test_feeds_are_publicly_cacheable_and_cookie_free(client, db: Session) -> None:
    complaint_at(db, company="Feedco", created=utcnow() - D)
    response = client.get("/feeds/complaints.atom")
    assert response.headers["cache-control"].startswith("public, max-age=300")
    assert "set-cookie" not in response.headers
    etag = response.headers["etag"]
    assert client.get("/feeds/complaints.atom", headers={"if-none-match": etag}).status_code == 304
    complaint_at(db, company="Feedco", created=utcnow(), title="A newer complaint")
    memo.forget_all()  # the per-process ETag memo would answer for a second
    changed = client.get("/feeds/complaints.atom", headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_pages_link_their_feeds(client, db: Session) -> None:
    complaint = complaint_at(db, company="Feedco", created=utcnow() - D)
    home = client.get("/").text
    assert 'href="/feeds/complaints.atom"' in home
    page = client.get(f"/complaints/{complaint.id}").text
    assert f'type="application/atom+xml" title="Timeline of complaint #{complaint.id}"' in page
    assert f'href="/complaints/{complaint.id}/feed.atom"' in page


def test_timeline_feed_changes_when_a_moderator_hides_a_reply(client, db: Session) -> None:
    complaint = complaint_at(db, company="Feedco", created=utcnow() - 2 * D)
    member = make_rep(db, company_of(db, complaint))
    company_side.reply(
        session=db, complaint=complaint, user=db.get(User, member.user_id), body="Rude words."
    )
    path = f"/complaints/{complaint.id}/feed.atom"
    first = client.get(path)
    assert b"Rude words." in first.content
    message = db.exec(select(Message).where(Message.complaint_id == complaint.id)).one()
    db.add(
        MessageModeration(
            message_id=message.id,
            complaint_id=complaint.id,
            visibility=Visibility.HIDDEN,
            reason="abuse",
        )
    )
    db.flush()
    memo.forget_all()
    again = client.get(path, headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 200  # no new entry, but the text changed: not a 304
    assert b"Rude words." not in again.content


def test_complaint_page_links_its_category_feed(client, db: Session) -> None:
    complaint = complaint_at(db, company="Feedco", created=utcnow() - D, category=Category.PRIVACY)
    page = client.get(f"/complaints/{complaint.id}").text
    assert 'title="Complaints about privacy" href="/feeds/category/privacy.atom"' in page
