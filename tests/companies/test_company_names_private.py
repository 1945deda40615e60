"""Company names are public: a new one holding someone's phone or email is refused on the form
with nothing typed lost, and a company named only by a complaint that is still waiting (its
author unverified) stays off every public surface until that complaint is published."""

from html import unescape

import pytest
from sqlmodel import col, select

from app.companies import service as companies
from app.complaints import gate
from app.models.company import Company
from tests.support.factories import login, make_complaint, make_user
from tests.support.forms import post_form

FORM = {
    "company_pick": "",
    "title": "Boiler left leaking",
    "category": "billing",
    "body": "The plumber left the boiler leaking and stopped answering.",
    "desired_outcome": "A refund.",
}


@pytest.mark.parametrize(
    "name",
    [
        "Dave Jones Plumbing 07700 900999 dave.jones@example.com",
        "Dave Jones Plumbing 07700 900999",
        "Dave Jones Plumbing dave.jones@example.com",
        "Dave Jones Plumbing dave&#46;jones&#64;example&#46;com",
        "Dave Jones Plumbing 07700\u200b900999",
    ],
)
def test_a_company_name_with_contact_details_is_refused_on_the_form(client, db, name):
    user = make_user(db)
    db.commit()
    login(client, user)
    response = post_form(
        client, "/complaints/new", {**FORM, "company_name": name, "submission_key": "k"}
    )
    assert response.status_code == 422
    assert "cannot include personal details" in unescape(response.text)
    assert "The plumber left the boiler leaking" in response.text  # nothing typed is lost
    assert not db.exec(select(Company).where(col(Company.name).like("Dave Jones%"))).first()


def test_ordinary_company_names_still_pass():
    for name in ("Dave Jones Plumbing", "3 Mobile", "Currys PC World", "Mr Fix It Ltd", "7-Eleven"):
        companies.check_name(name)


def _pending_company(db):
    author = make_user(db, verified=False)
    complaint = make_complaint(
        db, author, company_name="Globex Drains", company_domain=None, title="Drain never fixed"
    )
    assert gate.is_waiting(complaint)
    db.commit()
    return author, complaint, db.get(Company, complaint.company_id)


def test_a_company_named_by_a_waiting_complaint_is_on_no_public_surface(client, db):
    _author, _complaint, company = _pending_company(db)
    for path in (
        f"/companies/{company.slug}",
        f"/companies/{company.slug}/feed.atom",
        f"/companies/{company.slug}/badge.svg",
        f"/companies/{company.slug}/stats",
        f"/api/v1/companies/{company.id}",
        f"/api/v1/companies/{company.id}/stats",
    ):
        assert client.get(path).status_code == 404, path
    for path in (
        "/companies",
        "/companies?q=Globex",
        "/companies/suggest?q=Globex",
        "/api/v1/companies?q=Globex",
        "/leaderboards",
        "/leaderboards.csv",
        "/search?q=Globex",
        "/feeds/complaints.atom",
        "/data/complaints.csv",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Globex Drains" not in response.text, path


def test_the_company_appears_once_its_complaint_is_published(client, db):
    author, complaint, company = _pending_company(db)
    author.email_verified_at = complaint.created_at
    db.add(author)
    assert gate.publish_verified(session=db, user=author)
    db.commit()
    assert client.get(f"/companies/{company.slug}").status_code == 200
    assert "Globex Drains" in client.get("/companies").text
    assert client.get("/companies/suggest?q=Globex").json()[0]["name"] == "Globex Drains"


def test_the_api_refuses_it_too_with_a_problem(client, db):
    user = make_user(db)
    db.commit()
    login(client, user)
    response = client.post(
        "/api/v1/complaints",
        json={
            "title": "Boiler left leaking",
            "category": "billing",
            "body": FORM["body"],
            "company_name": "Dave Jones Plumbing 07700 900999",
            "accept_new_company": True,
            "submission_key": "api-k",
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "cannot include personal details" in response.json()["detail"]
