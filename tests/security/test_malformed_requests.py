"""Requests no page can answer get a clear 4xx, never a 500: record numbers no id column can hold,
NUL characters in addresses and queries, and multipart forms that are not UTF-8 text."""

import re

import pytest
from sqlmodel import Session, func, select

from app.models.complaint import Complaint
from tests.support.factories import login, make_complaint, make_user
from tests.support.forms import csrf_from

# Past PostgreSQL's INTEGER, past SQLite's 64-bit INTEGER, and below PostgreSQL's smallest.
HUGE = ["2147483648", "9223372036854775808", "99999999999999999999999", "-2147483649"]


def id_routes(web_app, method: str) -> list[str]:
    """Every HTML address with a record number in it (from the app's own route table; the
    published OpenAPI schema lists only the JSON API)."""
    return sorted(
        {
            route.path
            for route in web_app.routes
            if method.upper() in getattr(route, "methods", ())
            and not route.path.startswith("/api/")
            and re.search(r"\{\w+_id\}", route.path)
        }
    )


def concrete(template: str, number: str) -> str:
    path = re.sub(r"\{\w+_id\}", number, template)
    path = path.replace("{slug}", "no-such-company")
    return re.sub(r"\{\w+\}", "x", path)


@pytest.mark.parametrize("number", HUGE)
def test_record_numbers_no_table_can_hold_are_not_found(web_app, client, db, number) -> None:
    complaint = make_complaint(db)
    user = make_user(db, is_admin=True)
    db.commit()
    login(client, user)  # the admin sees every page there is, so a 404 is the number's doing
    token = csrf_from(client, f"/complaints/{complaint.id}")
    gets, posts = id_routes(web_app, "get"), id_routes(web_app, "post")
    assert len(gets) >= 10 and len(posts) >= 20, (gets, posts)
    answers = {}
    for template in gets:
        path = concrete(template, number)
        answers[path] = client.get(path, follow_redirects=False).status_code
    for template in posts:
        path = concrete(template, number)
        sent = client.post(path, data={"csrf_token": token}, follow_redirects=False)
        answers[f"POST {path}"] = sent.status_code
    for path in (
        f"/reports/new?complaint={number}",
        f"/reports/new?complaint={complaint.id}&message={number}",
        f"/takedown/new?complaint={number}",
        f"/oembed?url=http://testserver/complaints/{number}",
    ):
        answers[path] = client.get(path, follow_redirects=False).status_code
    crashed = {path: status for path, status in answers.items() if status >= 500}
    assert not crashed
    assert answers[f"/complaints/{number}"] == 404
    assert answers[f"/complaints/{number}/feed.atom"] == 404
    assert answers[f"/complaints/{number}/badge.svg"] == 404
    assert answers[f"/reports/new?complaint={number}"] == 404


def test_record_numbers_typed_into_forms_are_not_found(client, db) -> None:
    complaint = make_complaint(db)
    db.commit()
    token = csrf_from(client, f"/reports/new?complaint={complaint.id}")
    for number in HUGE:
        report = client.post(
            "/reports",
            data={"csrf_token": token, "complaint": number, "reason": "spam", "detail": "x"},
        )
        assert report.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/companies/a%00b",
        "/search?q=%00",
        "/search?company=%00",
        "/?q=a%00b",
        "/api/v1/complaints?q=%00",
        "/api/v1/complaints?company=%00",
        "/api/v1/companies?q=%00",
    ],
)
def test_nul_characters_in_addresses_are_refused(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.text


def test_a_multipart_form_that_is_not_utf8_is_refused_and_nothing_saved(client, db) -> None:
    user = make_user(db)
    db.commit()
    login(client, user)
    token = csrf_from(client, "/complaints/new")
    before = db.exec(select(func.count()).select_from(Complaint)).one()
    fields = {
        "csrf_token": token.encode(),
        "company_name": b"Northwind Telecom",
        "title": b"Charged twice \xe9t\xe9 \xff",  # Latin-1, not UTF-8
        "category": b"billing",
        "body": b"My card was charged twice for the March bill and nobody will refund it.",
        "submission_key": b"multipart-1",
        "accept_new_company": b"1",
    }
    boundary = "outcryboundary"
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
            for name, value in fields.items()
        )
        + f"--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/complaints/new",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 400
    assert "not valid text" in response.text
    assert db.exec(select(func.count()).select_from(Complaint)).one() == before


def test_a_utf8_multipart_form_still_works(client, db: Session) -> None:
    complaint = make_complaint(db)
    db.commit()
    login(client, make_user(db))
    token = csrf_from(client, f"/complaints/{complaint.id}")
    response = client.post(
        f"/complaints/{complaint.id}/cosign",
        files={"csrf_token": (None, token), "body": (None, "été ✓")},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_control_characters_are_refused_and_old_ones_never_break_a_feed(client, db) -> None:
    from app.models.complaint import ComplaintCreate

    with pytest.raises(ValueError, match="control characters"):
        ComplaintCreate(
            title="Bell \x07 rang",
            body="My card was charged twice for the March bill.",
            category="billing",
            company_name="Northwind Telecom",
        )
    stored = make_complaint(db)
    stored.title = "Stored before the rule \x07\x1b"  # as an older release may have kept it
    db.add(stored)
    db.commit()
    feed = client.get(f"/complaints/{stored.id}/feed.atom")
    assert feed.status_code == 200
    assert "Stored before the rule" in feed.text
