"""What a new user tripped over while signing up, filing and following a complaint."""

import re
from datetime import timedelta
from html import unescape

from sqlmodel import Session, select

from app.clock import utcnow
from app.companies import service as companies
from app.models.company import Company
from app.models.complaint import Complaint
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import post_form
from tests.support.mail import queued_mails

FORM = {
    "company_name": "Northwind Telecom",
    "title": "Broadband down for three weeks",
    "category": "service_outage",
    "body": "My broadband has been down for three weeks and every engineer visit is cancelled.",
    "submission_key": "first-hour-1",
}


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def _sign_up(client, email: str = "new@example.org", next_path: str = "/complaints/new"):
    """Sign up, then log in with the new password: complaints can be filed before the address
    is confirmed (they wait for it)."""
    signed_up = post_form(
        client,
        "/signup",
        {
            "email": email,
            "display_name": "Maria K.",
            "password": "a quiet brown lake",
            "next": next_path,
        },
    )
    post_form(client, "/login", {"email": email, "password": "a quiet brown lake"}, page="/login")
    return signed_up


def _verify_link(db: Session, to: str) -> str:
    (mail,) = queued_mails(db, to)
    return re.search(r"(/account/verify/[A-Za-z0-9_-]+)", mail["text"]).group(1)


# Refused input -------------------------------------------------------------------------------


def test_a_blank_company_name_is_refused_and_nothing_is_created(client, db):
    login(client, make_user(db))
    response = post_form(client, "/complaints/new", {**FORM, "company_name": "   "})

    assert response.status_code == 422
    assert "Please write at least 2 characters." in response.text
    assert db.exec(select(Company)).all() == []
    assert db.exec(select(Complaint)).all() == []


def test_a_future_trying_since_date_is_refused(client, db):
    login(client, make_user(db))
    later = (utcnow() + timedelta(days=30)).date().isoformat()
    response = post_form(client, "/complaints/new", {**FORM, "contact_since": later})

    assert response.status_code == 422
    assert "This date is in the future" in response.text
    assert db.exec(select(Complaint)).all() == []


def test_a_bad_email_address_is_explained_in_plain_words(client):
    response = post_form(
        client,
        "/signup",
        {"email": "maria.example.org", "display_name": "Maria", "password": "a quiet brown lake"},
    )

    assert response.status_code == 422
    assert "Please enter an email address like name@example.org." in response.text
    assert "value is not a valid email" not in response.text
    assert "@-sign" not in response.text


def test_a_complaint_address_that_is_not_a_number_is_not_found(client):
    response = client.get("/complaints/abc")

    assert response.status_code == 404
    assert "Input should be" not in response.text


def test_a_refused_form_points_at_its_errors_and_every_described_by_id_exists(client, db):
    login(client, make_user(db))
    response = post_form(client, "/complaints/new", {**FORM, "title": "Hi", "body": "short"})

    html = response.text
    summary = re.search(r"<div[^>]*id=\"error-summary\"[^>]*>", html)
    assert summary and "autofocus" in summary.group(0) and 'tabindex="-1"' in summary.group(0)
    assert '<a href="#title">' in html and '<a href="#body">' in html
    ids = _ids(html)
    for described in re.findall(r'aria-describedby="([^"]*)"', html):
        for ref in described.split():
            assert ref in ids, f"aria-describedby points at missing id {ref}"
    assert 'aria-describedby="title-hint title-error"' in html


# Signing up and verifying --------------------------------------------------------------------


def test_after_sign_up_the_user_is_told_to_check_their_email(client, db):
    response = _sign_up(client)

    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    text = unescape(page.text)
    assert "Check your email" in text
    assert "stay hidden until you use that link" in text


