"""HTTP caching of public pages: conditional GET (304), Cache-Control a CDN can use, and nothing
personal ever stored publicly."""

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from sqlmodel import Session
from starlette.requests import Request

from app.complaints import company as company_side
from app.complaints import service as complaints
from app.models.company import Company
from app.models.complaint import Complaint, Visibility
from app.models.user import User
from app.web import caching, memo
from app.web.middleware import EdgeMiddleware
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import post_form


@pytest.fixture(autouse=True)
def _no_memo(monkeypatch, steady_hour) -> Iterator[None]:
    """The per-process ETag memo would answer from an earlier request; these tests check the
    routes themselves (the memo has its own tests below, which turn it back on)."""
    memo.forget_all()
    # Validators stable within a second's test, not moving every second while changes are new
    # (caching.settled has its own test in tests/stats/test_caching_stats.py).
    monkeypatch.setattr(caching, "SETTLE", timedelta(0))
    settings = caching.get_settings()
    before = settings.cache_memo_seconds
    settings.cache_memo_seconds = 0
    yield
    settings.cache_memo_seconds = before
    memo.forget_all()


def _public_headers(response) -> None:
    assert response.status_code == 200
    control = response.headers["cache-control"]
    assert control.startswith("public, max-age=60")
    assert "stale-while-revalidate=300" in control
    assert response.headers["vary"] == "Cookie"
    assert "set-cookie" not in response.headers
    assert response.headers["etag"].startswith('W/"')


