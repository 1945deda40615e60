"""Filing abuse: near-duplicates refused with a link, bursts from new accounts held for
moderation, honeypots that store nothing; and the security headers on every response."""

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.companies import service as companies
from app.complaints import gate
from app.complaints import service as complaints
from app.models.complaint import Complaint, ComplaintState, Visibility
from app.models.job import Job
from app.models.user import User
from tests.support.factories import complaint_data, login, make_rep, make_user, run_queued_listeners
from tests.support.forms import post_form

FORM = {
    "company_pick": "",
    "company_name": "Northwind Telecom",
    "title": "Charged twice for March",
    "category": "billing",
    "body": "My card was charged twice for the March bill and nobody will refund it.",
    "desired_outcome": "A refund of the second charge.",
}


def _count(db: Session) -> int:
    return len(db.exec(select(Complaint)).all())


def _file(db: Session, author: User, now=None, **overrides) -> Complaint:
    data = complaint_data(accept_new_company=True, **overrides)
    complaint = complaints.file(session=db, author=author, data=data, now=now)
    run_queued_listeners(db)
    return complaint


# Duplicates ----------------------------------------------------------------------------------


def test_the_same_text_again_is_refused_with_a_link_and_the_form_kept(client, db):
    author = make_user(db)
    db.commit()
    login(client, author)
    first = post_form(client, "/complaints/new", {**FORM, "submission_key": "a"})
    assert first.status_code == 303
    existing = first.headers["location"]

    again = {
        **FORM,
        "title": "Charged twice for March!",
        "body": FORM["body"].replace("nobody", "no one") + " ",
        "submission_key": "b",
    }
    refused = post_form(client, "/complaints/new", again)
    assert refused.status_code == 409
    assert "nearly the same text" in refused.text
    assert f'href="{existing}"' in refused.text
    assert 'value="Charged twice for March!"' in refused.text
    assert "A refund of the second charge." in refused.text
    assert _count(db) == 1


def test_the_api_refuses_a_duplicate_with_the_existing_complaint(client, db):
    author = make_user(db)
    db.commit()
    login(client, author)
    payload = {**complaint_data(accept_new_company=True).model_dump(mode="json")}
    first = client.post("/api/v1/complaints", json={**payload, "submission_key": "x1"})
    assert first.status_code == 201
    refused = client.post("/api/v1/complaints", json={**payload, "submission_key": "x2"})
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["existing"] == f"/api/v1/complaints/{first.json()['id']}"


def test_what_is_not_a_duplicate(db):
    author, someone_else = make_user(db), make_user(db)
    week_ago = utcnow() - timedelta(days=8)
    _file(db, author, now=week_ago, submission_key="old")
    # More than a week later: allowed.
    recent = _file(db, author, submission_key="new")
    # The same text against another company, or by someone else: allowed.
    _file(db, author, company_name="Contoso Parcels", submission_key="other-company")
    _file(db, someone_else, submission_key="other-author")
    # A different problem at the same company: allowed.
    _file(
        db,
        author,
        title="Engineer never came",
        body="Three engineer visits were booked and not one engineer came to the house.",
        submission_key="different",
    )
    assert _count(db) == 5
    with pytest.raises(gate.DuplicateComplaint):
        _file(db, author, submission_key="again")
    # A withdrawn complaint does not block filing it again.
    complaints.withdraw(session=db, complaint=recent, user=author)
    _file(db, author, submission_key="again")
    assert _count(db) == 6


def test_resubmitting_the_same_form_is_not_a_duplicate_but_the_same_complaint(db):
    author = make_user(db)
    first = _file(db, author, submission_key="same")
    assert _file(db, author, submission_key="same").id == first.id


# Bursts --------------------------------------------------------------------------------------


