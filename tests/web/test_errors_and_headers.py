"""Error pages and problem details, the body size limit, security headers, the health check."""

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.config import get_settings
from app.db import get_session
from app.main import create_app
from app.models.complaint import Complaint
from tests.support.factories import login, make_complaint, make_user
from tests.support.forms import csrf_from

PROBLEM = "application/problem+json"
LIMIT = get_settings().max_body_bytes


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("content-security-policy")
    assert policy, f"no CSP on {response.request.url}"
    directives = {}
    for part in policy.split(";"):
        if part.strip():
            name, *values = part.split()
            directives[name.lower()] = values
    return directives


DOCUMENT_ONLY = ("referrer-policy", "permissions-policy", "cross-origin-opener-policy")


def assert_security_headers(response) -> None:
    """A document (a page, an SVG, a redirect) gets the whole set; data (JSON, text, CSV) the
    API set, whose CSP allows nothing at all."""
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    csp = csp_directives(response)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts is not None, where
    assert "'unsafe-inline'" not in scripts, where
    assert "'unsafe-eval'" not in scripts, where
    assert "*" not in scripts, where
    assert csp.get("frame-ancestors") == ["'none'"], where
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert response.headers.get("x-frame-options") == "DENY", where
    media = response.headers.get("content-type", "").split(";")[0]
    if media in {"application/json", "application/problem+json", "text/plain", "text/csv"}:
        assert csp["default-src"] == ["'none'"], where
        assert not [name for name in DOCUMENT_ONLY if name in response.headers], where
        return
    assert response.headers.get("referrer-policy") in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }, where
    assert "camera=()" in response.headers.get("permissions-policy", ""), where
    assert response.headers.get("cross-origin-opener-policy") == "same-origin", where


def assert_site_layout(html: str) -> None:
    """An error page is a real page of the site: header, navigation and footer."""
    assert '<header class="site">' in html
    assert 'href="/companies"' in html
    assert '<footer class="site">' in html
    assert '<link rel="stylesheet" href="/static/app.css">' in html


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


# Not found, wrong method ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/no/such/page", "/complaints/999999", "/companies/nobody-here"])
def test_unknown_pages_are_404_pages_of_the_site(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert_site_layout(response.text)
    assert "<h1>Not Found</h1>" in response.text
    assert 'role="alert"' in response.text
    assert_security_headers(response)


def test_the_404_page_knows_who_is_logged_in(client, db):
    login(client, make_user(db, name="Maria K."))

    response = client.get("/complaints/999999")

    assert response.status_code == 404
    assert "Log out (Maria K.)" in response.text


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing", "/api/v2/complaints", "/api/v1/complaints/1/x"]
)
def test_unknown_api_paths_are_404_problems(client, db, path):
    response = client.get(path)

    body = assert_problem(response, 404)
    assert "<html" not in response.text
    assert body["detail"] == "There is nothing at this address."
    assert_security_headers(response)


def test_wrong_method_on_a_page(client, db):
    response = client.get("/logout")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert_site_layout(response.text)
    assert "does not accept that kind of request" in response.text
    assert_security_headers(response)
    assert client.delete("/").status_code == 405


def test_wrong_method_on_the_api(client, db):
    response = client.put("/api/v1/complaints")

    body = assert_problem(response, 405)
    assert "does not accept" in body["detail"]
    assert "GET" in response.headers["allow"]
    assert_security_headers(response)


def test_a_bad_query_value_on_a_page_is_a_400_page(client, db):
    response = client.get("/search", params={"page": "two"})

    assert response.status_code == 400
    assert_site_layout(response.text)
    assert "(page: " in response.text


# Body size limit -----------------------------------------------------------------------------


