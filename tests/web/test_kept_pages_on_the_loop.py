"""Signed-in readers of kept pages are answered on the event loop, and never a statement runs
there: a viewer whose page needs a query (a rep's menu, the complaint's author) is served from a
thread, with everything of theirs on it. The app runs on its real session dependency."""

import asyncio
import re
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, event
from sqlmodel import Session, SQLModel, select

from app.config import get_settings
from app.main import create_app
from app.models.company import Company
from app.models.user import User
from app.web import memo
from app.web.sessions import wrote_cookie_name
from tests.support.factories import login, make_complaint, make_rep, make_user


@pytest.fixture
def served_app(engine: Engine, monkeypatch) -> Iterator[FastAPI]:
    """The app as served: its own sessions (committed data), the memo's moment as configured."""
    monkeypatch.setattr(get_settings(), "cache_memo_seconds", 60)  # tests run with 0
    yield create_app()
    memo.forget_all()
    with Session(engine) as session:  # other tests expect empty tables
        for table in reversed(SQLModel.metadata.sorted_tables):
            session.execute(delete(table))
        session.commit()


@pytest.fixture
def statements_on_the_loop(engine: Engine) -> Iterator[list[str]]:
    """Every statement run on a thread whose event loop is running."""
    found: list[str] = []

    def check(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        found.append(statement)

    event.listen(engine, "before_cursor_execute", check)
    yield found
    event.remove(engine, "before_cursor_execute", check)


def _kept_visit(client: TestClient, path: str) -> str:
    """A second visit: the memo remembers the URL, and the visitor's own read-your-writes
    cookie (set by logging in) is gone, as two seconds later."""
    client.get(path)
    client.cookies.delete(wrote_cookie_name())
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def _menu_of(name: str) -> str:
    return f"Log out ({name})"


PAGES = ("/", "/leaderboards", "/companies/acme-telecom", "/complaints/{id}", "/search?q=router")


def test_readers_reps_and_authors_get_their_own_kept_pages_and_no_statement_runs_on_the_loop(
    served_app, engine, statements_on_the_loop
):
    with Session(engine, expire_on_commit=False) as db:
        author = make_user(db, name="Ada Author")
        complaint = make_complaint(db, author, company_name="Acme Telecom", title="Router lost")
        company = db.exec(select(Company).where(Company.slug == "acme-telecom")).one()
        rep = db.get(User, make_rep(db, company, public_name="Rita Rep").user_id)
        reader = make_user(db, name="Bo Reader")
        db.commit()
    assert rep is not None
    with (
        TestClient(served_app) as as_reader,
        TestClient(served_app) as as_author,
        TestClient(served_app) as as_rep,
    ):
        for client, user in ((as_reader, reader), (as_author, author), (as_rep, rep)):
            login(client, user)
        for path in (p.format(id=complaint.id) for p in PAGES):
            page = _kept_visit(as_reader, path)
            assert _menu_of("Bo Reader") in page and _menu_of("Ada Author") not in page
            page = _kept_visit(as_author, path)
            assert _menu_of("Ada Author") in page and _menu_of("Bo Reader") not in page
            page = _kept_visit(as_rep, path)
            assert _menu_of(rep.display_name) in page and _menu_of("Bo Reader") not in page
            assert 'href="/dashboard' in page  # the rep's own menu: it needed a query
        # The author's own controls on their complaint, never on a reader's view of it.
        path = f"/complaints/{complaint.id}"
        assert "/withdraw" in _kept_visit(as_author, path)
        assert "/withdraw" not in _kept_visit(as_reader, path)
    assert statements_on_the_loop == []


def test_a_kept_search_shows_what_changed_and_a_mistyped_one_is_never_kept(served_app, engine):
    with Session(engine, expire_on_commit=False) as db:
        lost = make_complaint(db, company_name="Acme Telecom", title="Router lost")
        reader = make_user(db, name="Bo Reader")
        db.commit()
    with TestClient(served_app) as client, TestClient(served_app) as anonymous:
        login(client, reader)
        for visitor in (client, anonymous):
            page = _kept_visit(visitor, "/search?q=router")
            assert f'href="/complaints/{lost.id}"' in page and "1 complaint found" in page
        with Session(engine, expire_on_commit=False) as db:
            melted = make_complaint(db, company_name="Acme Telecom", title="Router melted")
            db.commit()
        memo.forget_all()  # the memo's moment has passed
        for visitor in (client, anonymous):
            page = visitor.get("/search?q=router").text
            assert f'href="/complaints/{melted.id}"' in page and "2 complaints found" in page
        for _ in range(2):
            mistyped = client.get("/search?q=router&from=yesterday")
            assert mistyped.status_code == 400 and 'value="yesterday"' in mistyped.text


def test_each_plain_reader_gets_the_kept_page_with_their_own_name_escaped_and_token(
    served_app, engine
):
    with Session(engine, expire_on_commit=False) as db:
        make_complaint(db, company_name="Acme Telecom", title="Router lost")
        first = make_user(db, name="<b>Bold</b> & Co")
        second = make_user(db, name="Plain Second")
        db.commit()
    with TestClient(served_app) as one, TestClient(served_app) as two:
        login(one, first)
        login(two, second)
        page_one, page_two = _kept_visit(one, "/"), _kept_visit(two, "/")
    assert _menu_of("&lt;b&gt;Bold&lt;/b&gt; &amp; Co") in page_one and "<b>Bold" not in page_one
    assert _menu_of("Plain Second") in page_two and "Bold" not in page_two
    tokens = [re.findall(r'name="csrf_token" value="([^"]+)"', p) for p in (page_one, page_two)]
    assert tokens[0] and tokens[1] and set(tokens[0]).isdisjoint(tokens[1])  # each their own

    def body(page: str) -> str:
        return page[page.index('<main id="main">') :]

    assert body(page_one) == body(page_two)  # the same page around them


def test_when_a_urls_moment_lapses_one_signed_in_visit_revalidates_and_the_others_keep_it(
    monkeypatch,
):
    from starlette.requests import Request

    monkeypatch.setattr(get_settings(), "cache_memo_seconds", 0.05)
    request = Request({"type": "http", "method": "GET", "path": "/probe", "query_string": b"",
                       "headers": [], "state": {}})  # fmt: skip
    memo.remember(request, 'W/"v1"', "public")
    assert memo.recent_tag("/probe", "") == 'W/"v1"'
    time.sleep(0.06)
    assert memo.recent_tag("/probe", "") is None  # lapsed
    key = memo.claim_revalidation("/probe", "")
    assert key is not None and memo.claim_revalidation("/probe", "") is None  # one at a time
    assert memo.recent_tag("/probe", "") == 'W/"v1"'  # the others keep the lapsed one
    memo.end_revalidation(key)
    assert memo.recent_tag("/probe", "") is None
    memo.forget_all()
