"""End-to-end fixtures: the real app under uvicorn, and headless Chromium driving it.

The server runs in a background thread against the same test database as the rest of the suite,
with no dependency override, so every request really commits. After each test every table is
emptied, so the transactional tests elsewhere still start from an empty database.

Chromium comes from the system (Debian's ``chromium`` package); Playwright never downloads one.
Without it these tests are skipped, unless ``OUTCRY_REQUIRE_BROWSER=1`` makes that a failure.
"""

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from app.companies import service as companies
from app.main import create_app
from app.models.company import Company
from app.models.user import User
from tests.e2e.helpers import TIMEOUT_MS, Latency, NewContext
from tests.support.factories import make_user

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# The server ----------------------------------------------------------------------------------


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the main thread belongs to pytest
        pass


@pytest.fixture(scope="package")
def _latency() -> Latency:
    return Latency(create_app())


@pytest.fixture(scope="package")
def _server(engine: Engine, _latency: Latency) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # a free port, held from now on: no race with other processes
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        _latency, log_level="warning", access_log=False, lifespan="off", timeout_notify=5
    )
    server = _ThreadedServer(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="e2e-uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the e2e server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _empty_all_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def live_server(_server: str, _latency: Latency, engine: Engine) -> Iterator[str]:
    """The server's base URL; whatever the test committed is deleted afterwards."""
    yield _server
    _latency.post_delay = 0.0
    _empty_all_tables(engine)


@pytest.fixture
def live_app(live_server: str, _latency: Latency) -> Iterator[FastAPI]:
    """The FastAPI app the live server runs, for ``dependency_overrides``; cleared afterwards."""
    app = _latency.app
    assert isinstance(app, FastAPI)
    yield app
    app.dependency_overrides.clear()


@pytest.fixture
def latency(live_server: str, _latency: Latency) -> Latency:
    """Set ``latency.post_delay`` (seconds) to hold every POST that long; reset after the test."""
    return _latency


# Seeding: the real services, really committed ------------------------------------------------


@pytest.fixture
def seed(live_server: str, engine: Engine) -> Callable[[Callable[[Session], object]], object]:
    """``seed(lambda s: make_user(s))``: run a builder in its own committed transaction."""

    def run(build: Callable[[Session], object]) -> object:
        with Session(engine, expire_on_commit=False) as session:
            result = build(session)
            session.commit()
            return result

    return run


@pytest.fixture
def comcast(seed: Callable) -> Company:
    return seed(lambda s: companies.create(session=s, name="Comcast", domain="comcast.example"))


@pytest.fixture
def make_account(seed: Callable) -> Callable[..., User]:
    """A ready account whose password is ``tests.support.factories.PASSWORD``."""

    def make(**kwargs: object) -> User:
        return seed(lambda s: make_user(s, **kwargs))

    return make


# The browser ---------------------------------------------------------------------------------


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    reason = "e2e tests need a system Chromium (apt-get install chromium); none on PATH"
    if os.environ.get("OUTCRY_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " and OUTCRY_REQUIRE_BROWSER=1", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def _playwright() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(_playwright: Playwright) -> Iterator[Browser]:
    executable = _chromium()
    browser = _playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser, live_server: str) -> Iterator[NewContext]:
    """Open a fresh browser profile (its own cookies); all are closed after the test."""
    opened: list[BrowserContext] = []

    def open_context(**kwargs: object) -> BrowserContext:
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=live_server, locale="en-GB", **kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def page(new_context: NewContext) -> Page:
    return new_context().new_page()