def oversized(chunks: int = LIMIT // 10_000 + 2):
    """A form body just over the limit, streamed without a Content-Length."""
    yield b"title="
    for _ in range(chunks):
        yield b"x" * 10_000


@pytest.fixture
def signed_in(client, db):
    user = make_user(db)
    login(client, user)
    return user


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_form_is_a_413_page(client, db, signed_in, chunked):
    token = csrf_from(client, "/complaints/new")
    body = b"csrf_token=" + token.encode() + b"&body=" + b"x" * (LIMIT + 1)
    content = (body[i : i + 65_536] for i in range(0, len(body), 65_536)) if chunked else body

    response = client.post(
        "/complaints/new",
        content=content,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert ("content-length" in response.request.headers) is not chunked
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert_site_layout(response.text)
    assert f"larger than the {LIMIT // 1000} kB we accept" in response.text
    assert_security_headers(response)
    assert count(db, Complaint) == 0


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_api_request_is_a_413_problem(client, db, signed_in, chunked):
    body = json.dumps(
        {
            "title": "Charged twice",
            "body": "x" * (LIMIT + 1),
            "category": "billing",
            "company_name": "Northwind",
            "accept_new_company": True,
        }
    ).encode()
    content = (body[i : i + 65_536] for i in range(0, len(body), 65_536)) if chunked else body

    response = client.post(
        "/api/v1/complaints", content=content, headers={"content-type": "application/json"}
    )

    assert ("content-length" in response.request.headers) is not chunked
    body = assert_problem(response, 413)
    assert f"{LIMIT // 1000} kB" in body["detail"]
    assert_security_headers(response)
    assert count(db, Complaint) == 0


def test_a_large_form_under_the_limit_is_accepted(client, db, signed_in):
    token = csrf_from(client, "/complaints/new")
    filler = "x" * (LIMIT - 50_000)  # an unknown field: ignored, but it has to be read

    response = client.post(
        "/complaints/new",
        data={
            "csrf_token": token,
            "filler": filler,
            "title": "Charged twice for March",
            "category": "billing",
            "body": "My card was charged twice for the March bill and nobody will refund it.",
            "company_name": "Northwind Telecom",
            "company_pick": "new",
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert count(db, Complaint) == 1


def test_a_streamed_body_over_the_limit_is_stopped_even_on_a_login_form(client, db):
    response = client.post(
        "/login",
        content=oversized(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert_site_layout(response.text)


# Crashes -------------------------------------------------------------------------------------


@pytest.fixture
def crashing_client(db):
    """A fresh app with two routes that fail the way a bug would."""
    application = create_app()

    def _session():
        yield db

    application.dependency_overrides[get_session] = _session

    @application.get("/boom")
    def boom():
        raise RuntimeError("secret-internal-detail in /srv/outcry/app.py")

    @application.get("/api/v1/boom")
    def api_boom():
        raise KeyError("secret-internal-detail")

    with TestClient(application, raise_server_exceptions=False) as test_client:
        yield test_client


def assert_no_leak(text: str) -> None:
    for leak in ("secret-internal-detail", "Traceback", "RuntimeError", "KeyError", ".py"):
        assert leak not in text, leak


def test_a_crash_is_a_500_page_without_internals(crashing_client):
    response = crashing_client.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert_site_layout(response.text)
    assert "Something went wrong on our side" in response.text
    assert_no_leak(response.text)
    assert_security_headers(response)


def test_an_api_crash_is_a_500_problem_without_internals(crashing_client):
    response = crashing_client.get("/api/v1/boom")

    body = assert_problem(response, 500)
    assert "Something went wrong" in body["detail"]
    assert_no_leak(response.text)
    assert_security_headers(response)


# Security headers everywhere -----------------------------------------------------------------


@pytest.fixture
def some_complaint(db):
    complaint = make_complaint(db, company_name="Northwind Telecom")
    db.commit()
    return complaint


PAGES = [
    "/",
    "/search?q=charged",
    "/companies",
    "/companies/northwind-telecom",
    "/login",
    "/signup",
    "/complaints/{id}",
    "/api/v1/complaints",
    "/api/v1/complaints/{id}",
    "/api/openapi.json",
    "/api/docs",
    "/healthz",
    "/static/app.css",
]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_kind_of_response(client, some_complaint, path):
    response = client.get(path.format(id=some_complaint.id))

    assert response.status_code == 200
    assert_security_headers(response)


def test_security_headers_on_refusals(client, db, some_complaint):
    refused = [
        client.post("/login", data={"email": "a@example.org", "password": "x"}),  # no token
        client.get("/complaints/new", follow_redirects=False),  # redirect to login
        client.get("/search", params={"state": "bogus"}),
        client.get("/api/v1/complaints", params={"limit": 0}),
    ]

    assert [r.status_code for r in refused] == [403, 303, 400, 422]
    for response in refused:
        assert_security_headers(response)


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/complaints/{id}", "/companies"])
def test_pages_need_no_inline_script(client, some_complaint, path):
    """The CSP forbids inline scripts, so a page that relied on one would silently break."""
    html = client.get(path.format(id=some_complaint.id)).text

    assert not re.search(r"<script\b(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"""(?:src|href)=["']https?://""", html), "external asset"


def test_logged_in_pages_have_the_headers_too(client, db, some_complaint):
    login(client, make_user(db))

    for path in ("/complaints/new", "/me/complaints", f"/complaints/{some_complaint.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response)


# Health --------------------------------------------------------------------------------------


def test_healthz_says_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.text == "ok"
    assert response.headers["content-type"].startswith("text/plain")
    assert "set-cookie" not in response.headers
