"""No N+1 queries: each public page makes the same number of SQL statements whether it shows N
rows or 3N. A page that loads something per row (the company of each complaint, the author of
each message) fails here."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session

from app.complaints import cosigns
from app.complaints import service as complaints
from app.models.company import Company
from app.models.complaint import Channel, Complaint, ContactAttempt
from app.models.user import User
from app.stats import aggregates
from app.web import memo
from tests.support.factories import make_complaint, make_rep, make_user

N = 2
DATA = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")  # not SAVEPOINT/RELEASE/BEGIN


@pytest.fixture(autouse=True)
def _no_memo() -> Iterator[None]:
    memo.forget_all()
    yield
    memo.forget_all()


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(DATA):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


class World:
    """One busy company with a featured complaint; ``grow`` adds rows to every list a page shows."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.featured = make_complaint(db, company_name="Northwind Telecom")
        self.company = db.get(Company, self.featured.company_id)
        self.author = db.get(User, self.featured.author_id)
        rep = make_rep(db, self.company)
        self.rep = db.get(User, rep.user_id)
        complaints.answer(session=db, complaint=self.featured, rep=self.rep, body="Looking.")
        self.n = 0

    def grow(self, k: int) -> None:
        db = self.db
        # Pages were measured from a cold session: take our rows back into it.
        self.featured = db.merge(self.featured)
        self.author, self.rep = db.merge(self.author), db.merge(self.rep)
        for _ in range(k):
            self.n += 1
            i = self.n
            # A complaint by a new author, with contact attempts, in the company's list.
            other = make_complaint(
                db,
                company_name="Northwind Telecom",
                title=f"Problem number {i} with the router",
                body=f"Case {i}: the router drops the line every evening and support hangs up.",
            )
            db.add(ContactAttempt(complaint_id=other.id, channel=Channel.PHONE, count=i))
            # Another company with a complaint, for the company index and the home page.
            make_complaint(
                db,
                company_name=f"Contoso Company {i}",
                title=f"Delivery {i} never came",
                body=f"Order {i} was paid for weeks ago and the parcel never arrived here.",
            )
            # The featured complaint's timeline: a follow-up from the author, a co-signer.
            complaints.follow_up(
                session=db,
                complaint=self.featured,
                user=self.author,
                body=f"Update {i}: still down.",
            )
            cosigns.cosign(session=db, complaint=self.featured, user=make_user(db))
        db.flush()
        aggregates.refresh_dirty(session=db, limit=10_000)  # leaderboard rows for every company


def _pages(world: World) -> dict[str, str]:
    slug = world.company.slug
    cid = world.featured.id
    return {
        "home": "/",
        "complaint": f"/complaints/{cid}",
        "company": f"/companies/{slug}",
        "companies": "/companies",
        "search": "/search?q=router",
        "api list": "/api/v1/complaints?limit=100",
        "api company list": f"/api/v1/complaints?limit=100&company={slug}",
        "api complaint": f"/api/v1/complaints/{cid}",
        "leaderboard": "/leaderboards?window=all",
        "company stats": f"/companies/{slug}/stats",
        "site feed": "/feeds/complaints.atom",
        "company feed": f"/companies/{slug}/feed.atom",
        "complaint feed": f"/complaints/{cid}/feed.atom",
    }


def _counts(client, db: Session, engine: Engine, pages: dict[str, str]) -> dict[str, int]:
    result = {}
    for name, path in pages.items():
        db.expunge_all()  # the app shares the test's session: start from a cold identity map
        with counting(engine) as statements:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        result[name] = len(statements)
    return result


def test_no_public_page_makes_more_queries_for_more_rows(client, db: Session, engine: Engine):
    world = World(db)
    world.grow(N)
    pages = _pages(world)
    before = _counts(client, db, engine, pages)
    world.grow(2 * N)  # three times the rows on every list
    after = _counts(client, db, engine, pages)

    assert db.get(Complaint, world.featured.id).cosign_count == 3 * N
    board = client.get("/leaderboards?window=all").text
    assert all(f"Contoso Company {i}" in board for i in range(1, 3 * N + 1))
    grew = {name: (before[name], after[name]) for name in pages if after[name] > before[name]}
    assert grew == {}, f"queries grew with rows shown (N → 3N): {grew}"


def test_the_counter_sees_an_n_plus_one(db: Session, engine: Engine):
    """The guard itself: a loop that loads one row per item is counted once per item."""
    ids = [make_complaint(db).id for _ in range(3)]
    db.expunge_all()
    with counting(engine) as statements:
        for cid in ids:
            db.get(Complaint, cid)
    assert len(statements) == 3
