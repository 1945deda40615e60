"""Test fixtures. The suite runs on SQLite, or on PostgreSQL when OUTCRY_TEST_DATABASE_URL is set.

Each test runs inside a transaction that is rolled back afterwards; the app's own commit at the
request boundary becomes a savepoint release, so routes behave exactly as in production.
"""

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="outcry-tests-"))
TEST_DATABASE_URL = os.environ.get("OUTCRY_TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
os.environ.update(
    OUTCRY_ENVIRONMENT="test",
    OUTCRY_DATABASE_URL=TEST_DATABASE_URL,
    OUTCRY_SECRET_KEY="test-secret-key-0123456789abcdef",
    OUTCRY_BASE_URL="http://testserver",
    # Tests change data and look again within a second; the per-process memo's second of
    # staleness for anonymous visitors has its own tests (tests/web/test_caching.py), which turn it on.
    OUTCRY_CACHE_MEMO_SECONDS="0",
)
# Rate limits in Redis (OUTCRY_REDIS_URL set) use a prefix of their own per test run.
os.environ.setdefault("OUTCRY_RATELIMIT_KEY_PREFIX", f"outcry-test-{os.getpid()}-{_TMP.name}")

from fastapi.testclient import TestClient  # noqa: E402 - after the environment is set
from sqlalchemy import Engine  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import app.models  # noqa: E402, F401 - registers the tables
from app.db import get_engine, get_session  # noqa: E402
from app.main import create_app  # noqa: E402
from app.startup import wire  # noqa: E402

wire()  # tests that never build the app still emit events and run jobs

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


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
def web_app(db: Session):
    application = create_app()

    def _session() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    application.dependency_overrides[get_session] = _session
    return application


@pytest.fixture
def client(web_app) -> Iterator[TestClient]:
    with TestClient(web_app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def other_client(web_app) -> Iterator[TestClient]:
    """A second browser: its own cookies, same app and database."""
    with TestClient(web_app, raise_server_exceptions=False) as test_client:
        yield test_client


def csrf_from(client: TestClient, path: str) -> str:
    """Open a page as a browser would and take the CSRF token from its form."""
    response = client.get(path)
    match = CSRF_RE.search(response.text)
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def post_form(
    client: TestClient,
    path: str,
    data: dict,
    *,
    page: str | None = None,
    follow_redirects: bool = False,
):
    token = csrf_from(client, page or path)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=follow_redirects)
