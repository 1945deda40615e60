"""Signed-in pages reuse what every viewer sees alike (kept by the page's validator), yet each
visitor gets their own page, and a change shows at once."""

import pytest

from tests.support.factories import login, make_complaint, make_user


def test_signed_in_home_shows_a_new_complaint_and_each_visitor_their_own_name(
    client, other_client, db
):
    make_complaint(db, company_name="Acme Telecom", title="The router never arrived")
    ada, bo = make_user(db, name="Ada Visitor"), make_user(db, name="Bo Visitor")
    db.commit()
    login(client, ada)
    login(other_client, bo)

    first = client.get("/")
    assert "The router never arrived" in first.text and "Ada Visitor" in first.text
    second = other_client.get("/")
    assert "The router never arrived" in second.text
    assert "Bo Visitor" in second.text and "Ada Visitor" not in second.text
    assert second.headers["cache-control"] == first.headers["cache-control"]
    assert "no-store" in second.headers["cache-control"]

    make_complaint(db, company_name="Acme Telecom", title="Billed after cancelling")
    db.commit()
    assert "Billed after cancelling" in client.get("/").text


def test_signed_in_company_page_follows_its_complaints(client, db):
    make_complaint(db, company_name="Acme Telecom", title="First one here")
    db.commit()
    login(client, make_user(db))
    assert "First one here" in client.get("/companies/acme-telecom").text
    make_complaint(db, company_name="Acme Telecom", title="Second one here")
    db.commit()
    page = client.get("/companies/acme-telecom").text
    assert "First one here" in page and "Second one here" in page


def test_signed_in_leaderboard_shows_each_visitor_the_same_table_in_their_own_page(
    client, other_client, db
):
    make_complaint(db, company_name="Acme Telecom", title="Counted here")
    ada, bo = make_user(db, name="Ada Visitor"), make_user(db, name="Bo Visitor")
    db.commit()
    login(client, ada)

    first = client.get("/leaderboards")
    anonymous = other_client.get("/leaderboards")
    login(other_client, bo)
    second = other_client.get("/leaderboards")
    assert "Ada Visitor" in first.text and "Ada Visitor" not in second.text
    assert "Bo Visitor" in second.text

    def table(page: str) -> str:
        return page[page.index("<h1>Leaderboards</h1>") : page.index("</main>")]

    assert table(first.text) == table(second.text) == table(anonymous.text)


def test_a_kept_block_cannot_print_the_viewers_own_values(monkeypatch):
    from starlette.requests import Request

    from app.web import templating
    from app.web.caching import conditional

    probe = templating.env.from_string("{% block content %}{{ csrf_token }}{% endblock %}")
    monkeypatch.setattr(templating.env, "get_template", lambda _name: probe)
    request = Request({"type": "http", "method": "GET", "path": "/probe", "query_string": b"",
                       "headers": [], "state": {}})  # fmt: skip
    fresh = conditional(request, viewer=None, parts=("probe",))
    with pytest.raises(RuntimeError):
        templating.kept_block(request, "probe.html", {}, fresh=fresh, block="content")