def test_anonymous_complaint_page_is_cacheable_and_revalidates_with_304(client, db: Session):
    complaint = make_complaint(db)
    first = client.get(f"/complaints/{complaint.id}")
    _public_headers(first)
    assert "Charged twice for March" in first.text

    again = client.get(
        f"/complaints/{complaint.id}", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["vary"] == "Cookie"

    other = client.get(f"/complaints/{complaint.id}", headers={"If-None-Match": 'W/"not-it"'})
    assert other.status_code == 200


def test_if_modified_since_gives_304_until_the_complaint_changes(client, db: Session):
    complaint = make_complaint(db)
    first = client.get(f"/complaints/{complaint.id}")
    modified = first.headers["last-modified"]
    assert parsedate_to_datetime(modified) <= caching.utcnow()

    same = client.get(f"/complaints/{complaint.id}", headers={"If-Modified-Since": modified})
    assert same.status_code == 304

    # HTTP dates count whole seconds: the follow-up comes a few seconds later.
    complaints.follow_up(
        session=db,
        complaint=complaint,
        user=_author(db, complaint),
        body="Any news?",
        now=complaint.updated_at + timedelta(seconds=3),
    )
    db.flush()
    later = client.get(f"/complaints/{complaint.id}", headers={"If-Modified-Since": modified})
    assert later.status_code == 200
    assert "Any news?" in later.text


def _author(db: Session, complaint: Complaint) -> User:
    return db.get(User, complaint.author_id)


def test_a_company_reply_changes_the_etag(client, db: Session):
    complaint = make_complaint(db)
    rep = make_rep(db, db.get(Company, complaint.company_id))
    before = client.get(f"/complaints/{complaint.id}").headers["etag"]

    complaints.answer(
        session=db, complaint=complaint, rep=db.get(User, rep.user_id), body="We are on it."
    )
    db.flush()
    after = client.get(f"/complaints/{complaint.id}", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["etag"] != before
    assert "We are on it." in after.text


def test_moderation_hiding_a_complaint_changes_the_etag(client, db: Session):
    complaint = make_complaint(db)
    before = client.get(f"/complaints/{complaint.id}").headers["etag"]

    # Set the way any moderation code would: the row changes, nobody dates it by hand.
    complaint.visibility = Visibility.HIDDEN
    complaint.visibility_reason = "Contains personal data"
    db.add(complaint)
    db.flush()
    after = client.get(f"/complaints/{complaint.id}", headers={"If-None-Match": before})
    assert after.status_code != 304
    assert after.headers.get("etag") != before


def test_a_cosign_changes_the_etag_even_though_no_service_dates_it(client, other_client, db):
    complaint = make_complaint(db)
    before = client.get(f"/complaints/{complaint.id}").headers["etag"]
    updated_before = complaint.updated_at

    login(other_client, make_user(db))
    response = post_form(
        other_client,
        f"/complaints/{complaint.id}/cosign",
        {},
        page=f"/complaints/{complaint.id}",
    )
    assert response.status_code == 303
    db.refresh(complaint)
    assert complaint.cosign_count == 1
    assert complaint.updated_at > updated_before

    after = client.get(f"/complaints/{complaint.id}", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert 'id="cosign-count">1<' in after.text


def test_signed_in_views_are_never_stored_or_answered_304(client, db: Session):
    complaint = make_complaint(db)
    anonymous_tag = client.get(f"/complaints/{complaint.id}").headers["etag"]

    login(client, _author(db, complaint))
    mine = client.get(f"/complaints/{complaint.id}", headers={"If-None-Match": anonymous_tag})
    assert mine.status_code == 200  # the author's own page, with their forms
    assert mine.headers["cache-control"] == "private, no-store"
    assert mine.headers["vary"] == "Cookie"
    assert "etag" not in mine.headers and "last-modified" not in mine.headers

    home = client.get("/")
    assert home.headers["cache-control"] == "private, no-store"


def test_anonymous_page_with_a_form_is_not_publicly_cached(client, db: Session):
    """A page that prints a CSRF token is bound to one visitor's cookie."""
    response = client.get("/login")
    assert response.status_code == 200
    assert "set-cookie" in response.headers  # the anonymous CSRF cookie for the form
    assert "public" not in response.headers.get("cache-control", "")


def test_a_cookie_never_leaves_with_public_cache_control(db: Session):
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse
    from fastapi.testclient import TestClient

    from app.config import get_settings
    from app.web.middleware import EdgeMiddleware

    app = FastAPI()
    app.add_middleware(EdgeMiddleware, settings=get_settings())

    @app.get("/x")
    def x(request: Request) -> HTMLResponse:
        request.state.new_anon = "abc"  # as the CSRF helper does when a form is rendered
        return HTMLResponse("hi", headers={"cache-control": "public, max-age=60"})

    response = TestClient(app).get("/x")
    assert "set-cookie" in response.headers
    assert response.headers["cache-control"] == "private, no-store"


def test_home_company_and_api_lists_revalidate_and_change_with_a_new_complaint(client, db):
    first = make_complaint(db, company_name="Contoso Power")
    company = db.get(Company, first.company_id)
    paths = ["/", f"/companies/{company.slug}", "/api/v1/complaints", "/companies"]
    tags = {}
    for path in paths:
        response = client.get(path)
        _public_headers(response)
        tags[path] = response.headers["etag"]
        assert client.get(path, headers={"If-None-Match": tags[path]}).status_code == 304

    make_complaint(db, company_name="Contoso Power", title="Power cut for a week")
    for path in paths[:3]:
        response = client.get(path, headers={"If-None-Match": tags[path]})
        assert response.status_code == 200, path
        assert response.headers["etag"] != tags[path]
        assert "Power cut for a week" in response.text


def test_company_page_etag_follows_its_complaints_state(client, db):
    complaint = make_complaint(db, company_name="Fabrikam Bank")
    company = db.get(Company, complaint.company_id)
    rep = make_rep(db, company)
    path = f"/companies/{company.slug}"
    before = client.get(path).headers["etag"]
    company_side.assign(
        session=db, complaint=complaint, user=db.get(User, rep.user_id), assignee_id=rep.user_id
    )
    db.flush()
    assert client.get(path, headers={"If-None-Match": before}).status_code == 200


def test_api_complaint_revalidates(client, db):
    complaint = make_complaint(db)
    first = client.get(f"/api/v1/complaints/{complaint.id}")
    _public_headers(first)
    assert first.json()["id"] == complaint.id
    again = client.get(
        f"/api/v1/complaints/{complaint.id}", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


def test_memo_answers_repeat_visits_before_the_route_and_never_for_signed_in(client, db):
    settings = caching.get_settings()
    settings.cache_memo_seconds = 60
    complaint = make_complaint(db)
    path = f"/complaints/{complaint.id}"
    tag = client.get(path).headers["etag"]

    # Moved on without the memo knowing: the memo still answers (that is its bounded staleness)…
    complaint.title = "Charged three times for March"
    db.add(complaint)
    db.flush()
    cached = client.get(path, headers={"If-None-Match": tag})
    assert cached.status_code == 304
    assert cached.headers["cache-control"].startswith("public")

    # …but never to a signed-in visitor, whose request reaches the route and whose page is
    # personal: never a 304, never publicly cacheable.
    login(client, make_user(db))
    fresh = client.get(path, headers={"If-None-Match": tag})
    assert fresh.status_code == 200
    assert "no-store" in fresh.headers["cache-control"] and "etag" not in fresh.headers


def test_memo_entries_expire(client, db, monkeypatch):
    settings = caching.get_settings()
    settings.cache_memo_seconds = 60
    complaint = make_complaint(db)
    path = f"/complaints/{complaint.id}"
    tag = client.get(path).headers["etag"]
    complaint.title = "Charged three times for March"
    db.add(complaint)
    db.flush()

    clock = memo.time.monotonic() + 61
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock)
    response = client.get(path, headers={"If-None-Match": tag})
    assert response.status_code == 200
    assert "Charged three times for March" in response.text


def test_one_visit_revalidates_a_lapsed_memo_while_the_others_are_answered_from_it() -> None:
    """A viral page's memo lapses every second; its visitors in flight must not all reach the
    route at that moment and queue for the validator (the p99 of 64 connections)."""
    settings = caching.get_settings()
    path = "/complaints/7"
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"",
             "headers": [], "scheme": "http", "server": ("testserver", 80)}  # fmt: skip
    reached: list[str] = []

    async def route(scope, receive, send) -> None:  # the validator, taking its time
        reached.append(scope["path"])
        await revalidated.wait()
        memo.remember(Request(scope), 'W/"same"', "public, max-age=60")
        await send({"type": "http.response.start", "status": 304, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def visit(app) -> int:
        sent: list[dict] = []
        headers = [(b"if-none-match", b'W/"same"')]

        async def send(message: dict) -> None:
            sent.append(message)

        await app({**scope, "headers": headers}, None, send)
        return sent[0]["status"]

    async def spike() -> None:
        app = EdgeMiddleware(route, settings)
        settings.cache_memo_seconds = 0.05
        memo.remember(Request(scope), 'W/"same"', "public, max-age=60")
        await asyncio.sleep(0.06)  # the memo has lapsed
        settings.cache_memo_seconds = 60
        first = asyncio.create_task(visit(app))
        await asyncio.sleep(0.01)  # it is at the route now, revalidating
        assert reached == [path]
        assert [await asyncio.wait_for(visit(app), 2) for _ in range(5)] == [304] * 5
        assert reached == [path]  # none of the five waited for it or reached the route
        revalidated.set()
        assert await first == 304
        assert await visit(app) == 304  # re-armed by the revalidation
        assert reached == [path]

    revalidated = asyncio.Event()
    asyncio.run(spike())


def test_last_modified_is_an_http_date():
    complaint = Complaint(updated_at=caching.utcnow())
    value = caching.complaint_last_modified(complaint)
    assert format_datetime(value, usegmt=True).endswith("GMT")


def test_an_anonymous_page_is_rendered_once_per_change(client, db, monkeypatch):
    from app.routes.public import complaints as complaint_routes

    complaint = make_complaint(db)
    path = f"/complaints/{complaint.id}"
    first = client.get(path)
    rendered = []
    real = complaint_routes.complaint_page
    monkeypatch.setattr(
        complaint_routes,
        "complaint_page",
        lambda *a, **kw: rendered.append(1) or real(*a, **kw),
    )

    again = client.get(path)
    assert again.text == first.text
    assert again.headers["etag"] == first.headers["etag"]
    assert rendered == []  # served from the rendered copy

    complaints.follow_up(
        session=db, complaint=complaint, user=_author(db, complaint), body="Hello?"
    )
    db.flush()
    changed = client.get(path)
    assert rendered == [1]
    assert "Hello?" in changed.text

    login(client, _author(db, complaint))
    client.get(path)
    assert rendered == [1, 1]  # a signed-in view is never served from the anonymous copy


def test_memo_serves_a_kept_page_to_anonymous_visitors_before_the_route(client, db):
    """A viral page: within the memo's moment, anonymous visitors get the kept copy without
    routing or a query; a signed-in visitor always reaches the route."""
    from sqlalchemy import event

    settings = caching.get_settings()
    settings.cache_memo_seconds = 60
    complaint = make_complaint(db)
    path = f"/complaints/{complaint.id}"
    first = client.get(path)
    queries: list[str] = []
    engine = db.get_bind().engine

    def count(_conn, _cursor, statement, *_args) -> None:
        queries.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        again = client.get(path)
        head = client.head(path)
        assert queries == []  # answered before routing: not even the validator's query
        login(client, _author(db, complaint))
        queries.clear()
        signed_in = client.get(path)
        assert queries != []
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert again.status_code == 200 and again.text == first.text
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-type"] == "text/html; charset=utf-8"
    assert again.headers["cache-control"].startswith("public")
    assert again.headers["x-content-type-options"] == "nosniff"  # still inside the security layer
    assert head.status_code == 200 and head.content == b""
    assert signed_in.status_code == 200 and "no-store" in signed_in.headers["cache-control"]


def test_a_kept_page_served_after_the_memo_lapsed_arms_it_again(client, db, monkeypatch):
    """A viral page over many seconds: when the memo's moment lapses, the next visitor is
    validated by the route and gets the kept copy, and the visitors after them are answered
    before routing again. (They were not: every visit went through the route, 16x slower.)"""
    settings = caching.get_settings()
    settings.cache_memo_seconds = 60
    complaint = make_complaint(db)
    path = f"/complaints/{complaint.id}"
    first = client.get(path)  # rendered, kept and remembered
    later = memo.time.monotonic() + 61
    monkeypatch.setattr(memo.time, "monotonic", lambda: later)
    routed: list[int] = []
    real = complaints.get_or_404
    monkeypatch.setattr(complaints, "get_or_404", lambda **kw: routed.append(1) or real(**kw))
    validated = client.get(path)  # the memo lapsed: the route validates, serves the copy
    assert routed == [1]
    after = client.get(path)
    assert routed == [1]  # answered before routing again
    assert validated.text == after.text == first.text
    assert after.headers["etag"] == first.headers["etag"]


WORKER_ETAG = """
import sys
from datetime import timedelta
from fastapi.testclient import TestClient
from app.main import create_app
from app.web import caching, memo
# Only the process may differ, not the clock: the same hour, and no per-second settling.
caching.hour_bucket = lambda now=None: int(sys.argv[2])
caching.SETTLE = timedelta(0)
with TestClient(create_app()) as client:
    print(client.get(sys.argv[1]).headers["etag"])
"""


def test_every_worker_process_gives_a_page_the_same_etag(live_engine) -> None:
    """A revalidation can reach any worker: where their tags differ, it gets the whole page
    instead of a 304. The company page's did (its fields were listed in a per-process order)."""
    with Session(live_engine) as session:
        complaint = make_complaint(session, company_name="Tagco")
        slug = session.get(Company, complaint.company_id).slug
        session.commit()
    hour = caching.hour_bucket()
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", WORKER_ETAG, f"/companies/{slug}", str(hour)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    tags = {worker.communicate(timeout=120)[0].strip() for worker in workers}
    assert len(tags) == 1 and next(iter(tags)).startswith('W/"'), tags