def test_a_burst_of_new_accounts_against_one_company_is_held_and_tells_nobody(db):
    company = companies.create(session=db, name="Northwind Telecom", domain="northwind.example")
    rep = make_rep(db, company)
    now = utcnow()
    filed = [
        _file(db, make_user(db), now=now + timedelta(minutes=n), submission_key=f"b{n}")
        for n in range(7)
    ]
    assert [c.visibility for c in filed] == [Visibility.PUBLIC] * 5 + [Visibility.PENDING] * 2
    assert filed[5].visibility_reason == gate.HELD_REASON
    rep_mail = db.exec(select(Job.key).where(col(Job.key).like("mail:new-complaint:%"))).all()
    assert len(rep_mail) == 5
    assert f"mail:new-complaint:{filed[5].id}:{rep.user_id}" not in rep_mail

    # The moderators' queue finds them; releasing one publishes it and tells the company.
    held = db.exec(select(Complaint).where(gate.held_for_review())).all()
    assert {c.id for c in held} == {filed[5].id, filed[6].id}
    assert gate.publish(session=db, complaint=filed[5]) is True
    assert filed[5].visibility == Visibility.PUBLIC
    run_queued_listeners(db)
    assert db.exec(
        select(Job).where(Job.key == f"mail:new-complaint:{filed[5].id}:{rep.user_id}")
    ).first()


def test_established_accounts_and_spread_out_filings_are_not_a_burst(db):
    now = utcnow()
    veterans = [make_user(db) for _ in range(7)]
    for user in veterans:
        user.created_at = now - timedelta(days=30)
    spread = [
        _file(db, make_user(db), now=now + timedelta(minutes=61 * n), submission_key=f"s{n}")
        for n in range(7)
    ]
    old_hands = [
        _file(db, u, now=now, company_name="Contoso Parcels", submission_key=f"v{n}")
        for n, u in enumerate(veterans)
    ]
    assert all(c.visibility == Visibility.PUBLIC for c in spread + old_hands)


def test_the_author_sees_why_a_held_complaint_waits(client, db):
    author = make_user(db)
    complaint = _file(db, author)
    complaint.visibility, complaint.visibility_reason = Visibility.PENDING, gate.HELD_REASON
    db.commit()
    login(client, author)
    page = client.get(f"/complaints/{complaint.id}")
    assert "Held for review" in page.text
    assert complaint.state == ComplaintState.OPEN


def test_a_pending_complaint_does_not_exist_for_anyone_else(client, other_client, db):
    author, stranger = make_user(db), make_user(db)
    complaint = _file(db, author)
    complaint.visibility, complaint.visibility_reason = Visibility.PENDING, gate.HELD_REASON
    db.commit()
    assert other_client.get(f"/complaints/{complaint.id}").status_code == 404  # anonymous
    login(other_client, stranger)
    missing = other_client.get(f"/complaints/{complaint.id}")
    assert missing.status_code == 404 and complaint.title not in missing.text
    assert other_client.get(f"/api/v1/complaints/{complaint.id}").status_code == 404


# Honeypots -----------------------------------------------------------------------------------


def test_a_filled_honeypot_on_the_filing_form_pretends_success_and_stores_nothing(client, db):
    author = make_user(db)
    db.commit()
    login(client, author)
    form_page = client.get("/complaints/new").text
    assert 'class="hp"' in form_page
    assert 'name="website"' in form_page
    assert 'tabindex="-1"' in form_page and 'autocomplete="off"' in form_page
    response = post_form(
        client, "/complaints/new", {**FORM, "submission_key": "bot", "website": "http://spam"}
    )
    assert response.status_code == 303
    assert _count(db) == 0
    assert db.exec(select(Job)).first() is None


def test_a_filled_honeypot_on_sign_up_pretends_success_and_stores_nothing(client, db):
    assert 'name="website"' in client.get("/signup").text
    response = post_form(
        client,
        "/signup",
        {
            "email": "bot@example.org",
            "display_name": "Bot",
            "password": "a quiet brown lake",
            "website": "x",
        },
    )
    assert response.status_code == 303
    assert db.exec(select(User)).first() is None
    assert "Log out" not in client.get("/").text


# Headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/nowhere", "/login"])
def test_security_headers_on_pages_and_errors(client, path):
    headers = client.get(path).headers
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert "payment=()" in headers["permissions-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/api/v1/complaints", "/api/v1/nowhere", "/healthz"])
def test_data_answers_carry_the_api_set(client, path):
    """OWASP's set for API responses: nothing may load, frame or sniff them; the headers that
    only a document reads are not sent."""
    headers = client.get(path).headers
    assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "permissions-policy" not in headers
    assert "cross-origin-opener-policy" not in headers


def test_a_crash_page_leaks_nothing_and_keeps_the_headers(web_app, client):
    @web_app.get("/boom-abuse")
    def boom():
        raise RuntimeError("SELECT secret FROM user WHERE password_hash = 'x'")

    response = client.get("/boom-abuse")
    assert response.status_code == 500
    assert "SELECT" not in response.text and "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
