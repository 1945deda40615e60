"""Sign-up, log-in, log-out and the login cookie, as a browser sees them."""

import os
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.config import get_settings
from app.models.job import Job
from app.models.user import User, UserSession
from app.web.sessions import cookie_name
from tests.support.accounts import browser_with, signed_in_name, site_header
from tests.support.factories import PASSWORD, finish_sign_up, login, make_complaint, make_user
from tests.support.forms import csrf_from, post_form

GOOD_SIGNUP = {
    "email": "maria.k@example.org",
    "display_name": "Maria K.",
    "password": "a long enough phrase",
}


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def input_value(html: str, name: str) -> str:
    tag = re.search(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert tag, f"no input named {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else ""


def field_error(html: str, name: str) -> str | None:
    """The error shown inside the form field that holds the input ``name``."""
    for block in re.findall(r'<div class="field has-error">(.*?)</div>', html, re.S):
        if f'name="{name}"' in block:
            message = re.search(r'<p class="error"[^>]*>(.*?)</p>', block, re.S)
            return unescape(message.group(1)).strip() if message else ""
    return None


def session_cookie(response) -> str:
    """The Set-Cookie header for the login cookie."""
    for header in response.headers.get_list("set-cookie"):
        if header.split("=", 1)[0].endswith("outcry_session"):
            return header
    raise AssertionError(f"no login cookie in {response.headers.get_list('set-cookie')}")


def redirect_target(response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"]


# Sign up -------------------------------------------------------------------------------------


def test_signup_creates_the_account_and_its_mailed_link_signs_in(client, db):
    response = post_form(client, "/signup", GOOD_SIGNUP)

    assert redirect_target(response) == "/signup/sent"
    assert not any("outcry_session" in h for h in response.headers.get_list("set-cookie"))
    assert "Check your email" in client.get("/signup/sent").text
    response = finish_sign_up(client, db, GOOD_SIGNUP["email"])
    assert redirect_target(response) == "/me/account?verified=1"
    cookie = session_cookie(response)
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    # The base URL is http://, so a Secure or __Host- cookie would never come back.
    assert "secure" not in attributes
    assert not cookie.startswith("__Host-")
    assert signed_in_name(client) == "Maria K."
    user = db.exec(select(User).where(User.email == "maria.k@example.org")).one()
    assert user.display_name == "Maria K."


def test_the_account_works_for_a_later_login(client, other_client):
    post_form(client, "/signup", {**GOOD_SIGNUP, "email": "Maria.K@Example.org"})

    response = post_form(
        other_client, "/login", {"email": "maria.k@example.org", "password": "a long enough phrase"}
    )

    assert redirect_target(response) == "/"
    assert signed_in_name(other_client) == "Maria K."


@pytest.fixture
def https_app(db):
    """The app as deployed behind https: the cookie must be Secure and __Host- prefixed."""
    from app.db import get_session
    from app.main import create_app

    before = os.environ["OUTCRY_BASE_URL"]
    os.environ["OUTCRY_BASE_URL"] = "https://testserver"
    get_settings.cache_clear()
    try:
        application = create_app()

        def _session():
            yield db
            db.commit()

        application.dependency_overrides[get_session] = _session
        yield application
    finally:
        os.environ["OUTCRY_BASE_URL"] = before
        get_settings.cache_clear()


def test_over_https_the_login_cookie_is_secure_and_host_only(https_app, db):
    browser = TestClient(https_app, base_url="https://testserver")

    post_form(browser, "/signup", GOOD_SIGNUP)
    response = finish_sign_up(browser, db, GOOD_SIGNUP["email"])

    cookie = session_cookie(response)
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert cookie.startswith("__Host-outcry_session=")
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= attributes
    assert not any(a.startswith("domain=") for a in attributes)
    assert "Maria K." in site_header(browser.get("/").text)
    assert browser.get("/").headers["strict-transport-security"].startswith("max-age=")


def test_email_address_never_appears_on_public_pages(client, other_client, db):
    post_form(client, "/signup", {**GOOD_SIGNUP, "email": "maria.secret@example.org"})
    finish_sign_up(client, db, "maria.secret@example.org")  # her complaints publish
    user = db.exec(select(User).where(User.email == "maria.secret@example.org")).one()
    complaint = make_complaint(db, user, title="Router dead for a week", company_name="Comcast")
    db.commit()

    pages = [
        f"/complaints/{complaint.id}",
        "/companies/comcast",
        "/",
        "/search?q=router",
        "/companies",
        "/api/v1/complaints",
        f"/api/v1/complaints/{complaint.id}",
        "/api/v1/companies",
    ]
    for path in pages:
        response = other_client.get(path)
        assert response.status_code == 200, path
        assert "maria.secret" not in response.text.lower(), path
    # The same pages do show the complaint and the author's public name.
    assert "Maria K." in other_client.get(f"/complaints/{complaint.id}").text
    assert other_client.get("/api/v1/complaints").json()["items"][0]["author"] == "Maria K."
    # Not even the author's own view of their complaint prints the address.
    assert "maria.secret" not in client.get(f"/complaints/{complaint.id}").text.lower()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "maria-at-example.org", "email address"),
        ("email", "", "email address"),
        ("password", "short77", "at least 8 characters"),
        ("display_name", "M", "at least 2 characters"),
        ("display_name", "   ", "at least 2 characters"),
    ],
)
def test_signup_errors_are_shown_by_the_field_and_keep_what_was_typed(
    client, db, field, value, message
):
    users, sessions = count(db, User), count(db, UserSession)
    form = {**GOOD_SIGNUP, field: value}

    response = post_form(client, "/signup", form)

    assert response.status_code == 422
    error = field_error(response.text, field)
    assert error is not None, f"no error shown by the {field} field"
    assert message in error.lower()
    for other in {"email", "display_name", "password"} - {field}:
        assert field_error(response.text, other) is None
    # What was typed is still there, except the password, which is never echoed back.
    assert input_value(response.text, "email") == form["email"]
    assert input_value(response.text, "display_name") == form["display_name"]
    assert input_value(response.text, "password") == ""
    assert form["password"] not in response.text
    assert count(db, User) == users
    assert count(db, UserSession) == sessions
    assert not any("outcry_session" in h for h in response.headers.get_list("set-cookie"))
    assert signed_in_name(client) is None


