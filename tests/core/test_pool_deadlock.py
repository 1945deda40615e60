"""Many signed-in visitors at once never wedge the process on its connection pool.

Each request holds a pooled connection from its first query to its commit, and between those it
needs threads (a sync dependency, the route, the commit). If threads could wait for a connection
while the requests holding the connections wait for a thread, everything would stop until the
pool's timeout. The app runs here on its real session dependency with a pool of two connections.
"""

import asyncio
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, delete
from sqlmodel import Session, SQLModel

import app.db
import app.slots
from app.accounts import service as accounts
from app.config import get_settings
from app.db import make_engine
from app.main import create_app
from app.models.user import User, UserSession
from app.web import memo
from app.web.sessions import cookie_name
from tests.support.environment import TEST_DATABASE_URL
from tests.support.factories import PASSWORD


@pytest.fixture
def small_pool(monkeypatch, engine: Engine) -> Iterator[Engine]:
    """The app's own engine and session dependency, with two pooled connections and a short
    pool timeout (a wedge shows as 500s within seconds, not after 30)."""
    if TEST_DATABASE_URL.startswith("sqlite"):
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='outcry-pool-')) / 'pool.db'}"
    else:
        url = TEST_DATABASE_URL
    small = make_engine(url, pool_size=2, pool_timeout=3)
    SQLModel.metadata.create_all(small)  # the test database's tables exist (``engine``)
    monkeypatch.setattr(app.db, "get_engine", lambda: small)
    monkeypatch.setattr(app.db, "get_read_engine", lambda: small.execution_options(
        **{app.db.READ_ONLY: True}))  # fmt: skip
    yield small
    small.dispose()


@contextlib.contextmanager
def _signed_in(engine: Engine, email: str, name: str) -> Iterator[str]:
    """A user of ``engine`` with a login (its token), deleted afterwards: the app's own sessions
    commit, so nothing is rolled back for the other tests."""
    with Session(engine) as session:
        user = accounts.create_user(
            session=session,
            email=email,
            password_hash=accounts.hash_password(PASSWORD),
            display_name=name,
            verified=True,
        )
        token = accounts.start_session(session=session, user=user)
        session.commit()
        user_id = user.id
    try:
        yield token
    finally:
        with Session(engine) as session:
            session.execute(delete(UserSession).where(UserSession.user_id == user_id))
            session.execute(delete(User).where(User.id == user_id))
            session.commit()


async def test_200_signed_in_requests_on_two_connections_all_finish(small_pool: Engine) -> None:
    with _signed_in(small_pool, "crowd@example.org", "Crowd") as token:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            cookies={cookie_name(): token},
        ) as client:
            pages = ["/", "/me/complaints", "/companies", "/search?q=refund"]
            responses = await asyncio.wait_for(
                asyncio.gather(*(client.get(pages[i % len(pages)]) for i in range(200))),
                timeout=120,
            )
        statuses = [r.status_code for r in responses]
        assert statuses == [200] * 200, sorted(set(statuses))
        assert "Crowd" in responses[0].text  # they were signed in


async def test_a_kept_page_is_answered_while_writers_hold_every_slot(small_pool, monkeypatch):
    """Writers waiting for SQLite's write lock can hold every connection slot; a signed-in
    reader of a page this process keeps needs none (app/slots.py, ``slot_when_needed``), while a
    page that reads the database waits for one."""
    monkeypatch.setattr(get_settings(), "cache_memo_seconds", 60)  # as served (tests use 0)
    with _signed_in(small_pool, "reader@example.org", "Kept Reader") as token:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", cookies={cookie_name(): token}
        ) as client:
            assert (await client.get("/")).status_code == 200  # computed, then kept
            slots = app.slots._slot_semaphore(small_pool)
            for _ in range(2):  # the pool's two connections
                await slots.acquire()
            try:
                kept = await asyncio.wait_for(client.get("/"), timeout=10)
                assert kept.status_code == 200 and "Log out (Kept Reader)" in kept.text
                reading = asyncio.create_task(client.get("/me/complaints"))
                await asyncio.sleep(0.5)
                assert not reading.done()  # it waits for a slot, holding nothing
            finally:
                slots.release()
                slots.release()
            assert (await asyncio.wait_for(reading, timeout=10)).status_code == 200
        memo.forget_all()
