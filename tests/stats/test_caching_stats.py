"""The leaderboard and a company's statistics page are rendered once per change and validated by
one index probe each (so they cost the same at 10 thousand or a million complaints): a change
still reaches the next visitor at once, and nothing stale is served."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from app.charts import cache as chart_cache
from app.clock import utcnow
from app.complaints import company as company_side
from app.models.company import Company
from app.models.user import User
from app.stats import aggregates
from app.web import caching, memo, templating
from tests.support.factories import make_complaint, make_rep


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch, steady_hour) -> Iterator[None]:
    """No memo (these tests check the routes) and no rendered copies from other tests."""
    memo.forget_all()
    # Validators stable within a second's test, not moving every second while changes are new
    # (caching.settled has its own test in tests/stats/test_caching_stats.py).
    monkeypatch.setattr(caching, "SETTLE", timedelta(0))
    chart_cache.clear()
    settings = caching.get_settings()
    before = settings.cache_memo_seconds
    settings.cache_memo_seconds = 0
    yield
    settings.cache_memo_seconds = before
    memo.forget_all()
    chart_cache.clear()


def _count_renders(monkeypatch, module) -> list[str]:
    rendered: list[str] = []
    real = module.render

    def counting(request, template, *args, **kwargs):
        rendered.append(template)
        return real(request, template, *args, **kwargs)

    monkeypatch.setattr(module, "render", counting)
    return rendered


def test_leaderboard_is_rendered_once_per_refresh_and_shows_the_refresh(client, db, monkeypatch):
    first = make_complaint(db, company_name="Contoso Power")
    aggregates.refresh_company(session=db, company_id=first.company_id, now=utcnow())
    db.flush()
    rendered = _count_renders(monkeypatch, templating)  # pages alike for all: alike_page

    page = client.get("/leaderboards")
    assert page.status_code == 200 and "Contoso Power" in page.text
    again = client.get("/leaderboards")
    assert again.text == page.text and rendered == ["leaderboards/index.html"]
    assert (
        client.get("/leaderboards", headers={"If-None-Match": page.headers["etag"]}).status_code
        == 304
    )

    other = make_complaint(db, company_name="Fabrikam Rail")
    aggregates.refresh_company(
        session=db, company_id=other.company_id, now=utcnow() + timedelta(seconds=1)
    )
    db.flush()
    changed = client.get("/leaderboards", headers={"If-None-Match": page.headers["etag"]})
    assert changed.status_code == 200
    assert "Fabrikam Rail" in changed.text
    assert changed.headers["etag"] != page.headers["etag"]
    assert len(rendered) == 2

    # Each filter is its own page: the URL is part of the validator.
    by_category = client.get("/leaderboards", params={"window": "all"})
    assert by_category.headers["etag"] != changed.headers["etag"]


def test_company_statistics_follow_a_change_to_any_of_its_complaints(client, db, monkeypatch):
    from app.routes.public import charts as routes

    complaint = make_complaint(db, company_name="Northwind Water")
    company = db.get(Company, complaint.company_id)
    path = f"/companies/{company.slug}/stats"
    rendered = _count_renders(monkeypatch, routes)

    page = client.get(path)
    assert page.status_code == 200
    assert "1 complaint" in page.text
    assert client.get(path).text == page.text and len(rendered) == 1
    assert client.get(path, headers={"If-None-Match": page.headers["etag"]}).status_code == 304

    # An answer moves the complaint's clock: the response-time chart changes, and so the page.
    rep = make_rep(db, company)
    company_side.reply(
        session=db, complaint=complaint, user=db.get(User, rep.user_id), body="We are on it."
    )
    db.flush()
    answered = client.get(path, headers={"If-None-Match": page.headers["etag"]})
    assert answered.status_code == 200
    assert answered.headers["etag"] != page.headers["etag"]
    assert len(rendered) == 2

    make_complaint(db, company_name="Northwind Water", title="Meter read wrong twice")
    assert "2 complaints" in client.get(path).text


def test_company_page_shows_a_new_systemic_issue_and_a_refresh_at_once(client, db, monkeypatch):
    from app.systemic import service as systemic
    from tests.support.systemic import NOW, OUTAGE, file_systemic

    mine = [file_systemic(db, text, at=NOW + timedelta(hours=i)) for i, text in enumerate(OUTAGE)]
    path = "/companies/northwind-broadband"
    rendered = _count_renders(monkeypatch, templating)
    before = client.get(path)
    assert "an issue affecting" not in before.text
    assert client.get(path).text == before.text and len(rendered) == 1

    systemic.rebuild_company(session=db, company_id=mine[0].company_id, now=NOW + timedelta(days=1))
    db.flush()
    grouped = client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert grouped.status_code == 200
    assert "an issue affecting <strong>4 customers</strong>" in grouped.text

    # A year on the complaints fall out of the look-back: the issue goes, no complaint changes.
    systemic.rebuild_company(
        session=db, company_id=mine[0].company_id, now=NOW + timedelta(days=400)
    )
    db.flush()
    dissolved = client.get(path, headers={"If-None-Match": grouped.headers["etag"]})
    assert dissolved.status_code == 200
    assert "an issue affecting" not in dissolved.text

    aggregates.refresh_company(session=db, company_id=mine[0].company_id, now=utcnow())
    db.flush()
    refreshed = client.get(path, headers={"If-None-Match": dissolved.headers["etag"]})
    assert refreshed.status_code == 200 and len(rendered) == 4


def test_home_and_api_list_are_built_once_per_change_on_the_site(client, db, monkeypatch):
    from app.routes.api import v1 as api

    make_complaint(db, company_name="Contoso Power", title="Power cut for a week")
    rendered = _count_renders(monkeypatch, templating)
    built: list[int] = []
    real = api._publics
    monkeypatch.setattr(api, "_publics", lambda *a: built.append(1) or real(*a))

    home, listing = client.get("/"), client.get("/api/v1/complaints")
    assert client.get("/").text == home.text and rendered == ["home.html"]
    assert client.get("/api/v1/complaints").json() == listing.json() and built == [1]
    assert listing.json()["total"] == 1

    # A complaint against another company changes both at once.
    make_complaint(db, company_name="Fabrikam Rail", title="Train cancelled every morning")
    assert "Train cancelled every morning" in client.get("/").text
    assert client.get("/api/v1/complaints").json()["total"] == 2
    assert len(rendered) == 2 and built == [1, 1]


def test_a_change_committed_out_of_order_still_reaches_the_lists(client, db, monkeypatch):
    """Two filings stamp t1 < t2 and t2 commits first: the pages rendered in between must not
    keep hiding t1's complaint once it commits, though the latest change is still t2."""
    monkeypatch.setattr(caching, "SETTLE", timedelta(seconds=60))
    now = utcnow()
    later = make_complaint(db, company_name="Contoso Power", title="Filed second, committed first")
    company = db.get(Company, later.company_id)
    paths = ["/", f"/companies/{company.slug}", "/api/v1/complaints"]
    before = {path: client.get(path) for path in paths}
    make_complaint(
        db,
        company_name="Contoso Power",
        title="Filed first, committed last",
        now=now - timedelta(seconds=2),
    )
    db.flush()
    tick = utcnow() + timedelta(seconds=1)  # the next second: copies of the last one expire
    monkeypatch.setattr(caching, "utcnow", lambda: tick)
    for path in paths:
        shown = client.get(path, headers={"If-None-Match": before[path].headers["etag"]})
        assert shown.status_code == 200, path
        assert "Filed first, committed last" in shown.text, path


def test_settled_validators_hold_still_once_changes_are_old_enough(monkeypatch):
    monkeypatch.setattr(caching, "SETTLE", timedelta(seconds=60))
    now = utcnow()
    fresh, old = now - timedelta(seconds=5), now - timedelta(minutes=5)
    assert caching.settled(old, now) == caching.settled(old, now + timedelta(seconds=3)) == (old,)
    assert caching.settled(fresh, now) != caching.settled(fresh, now + timedelta(seconds=1))
