"""SVG badges: valid SVG, the right words for hand-made complaints, escaped, embeddable."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from app.clock import utcnow
from app.embeds import badges
from app.models.complaint import ComplaintState, ResolutionType, Visibility
from tests.support.charts_fixtures import SVG_NS, complaint_at

pytestmark = pytest.mark.usefixtures("fresh_chart_caches")

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def _texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG_NS}svg"
    return [t.text or "" for t in root.iter(f"{SVG_NS}text")]


def test_open_complaint_counts_whole_days(db: Session) -> None:
    complaint = complaint_at(db, company="Badgeco", created=T0)
    badge = badges.complaint_badge(complaint, now=T0 + 12 * D + 23 * H)
    assert (badge.message, badge.color) == ("open 12 days", "orange")
    # Past the 14-day answer deadline it turns red.
    late = badges.complaint_badge(complaint, now=T0 + 15 * D)
    assert (late.message, late.color) == ("open 15 days", "red")
    assert badges.complaint_badge(complaint, now=T0 + 5 * H).message == "open 5 hours"
    assert badges.complaint_badge(complaint, now=T0 + H / 6).message == "open less than an hour"


def test_answered_disputed_and_withdrawn(db: Session) -> None:
    answered = complaint_at(
        db, company="Badgeco", created=T0, answered_after=H, state=ComplaintState.ANSWERED
    )
    assert badges.complaint_badge(answered, now=T0 + 3 * D).message == "answered, open 3 days"
    answered.state = ComplaintState.DISPUTED
    assert badges.complaint_badge(answered, now=T0 + 3 * D).message == "disputed, open 3 days"
    answered.state = ComplaintState.WITHDRAWN
    assert badges.complaint_badge(answered, now=T0 + 3 * D).message == "withdrawn"


def test_resolved_in_days_or_hours(db: Session) -> None:
    confirmed = complaint_at(
        db,
        company="Badgeco",
        created=T0,
        state=ComplaintState.CONFIRMED,
        resolution=ResolutionType.MONETARY,
        answered_after=H,
        resolved_after=3 * D + 5 * H,
    )
    badge = badges.complaint_badge(confirmed, now=T0 + 40 * D)
    assert (badge.message, badge.color) == ("resolved in 3 days", "green")
    confirmed.state = ComplaintState.RESOLVED
    confirmed.resolved_at = T0 + 30 * H
    assert badges.complaint_badge(confirmed, now=T0 + 40 * D).message == (
        "resolved in 30 hours, unconfirmed"
    )


def test_company_badge_uses_the_kaplan_meier_median(client, db: Session) -> None:
    now = utcnow()
    # Answered after 4, 5, 6, 7 and 8 hours: S falls to 0.4 at 6 hours, the median.
    for hours in (4, 5, 6, 7, 8):
        complaint_at(db, company="Fastco", created=now - 3 * D, answered_after=hours * H)
    response = client.get("/companies/fastco/badge.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert _texts(response.content) == ["Outcry · Fastco", "answers in a median 6 hours"]


def test_company_badge_counts_open_complaints(client, db: Session) -> None:
    now = utcnow()
    # Two answered within two hours, three still waiting for days: a simple median over the
    # answered ones would say "1 hour"; half never got an answer, so there is no median.
    complaint_at(db, company="Slowco", created=now - 3 * D, answered_after=H)
    complaint_at(db, company="Slowco", created=now - 3 * D, answered_after=2 * H)
    for _ in range(3):
        complaint_at(db, company="Slowco", created=now - 3 * D)
    assert _texts(client.get("/companies/slowco/badge.svg").content)[1] == (
        "most complaints unanswered"
    )


def test_company_badge_without_enough_data(client, db: Session) -> None:
    now = utcnow()
    for _ in range(badges.MIN_COMPLAINTS - 1):
        complaint_at(db, company="Newco", created=now - D, answered_after=H)
    assert _texts(client.get("/companies/newco/badge.svg").content)[1] == "not enough data"


def test_badges_escape_names(client, db: Session) -> None:
    name = '<script>alert(1)</script> "Q" & Sons'
    complaint_at(db, company=name, created=utcnow() - D)
    body = client.get("/companies/script-alert-1-script-q-sons/badge.svg").content
    assert b"<script>" not in body
    assert _texts(body)[0] == f"Outcry · {name}"
    title = ET.fromstring(body).find(f"{SVG_NS}title")  # noqa: S314
    assert title is not None and title.text == f"Outcry · {name}: not enough data"


def test_complaint_badge_endpoint_headers(client, db: Session, steady_hour) -> None:
    complaint = complaint_at(db, company="Badgeco", created=utcnow() - 12 * D - H)
    response = client.get(f"/complaints/{complaint.id}/badge.svg")
    assert response.status_code == 200
    assert _texts(response.content) == ["Outcry", "open 12 days"]
    assert response.headers["cache-control"].startswith("public, max-age=300")
    assert response.headers["etag"]
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers
    assert "set-cookie" not in response.headers
    again = client.get(
        f"/complaints/{complaint.id}/badge.svg", headers={"if-none-match": response.headers["etag"]}
    )
    assert again.status_code == 304


def test_no_badge_for_complaints_not_listed(client, db: Session) -> None:
    for grade in (Visibility.UNLISTED, Visibility.PENDING, Visibility.HIDDEN, Visibility.REMOVED):
        complaint = complaint_at(db, company="Badgeco", created=utcnow() - D, visibility=grade)
        db.commit()  # the 404 rolls back the session the client shares with this test
        assert client.get(f"/complaints/{complaint.id}/badge.svg").status_code == 404, grade
    assert client.get("/complaints/999999/badge.svg").status_code == 404
    assert client.get("/companies/nobody/badge.svg").status_code == 404


def test_pages_offer_copyable_snippets(client, db: Session) -> None:
    complaint = complaint_at(db, company="Badgeco", created=utcnow() - D)
    page = client.get(f"/complaints/{complaint.id}").text
    snippet = (
        f"&lt;a href=&#34;http://testserver/complaints/{complaint.id}&#34;&gt;&lt;img "
        f"src=&#34;http://testserver/complaints/{complaint.id}/badge.svg&#34;"
    )
    assert "readonly" in page and snippet in page
    company_page = client.get("/companies/badgeco/stats").text
    assert "http://testserver/companies/badgeco/badge.svg" in company_page