def test_signup_with_a_taken_email_answers_the_same_and_tells_the_owner(client, db):
    make_user(db, email="taken@example.org", name="First Owner")
    db.commit()
    users = count(db, User)

    free = post_form(client, "/signup", {**GOOD_SIGNUP, "email": "free@example.org"})
    taken = post_form(client, "/signup", {**GOOD_SIGNUP, "email": "Taken@Example.org"})

    assert redirect_target(taken) == redirect_target(free) == "/signup/sent"
    assert taken.headers.get_list("set-cookie") == free.headers.get_list("set-cookie") == []
    assert count(db, User) == users + 1  # only the free address got an account
    jobs = db.exec(select(Job).where(Job.kind == "mail")).all()
    (notice,) = [j.payload for j in jobs if j.payload["to"] == "taken@example.org"]
    assert "create an Outcry account" in notice["text"] and "Nothing was changed" in notice["text"]
    assert "/account/verify/" not in notice["text"]
    assert signed_in_name(client) is None


# Log in --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "password"),
    [("ana@example.org", "wrong password"), ("nobody@example.org", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_failed_login_shows_the_error_and_keeps_the_email(client, db, email, password):
    make_user(db, email="ana@example.org", name="Ana")
    db.commit()

    response = post_form(client, "/login", {"email": email, "password": password})

    assert response.status_code == 401
    assert "do not match an account" in response.text
    assert input_value(response.text, "email") == email
    assert input_value(response.text, "password") == ""
    assert password not in response.text
    assert not any("outcry_session" in h for h in response.headers.get_list("set-cookie"))
    assert signed_in_name(client) is None


def test_login_rotates_the_session(client, db, web_app):
    user = make_user(db, name="Ana")
    login(client, user)
    first = client.cookies.get(cookie_name())
    assert first

    login(client, user)
    second = client.cookies.get(cookie_name())

    assert second and second != first
    assert signed_in_name(client) == "Ana"
    assert signed_in_name(browser_with(web_app, first)) is None
    assert signed_in_name(browser_with(web_app, second)) == "Ana"


def test_login_as_someone_else_ends_the_previous_login(client, db, web_app):
    ana, bo = make_user(db, name="Ana"), make_user(db, name="Bo")
    login(client, ana)
    anas_token = client.cookies.get(cookie_name())

    login(client, bo)

    assert signed_in_name(client) == "Bo"
    assert signed_in_name(browser_with(web_app, anas_token)) is None


# Log out -------------------------------------------------------------------------------------


def test_logout_needs_a_post(client, db):
    login(client, make_user(db, name="Ana"))

    response = client.get("/logout")

    assert response.status_code == 405
    assert signed_in_name(client) == "Ana"


def test_logout_ends_the_session_on_the_server(client, db, web_app):
    login(client, make_user(db, name="Ana"))
    token = client.cookies.get(cookie_name())

    response = post_form(client, "/logout", {}, page="/")

    assert redirect_target(response) == "/"
    assert client.cookies.get(cookie_name()) is None
    assert signed_in_name(client) is None
    # Someone who copied the cookie before the logout gets nowhere with it.
    replay = browser_with(web_app, token)
    assert signed_in_name(replay) is None
    page = replay.get("/me/complaints", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")


def test_logout_only_ends_this_browsers_session(client, other_client, db):
    user = make_user(db, name="Ana")
    login(client, user)
    login(other_client, user)

    post_form(client, "/logout", {}, page="/")

    assert signed_in_name(client) is None
    assert signed_in_name(other_client) == "Ana"


# Where to go after logging in ----------------------------------------------------------------


@pytest.mark.parametrize("target", ["/me/complaints", "/complaints/new?company=Comcast"])
def test_next_sends_the_user_back_to_a_local_page(client, db, target):
    make_user(db, email="ana@example.org")
    db.commit()

    response = post_form(
        client, "/login", {"email": "ana@example.org", "password": PASSWORD, "next": target}
    )

    assert redirect_target(response) == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/login",
        "https://evil.example",
        "http://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
@pytest.mark.parametrize("form", ["/login", "/signup"])
def test_next_cannot_send_the_user_to_another_site(client, db, form, target):
    make_user(db, email="ana@example.org")
    db.commit()
    data = (
        {"email": "ana@example.org", "password": PASSWORD}
        if form == "/login"
        else dict(GOOD_SIGNUP)
    )

    response = post_form(client, form, {**data, "next": target})
    if form == "/signup":  # where the mailed link leads, once used
        assert redirect_target(response) == "/signup/sent"
        response = finish_sign_up(client, db, GOOD_SIGNUP["email"])

    location = redirect_target(response)
    assert location in ("/", "/me/account?verified=1")
    assert not urlsplit(location).netloc


def test_a_page_that_needs_login_comes_back_after_logging_in(client, db):
    make_user(db, email="ana@example.org", name="Ana")
    db.commit()

    bounce = client.get("/me/complaints", follow_redirects=False)
    assert bounce.status_code == 303
    login_url = urlsplit(bounce.headers["location"])
    assert login_url.path == "/login"
    assert parse_qs(login_url.query)["next"] == ["/me/complaints"]

    login_page = client.get(bounce.headers["location"])
    assert input_value(login_page.text, "next") == "/me/complaints"
    token = csrf_from(client, bounce.headers["location"])
    response = client.post(
        "/login",
        data={
            "email": "ana@example.org",
            "password": PASSWORD,
            "next": input_value(login_page.text, "next"),
            "csrf_token": token,
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert response.url.path == "/me/complaints"
    assert "My complaints" in response.text
