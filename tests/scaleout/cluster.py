"""A production-shaped Outcry on loopback: several app processes and several workers, each a real
`outcry` process, against their own PostgreSQL database, with rate limits in Redis.

with Cluster.start(pg_url, apps=2, workers=2, env={...}) as cluster:
    cluster.app_urls        # ["http://127.0.0.1:<port>", ...]
    cluster.engine          # an engine on the cluster's database, for assertions
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[2]
OUTCRY = str(Path(sys.executable).with_name("outcry"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    database_url: str
    env: dict[str, str]
    engine: Engine
    app_urls: list[str] = field(default_factory=list)
    apps: list[subprocess.Popen] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)
    logs: Path = field(default_factory=lambda: Path(tempfile.gettempdir()))

    @classmethod
    @contextlib.contextmanager
    def start(
        cls, admin_url: str, *, apps: int, workers: int, env: dict[str, str] | None = None
    ) -> Iterator["Cluster"]:
        name = f"outcry_cluster_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        full_env = {
            **os.environ,
            "OUTCRY_ENVIRONMENT": "production",
            "OUTCRY_SECRET_KEY": "cluster-secret-" + uuid.uuid4().hex,
            "OUTCRY_DATABASE_URL": url,
            "OUTCRY_RUN_WORKER": "false",  # the workers are separate processes
            "OUTCRY_LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        engine = create_engine(url, pool_pre_ping=True)
        cluster = cls(database_url=url, env=full_env, engine=engine)
        try:
            cluster.run("db", "upgrade")
            for _ in range(apps):
                cluster.add_app()
            for _ in range(workers):
                cluster.add_worker()
            cluster.wait_ready()
            yield cluster
        finally:
            cluster.stop()
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    def run(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - our own command, our own arguments
            [OUTCRY, *args], env=self.env, cwd=ROOT, check=True, capture_output=True
        )

    def _spawn(self, *args: str) -> subprocess.Popen:
        log = (self.logs / f"outcry-cluster-{uuid.uuid4().hex[:6]}.log").open("wb")
        return subprocess.Popen(  # noqa: S603 - our own command, our own arguments
            [OUTCRY, *args], env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )

    def add_app(self) -> str:
        port = free_port()
        self.apps.append(self._spawn("serve", "--host", "127.0.0.1", "--port", str(port)))
        self.app_urls.append(f"http://127.0.0.1:{port}")
        return self.app_urls[-1]

    def add_worker(self) -> subprocess.Popen:
        self.workers.append(self._spawn("worker"))
        return self.workers[-1]

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        for url in self.app_urls:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} never became ready")
                time.sleep(0.2)

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL: no clean shutdown, as when a machine dies."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.apps + self.workers:
            if process.poll() is None:
                process.terminate()
        for process in self.apps + self.workers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
