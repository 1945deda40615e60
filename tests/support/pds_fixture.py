"""A real Bluesky PDS on loopback (tests/pds/launch.mjs), started once per test session.

Import ``local_pds`` into a test module to use the ``pds`` fixture. Without Node.js 20+ and npm the tests that
need it are skipped with the reason, unless OUTCRY_REQUIRE_PDS=1 (CI sets it): then they fail.
"""

import fcntl
import hashlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
import redis

PDS_DIR = Path(__file__).parents[1] / "pds"
START_TIMEOUT = 120  # seconds; it usually starts in about 5
# What a complete install has: the launcher's package and the natively built SQLite driver.
REQUIRED = ("@atproto/dev-env/package.json", "better-sqlite3/build/Release/better_sqlite3.node")


@dataclass(frozen=True)
class Account:
    handle: str
    did: str
    password: str
    app_password: str


@dataclass(frozen=True)
class Pds:
    url: str
    plc_url: str
    broadcaster: Account
    company: Account
    pid: int = 0  # the launcher's process: SIGSTOP freezes the whole PDS (outage tests)


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("OUTCRY_REQUIRE_PDS") == "1":
        pytest.fail(f"the local PDS is required (OUTCRY_REQUIRE_PDS=1): {reason}", pytrace=False)
    pytest.skip(f"no local PDS: {reason}")


def _installed() -> bool:
    marker = PDS_DIR / "node_modules" / ".package-lock.json"
    return (
        marker.exists()
        and marker.stat().st_mtime >= (PDS_DIR / "package-lock.json").stat().st_mtime
        and all((PDS_DIR / "node_modules" / path).exists() for path in REQUIRED)
    )


def _install(npm: str) -> None:
    """``npm ci`` when node_modules is missing, incomplete or older than the lock file (minutes:
    better-sqlite3 compiles from source when no prebuilt binary can be fetched). A lock file
    keeps test sessions running side by side from installing over each other."""
    digest = hashlib.sha256(str(PDS_DIR.resolve()).encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"outcry-pds-install-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed():
            return
        result = subprocess.run(  # noqa: S603 - our own fixed command
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=PDS_DIR,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
    if result.returncode != 0 or not _installed():
        _unavailable(f"npm ci failed in {PDS_DIR}:\n{result.stderr[-3000:]}")


def _node_major(node: str) -> int:
    version = subprocess.run(  # noqa: S603 - our own fixed command
        [node, "--version"], capture_output=True, text=True, check=False
    )
    try:
        return int(version.stdout.strip().lstrip("v").split(".")[0])
    except ValueError:
        return 0


@pytest.fixture(scope="session", name="pds")
def local_pds() -> Iterator[Pds]:
    yield from _launch({})


REDIS_ADDRESS = os.environ.get("OUTCRY_PDS_REDIS_ADDRESS", "127.0.0.1:6379")


@pytest.fixture(scope="session", name="rate_limited_pds")
def rate_limited_local_pds() -> Iterator[Pds]:
    """A second PDS with its own rate limits switched on, counted in Redis (REDIS_ADDRESS)."""
    host, port = REDIS_ADDRESS.rsplit(":", 1)
    try:
        redis.Redis(host=host, port=int(port), socket_timeout=2).ping()
    except redis.RedisError as error:
        _unavailable(
            f"the rate-limited PDS counts in Redis, not reachable at {REDIS_ADDRESS}: {error}"
        )
    yield from _launch({"OUTCRY_PDS_RATE_LIMITS": "1", "OUTCRY_PDS_REDIS_ADDRESS": REDIS_ADDRESS})


def _launch(extra_env: dict[str, str]) -> Iterator[Pds]:
    node = shutil.which("node")
    if not node:
        _unavailable("Node.js is not installed")
    if _node_major(node) < 20:
        _unavailable("@atproto/dev-env 0.3.215 needs Node.js 20 or newer")
    if not _installed():
        npm = shutil.which("npm")
        if not npm:
            _unavailable(f"npm is not installed to run `npm ci` in {PDS_DIR}")
        _install(npm)
    stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - kept open while the PDS runs
    process = subprocess.Popen(  # noqa: S603 - our own fixed command
        [node, "launch.mjs"],
        cwd=PDS_DIR,
        env={**os.environ, **extra_env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for output in process.stdout:
            lines.put(output)
        lines.put(None)  # the launcher exited

    threading.Thread(target=read, daemon=True).start()
    try:
        while (line := lines.get(timeout=START_TIMEOUT)) is not None and not line.startswith("{"):
            pass
    except queue.Empty:
        line = None
    if line is None:
        process.kill()
        process.wait()
        stderr.seek(0)
        _unavailable(f"the PDS did not start:\n{stderr.read()[-3000:]}")
    data = json.loads(line)
    try:
        yield Pds(
            url=data["pds_url"],
            plc_url=data["plc_url"],
            broadcaster=Account(**data["broadcaster"]),
            company=Account(**data["company"]),
            pid=process.pid,
        )
    finally:
        process.stdin.close()  # the launcher stops when its stdin closes
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait(timeout=5)
        stderr.close()
