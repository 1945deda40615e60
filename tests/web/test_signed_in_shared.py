"""Signed-in pages reuse what every viewer sees alike (kept by the page's validator), yet each
visitor gets their own page, and a change shows at once."""

from collections.abc import Iterator

import pytest

from tests.support.factories import login, make_complaint, make_user
from tests.support.forms import CSRF_RE, post_form


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
        templating.kept_block(request, "probe.html", dict, fresh=fresh, block="content")


def test_a_kept_block_for_readers_cannot_print_the_readers_name(monkeypatch):
    from starlette.requests import Request

    from app.web import templating
    from app.web.caching import conditional

    probe = templating.env.from_string(
        "{% block content %}{{ csrf_token }}{{ current_user.display_name }}{% endblock %}"
    )
    monkeypatch.setattr(templating.env, "get_template", lambda _name: probe)
    request = Request({"type": "http", "method": "GET", "path": "/probe", "query_string": b"",
                       "headers": [], "state": {}})  # fmt: skip
    fresh = conditional(request, viewer=None, parts=("probe",))
    with pytest.raises(RuntimeError):
        templating.kept_block(request, "probe.html", dict, fresh=fresh, block="content",
                              reader={"email_verified": True})  # fmt: skip


def _body(page: str) -> str:
    """The page's main part, each form's CSRF token blanked."""
    main = page[page.index('<main id="main">') : page.index("</main>")]
    return CSRF_RE.sub("csrf", main)


@pytest.mark.parametrize("kept", [200, 0], ids=["co-signers kept", "co-signers asked"])
def test_readers_of_a_complaint_share_its_body_with_their_own_token_and_co_sign(
    client, other_client, db, monkeypatch, kept
):
    from app.routes.public import complaints

    monkeypatch.setattr(complaints, "COSIGNERS_KEPT", kept)
    complaint = make_complaint(db, company_name="Acme Telecom", title="Line dead for a week")
    ada, bo = make_user(db, name="Ada Reader"), make_user(db, name="Bo Reader")
    db.commit()
    login(client, ada)
    login(other_client, bo)
    path = f"/complaints/{complaint.id}"

    first, second = client.get(path), other_client.get(path)
    assert "Line dead for a week" in first.text and "Line dead for a week" in second.text
    assert "Me too — I have this problem" in first.text
    assert _body(first.text) == _body(second.text)
    tokens = CSRF_RE.findall(first.text), CSRF_RE.findall(second.text)
    assert tokens[0] and tokens[1] and set(tokens[0]).isdisjoint(tokens[1])
    assert "Ada Reader" not in second.text and "no-store" in second.headers["cache-control"]

    # Each reader's form works with the token their page gave them, and shows their own co-sign.
    token = CSRF_RE.search(first.text).group(1)  # type: ignore[union-attr]
    cosign = client.post(f"{path}/cosign", data={"csrf_token": token}, follow_redirects=False)
    assert cosign.status_code == 303
    assert "Remove my “me too”" in client.get(path).text
    again = other_client.get(path).text
    assert "Me too — I have this problem" in again and "Remove my “me too”" not in again


def test_the_author_of_a_complaint_gets_their_own_actions_not_the_readers_page(client, db):
    author = make_user(db, name="Cy Author")
    complaint = make_complaint(db, company_name="Acme Telecom", author=author)
    reader = make_user(db, name="Di Reader")
    db.commit()
    login(client, reader)
    path = f"/complaints/{complaint.id}"
    assert "Your actions" not in client.get(path).text  # the readers' body is kept now
    client.post("/logout", data={"csrf_token": CSRF_RE.search(client.get(path).text).group(1)})  # type: ignore[union-attr]
    login(client, author)
    page = client.get(path).text
    assert "Your actions" in page and "Me too — I have this problem" not in page


@pytest.fixture
def memo_on() -> Iterator[None]:
    from app.web import caching, memo

    settings = caching.get_settings()
    before = settings.cache_memo_seconds
    settings.cache_memo_seconds = 60
    yield
    settings.cache_memo_seconds = before
    memo.forget_all()


def test_signed_in_readers_share_the_memo_but_each_sees_their_own_change_at_once(
    client, other_client, db, memo_on
):
    author = make_user(db, name="Cy Author")
    complaint = make_complaint(db, company_name="Acme Telecom", author=author)
    reader = make_user(db, name="Di Reader")
    db.commit()
    login(client, author)
    login(other_client, reader)
    path = f"/complaints/{complaint.id}"
    assert "Still no refund, day nine" not in other_client.get(path).text  # remembered now

    sent = post_form(client, f"{path}/follow-up", {"body": "Still no refund, day nine"})
    assert sent.status_code == 303
    assert "outcry_wrote" in sent.headers["set-cookie"]
    # The writer's next page is built from the database, not from the memo's validator.
    assert "Still no refund, day nine" in client.get(path).text
    # A reader within the memo's moment may still get the page as it was (bounded staleness,
    # as for anonymous visitors), always as a personal page of their own.
    page = other_client.get(path)
    assert "Di Reader" in page.text and "no-store" in page.headers["cache-control"]


def test_a_remembered_page_still_refuses_who_may_not_see_it(client, other_client, db, memo_on):
    from app.models.company import Company

    # A company named only by a complaint that waits for its author's address: unlisted, so
    # its page exists for that author alone.
    namer = make_user(db, verified=False)
    complaint = make_complaint(db, namer, company_name="Globex Drains", company_domain=None)
    company = db.get(Company, complaint.company_id)
    db.commit()
    assert not company.listed
    login(client, namer)
    login(other_client, make_user(db))
    path = f"/companies/{company.slug}"
    assert client.get(path).status_code == 200  # its namer sees it, and the memo has its tag
    assert other_client.get(path).status_code == 404
