"""Takedown notices take only web addresses and prefill from the configured site address; pages
with a visitor's form or cookie are never cached; the anonymous cookie is ``__Host-`` over https."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.config import get_settings
from app.main import create_app
from app.models.takedown import TakedownNotice
from tests.support.factories import make_complaint
from tests.support.forms import post_form

FORM = {
    "complainant_name": "Northwind Telecom Ltd",
    "complainant_email": "legal@northwind.example",
    "statement": "Northwind steals from its customers on purpose.",
    "meaning": "That Northwind commits theft deliberately.",
    "inaccuracy": "factually_inaccurate",
    "why_wrong": "The double charge was a billing error, refunded on 2 March.",
    "why_defamatory": "It accuses us of a crime and drives customers away.",
    "confirm": "on",
}


@pytest.mark.parametrize(
    "address",
    ["javascript:alert(1337)", "data:text/html,<script>alert(1)</script>", "ftp://x.example/a"],
)
def test_a_statement_address_must_be_a_web_address(client, db: Session, address) -> None:
    complaint = make_complaint(db)
    db.commit()
    path = f"/takedown/new?complaint={complaint.id}"
    refused = post_form(client, path, {**FORM, "statement_url": address})
    assert refused.status_code == 422
    assert "http:// or https://" in refused.text
    assert db.exec(select(func.count()).select_from(TakedownNotice)).one() == 0

    url = f"http://testserver/complaints/{complaint.id}"
    assert post_form(client, path, {**FORM, "statement_url": url}).status_code == 303


def test_the_notice_form_prefills_the_configured_address_not_the_host_header(
    client, db: Session
) -> None:
    complaint = make_complaint(db)
    db.commit()
    page = client.get(f"/takedown/new?complaint={complaint.id}", headers={"host": "evil.example"})
    assert page.status_code == 200
    assert "evil.example" not in page.text
    assert f'value="http://testserver/complaints/{complaint.id}"' in page.text


def test_pages_with_a_visitors_form_or_cookie_are_not_stored(client, db: Session) -> None:
    complaint = make_complaint(db)
    db.commit()
    form = client.get(f"/takedown/new?complaint={complaint.id}")
    assert "set-cookie" in form.headers
    assert form.headers["cache-control"] == "private, no-store"
    filed = post_form(
        client,
        f"/takedown/new?complaint={complaint.id}",
        {**FORM, "statement_url": f"http://testserver/complaints/{complaint.id}"},
    )
    status = client.get(filed.headers["location"])
    assert status.status_code == 200
    assert status.headers["cache-control"] == "private, no-store"
    for path in ("/login", "/signup", f"/reports/new?complaint={complaint.id}"):
        other = TestClient(client.app)  # a first visit: the anonymous cookie is set here
        response = other.get(path)
        assert "set-cookie" in response.headers, path
        assert response.headers["cache-control"] == "private, no-store", path


def test_the_anonymous_cookie_is_host_prefixed_over_https(db: Session, engine) -> None:
    settings = get_settings()
    original = settings.base_url
    settings.base_url = "https://outcry.example"
    try:
        with TestClient(create_app(), base_url="https://outcry.example") as browser:
            page = browser.get("/login")
            cookie = page.headers["set-cookie"]
            assert re.match(r"__Host-outcry_anon=[^;]+; Path=/;", cookie)
            assert "Secure" in cookie and "Domain=" not in cookie
            # The token it binds is accepted back under that name.
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            wrong = browser.post(
                "/login", data={"email": "a@b.example", "password": "x", "csrf_token": token}
            )
            assert wrong.status_code != 403
    finally:
        settings.base_url = original