def test_after_verifying_the_author_lands_on_the_complaint_just_published(client, other_client, db):
    _sign_up(client)
    filed = post_form(client, "/complaints/new", FORM)
    complaint = db.exec(select(Complaint)).one()

    pending = unescape(client.get(filed.headers["location"]).text)
    assert "Open for" not in pending and "Answer due" not in pending
    assert "answer clock starts when it is" in pending

    link = _verify_link(db, "new@example.org")
    done = post_form(other_client, link, {})

    assert done.headers["location"] == f"/complaints/{complaint.id}?published=1"
    page = client.get(done.headers["location"])
    assert "this complaint is now public" in page.text
    assert "Open for" in page.text and "Answer due" in page.text


def test_filed_shows_the_time_the_timeline_shows(client, db):
    author = make_user(db, verified=False)
    complaint = make_complaint(db, author, now=utcnow() - timedelta(minutes=5))
    from app.accounts import verification

    verification.mark_verified(session=db, user=author)
    db.commit()

    html = client.get(f"/complaints/{complaint.id}").text
    filed = re.search(r'<dd id="filed-at">(.*?) by', html).group(1)
    first_event = re.search(r'<time datetime="[^"]+">(.*?)</time>', html).group(1)
    assert filed == first_event
    assert 'id="published-at"' in html  # the clock started later, and says so


# What the ticket says about the company ------------------------------------------------------


def test_the_ticket_says_whether_the_company_claimed_its_profile_and_will_be_told(client, db):
    claimed = companies.create(session=db, name="Claimed Co", domain="claimed.example")
    make_rep(db, claimed)
    mailed = companies.create(session=db, name="Mailed Co", domain="mailed.example")
    mailed.contact_email = "help@mailed.example"
    silent = companies.create(session=db, name="Silent Co", domain="silent.example")
    author = make_user(db)
    pages = {}
    for company in (claimed, mailed, silent):
        complaint = make_complaint(db, author, company_name=company.name)
        pages[company.name] = unescape(client.get(f"/complaints/{complaint.id}").text)

    assert "Claimed Co has claimed its profile" in pages["Claimed Co"]
    assert "Mailed Co has not claimed its profile" in pages["Mailed Co"]
    assert "We email it once at its public contact address" in pages["Mailed Co"]
    assert "we have no address to tell it" in pages["Silent Co"]


# A login that ended while they wrote -----------------------------------------------------------


def _hidden(html: str) -> dict[str, str]:
    return {
        unescape(n): unescape(v)
        for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }


def test_a_login_that_ended_while_writing_offers_log_in_and_continue(client, db):
    user = make_user(db)
    login(client, user)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/complaints/new").text)[1]
    client.cookies.clear()  # the login ran out meanwhile: the browser dropped its cookie

    refused = client.post("/complaints/new", data={**FORM, "csrf_token": token})

    assert refused.status_code == 401
    assert "Log in to continue" in refused.text
    assert db.exec(select(Complaint)).all() == []
    carried = _hidden(refused.text)
    assert carried["carry.body"] == FORM["body"]
    assert "carry.csrf_token" not in carried

    logged_in = client.post(
        "/login", data={**carried, "email": user.email, "password": "correct horse battery"}
    )
    assert logged_in.status_code == 200
    assert "Continue to your complaint" in logged_in.text
    back = client.post("/complaints/new", data=_hidden(logged_in.text))

    assert back.status_code == 200
    assert FORM["body"] in unescape(back.text)  # the form again, everything typed kept
    assert 'value="Broadband down for three weeks"' in back.text
    assert db.exec(select(Complaint)).all() == []  # nothing filed until they publish


def test_an_expired_session_row_also_offers_log_in_and_continue(client, db):
    from app.models.user import UserSession

    user = make_user(db)
    login(client, user)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/complaints/new").text)[1]
    for row in db.exec(select(UserSession).where(UserSession.user_id == user.id)).all():
        row.expires_at = utcnow() - timedelta(minutes=1)
        db.add(row)
    db.commit()

    refused = client.post("/complaints/new", data={**FORM, "csrf_token": token})

    assert refused.status_code == 401
    assert _hidden(refused.text)["carry.title"] == FORM["title"]
