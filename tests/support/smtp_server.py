"""A real SMTP server on loopback (aiosmtpd) that records what it receives, and the committed
database that tests running the worker need.

Use the ``smtp_server`` fixture (import it into a test module: ``from tests.support.smtp_server import
smtp_server``): it points OUTCRY_SMTP_HOST/PORT at the server for the test, and can be stopped and
started again on the same port to play an outage. ``live_engine`` / ``live_client`` give committed
data, wiped after the test.
"""

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import SQLModel

from app.config import get_settings
from app.main import create_app
from tests.support.apps import app_for_settings


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes  # as it came over the wire

    def part(self, subtype: str) -> str:
        """The text of the text/<subtype> part."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return body.get_content()


@dataclass
class Recorder:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # addresses answered "550 no such user"
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _options: list
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.received.append(
                Received(
                    envelope.mail_from,  # type: ignore[arg-type]
                    list(envelope.rcpt_tos),
                    message,  # type: ignore[arg-type]
                    envelope.original_content or b"",
                )
            )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.host, self.port = "127.0.0.1", free_port()
        self.recorder = Recorder()
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        with self.recorder.lock:
            return list(self.recorder.received)

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(self.recorder, hostname=self.host, port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    monkeypatch.setenv("OUTCRY_SMTP_HOST", server.host)
    monkeypatch.setenv("OUTCRY_SMTP_PORT", str(server.port))
    get_settings.cache_clear()
    yield server
    server.stop()
    monkeypatch.undo()
    get_settings.cache_clear()


# Committed data ------------------------------------------------------------------------------
# The worker reads and writes through its own sessions, so tests that run it cannot use the `db`
# fixture's rolled-back transaction: they commit for real and every table is emptied afterwards.


def wipe(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def live_engine(engine: Engine) -> Iterator[Engine]:
    wipe(engine)
    yield engine
    wipe(engine)


@pytest.fixture
def live_client(live_engine: Engine) -> Iterator[TestClient]:
    """A browser on the app with its real per-request sessions (no test transaction)."""
    application = app_for_settings()
    if application.dependency_overrides:  # this test's `client` has it, with the test's session
        application = create_app()
    with TestClient(application, raise_server_exceptions=False) as client:
        yield client
