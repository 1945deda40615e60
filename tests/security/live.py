"""A real `outcry serve` on a free loopback port, on a database of its own next to the test
database (PostgreSQL: a new database on the same server; SQLite: a new file), migrated with
`outcry db upgrade` as in production. What it commits never reaches the other tests.

with live_server(env={...}) as server:
    server.url      # "http://127.0.0.1:<port>"
    server.engine   # an engine on its database, to seed and to check
"""

import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, make_url, text

from tests.scaleout.cluster import free_port
from tests.support.environment import TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parents[2]
OUTCRY = str(Path(sys.executable).with_name("outcry"))


@dataclass
class LiveServer:
    url: str
    engine: Engine
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextlib.contextmanager
def _database() -> Iterator[str]:
    if not TEST_DATABASE_URL.startswith("postgresql"):
        with tempfile.TemporaryDirectory(prefix="outcry-live-") as folder:
            yield f"sqlite:///{Path(folder) / 'live.db'}"
        return
    test_url = make_url(TEST_DATABASE_URL)
    name = f"{test_url.database}_live_{secrets.token_hex(3)}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield test_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def live_server(env: dict[str, str] | None = None, timeout: float = 180) -> Iterator[LiveServer]:
    port = free_port()
    with _database() as database_url, tempfile.NamedTemporaryFile(suffix=".log") as log:
        full_env = {
            **os.environ,
            "OUTCRY_ENVIRONMENT": "production",
            "OUTCRY_SECRET_KEY": "live-secret-" + secrets.token_hex(16),
            "OUTCRY_DATABASE_URL": database_url,
            "OUTCRY_BASE_URL": f"http://127.0.0.1:{port}",
            "OUTCRY_RUN_WORKER": "false",
            "OUTCRY_LOG_LEVEL": "WARNING",
            "OUTCRY_RATELIMIT_KEY_PREFIX": "outcry-live-" + secrets.token_hex(4),
            **(env or {}),
        }
        subprocess.run(  # noqa: S603 - our own command
            [OUTCRY, "db", "upgrade"], env=full_env, cwd=ROOT, check=True, capture_output=True
        )
        process = subprocess.Popen(  # noqa: S603 - our own command
            [OUTCRY, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=full_env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        engine = create_engine(database_url)
        server = LiveServer(url=f"http://127.0.0.1:{port}", engine=engine, log=Path(log.name))
        try:
            deadline = time.monotonic() + timeout
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(server.url + "/readyz", timeout=2).status_code == 200:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"outcry serve did not start:\n{server.tail()}")
                time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            engine.dispose()
