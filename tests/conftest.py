"""Test fixtures. The suite runs on SQLite, or on PostgreSQL when OUTCRY_TEST_DATABASE_URL is set.

Each test runs inside a transaction that is rolled back afterwards; the app's own commit at the
request boundary becomes a savepoint release, so routes behave exactly as in production.
"""

from collections.abc import Iterator

import pytest

from tests.support.environment import TEST_DATABASE_URL  # first: the app reads the environment

# isort: split
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

import app.models  # noqa: F401 - registers the tables
from app.db import get_engine, get_session
from app.startup import wire
from tests.support.apps import app_for_settings

wire()  # tests that never build the app still emit events and run jobs

# The fixtures test modules share, in one place (plain helpers are imported from tests.support).
pytest_plugins = [
    "tests.support.broadcast",
    "tests.support.charts_fixtures",
    "tests.support.claims",
    "tests.support.dashboard",
    "tests.support.databases",
    "tests.support.dns_https_servers",
    "tests.support.integrations",
    "tests.support.mailchannel_helpers",
    "tests.support.pds_fixture",
    "tests.support.smtp_server",
    "tests.support.stats",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by what they need, so ``make test-fast`` can leave the slow parts out."""
    for item in items:
        needs = set(getattr(item, "fixturenames", ()))
        if needs & {"pds", "rate_limited_pds"}:
            item.add_marker(pytest.mark.pds)
        reasons = " ".join(str(m.kwargs.get("reason", "")) for m in item.iter_markers("skipif"))
        if "PostgreSQL" in reasons or "/scaleout/" in str(item.path):
            item.add_marker(pytest.mark.pg)
        if item.get_closest_marker("live_server") or "/scaleout/" in str(item.path):
            item.add_marker(pytest.mark.slow)
        if "postfix_for" in needs:  # starts a real Postfix
            item.add_marker(pytest.mark.slow)


def pytest_report_header() -> str:
    return f"outcry test database: {TEST_DATABASE_URL.split('@')[-1]}"


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield engine
    SQLModel.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counts are per test: a suite's many logins from one address trip nothing."""
    from app.web import ratelimit

    ratelimit.use(None)
    ratelimit.limiter().reset()
    yield
    ratelimit.limiter().reset()


@pytest.fixture(autouse=True)
def _fresh_page_memos() -> Iterator[None]:
    """Each test starts from its own database: pages kept or memoised by an earlier test's
    requests (per process, for a second) describe data that is gone."""
    from app.web import memo

    memo.forget_all()
    yield
    memo.forget_all()


@pytest.fixture
def slow_backoff(monkeypatch) -> None:
    """The retry jitter's ceiling, so a failed job is never due again within the same drain
    (a random wait of a few milliseconds would retry it at once)."""
    from app.jobs import queue

    monkeypatch.setattr(queue.random, "uniform", lambda _low, high: high)


@pytest.fixture
def steady_hour(monkeypatch) -> None:
    """Hold the hour that page validators carry (caching.hour_bucket) still: a test whose two
    requests straddle the top of an hour would otherwise see a new ETag and no 304."""
    from app.web import caching

    fixed = caching.hour_bucket()
    monkeypatch.setattr(caching, "hour_bucket", lambda now=None: fixed)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, whatever it committed."""
    connection = engine.connect()
    outer = connection.begin()  # on SQLite a real BEGIN (app/db.py), so savepoints nest in it
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def web_app(db: Session) -> Iterator[FastAPI]:
    """The shared application, its request sessions being this test's ``db``. What a test adds
    to it (dependency overrides, routes) is taken away afterwards."""
    application = app_for_settings()
    routes = list(application.router.routes)

    def _session() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    application.dependency_overrides.clear()
    application.dependency_overrides[get_session] = _session
    yield application
    application.dependency_overrides.clear()
    if application.router.routes != routes:
        application.router.routes[:] = routes
        application.openapi_schema = None  # it would still list the test's routes


@pytest.fixture
def client(web_app) -> Iterator[TestClient]:
    with TestClient(web_app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def other_client(web_app) -> Iterator[TestClient]:
    """A second browser: its own cookies, same app and database."""
    with TestClient(web_app, raise_server_exceptions=False) as test_client:
        yield test_client
