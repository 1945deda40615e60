"""Operations endpoints: liveness, readiness, Prometheus metrics, request ids in logs."""

import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from app.config import get_settings
from app.db import make_engine
from app.jobs.queue import enqueue
from app.ops import malloc as ops_malloc
from app.ops import readiness
from app.ops.gc import THRESHOLDS
from app.ops.logging import JsonFormatter, RequestIdFilter
from app.ops.metrics import render
from app.schema import alembic_config
from tests.support.factories import make_complaint


def test_healthz_needs_no_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"
    assert response.headers["cache-control"] == "no-store"


def test_readyz_refuses_traffic_when_migrations_are_not_applied(client):
    # The suite builds its schema without Alembic, so no revision is recorded: not at head.
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"ready": False, "database": "ok", "migrations": "behind"}


def test_readiness_follows_the_migration_state():
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'ready.db'}"
    engine = make_engine(url)
    config = alembic_config(url)
    assert readiness.check(engine).migrations == "behind"  # empty database
    command.upgrade(config, "head")
    assert readiness.check(engine).ready
    command.downgrade(config, "-1")
    assert readiness.check(engine) == readiness.Readiness("ok", "behind")
    engine.dispose()


def test_readiness_reports_an_unreachable_database():
    engine = create_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2}
    )
    state = readiness.check(engine)
    assert not state.ready
    assert state.database.startswith("unreachable") and state.migrations == "unknown"


def test_metrics_count_requests_by_route_template(client, db):
    complaint = make_complaint(db)
    for _ in range(2):
        assert client.get(f"/complaints/{complaint.id}").status_code == 200
    text = client.get("/metrics").text
    line = next(
        ln
        for ln in text.splitlines()
        if ln.startswith("outcry_http_requests_total{")
        and 'route="/complaints/{complaint_id}"' in ln
        and 'method="GET"' in ln
        and 'status="200"' in ln
    )
    assert float(line.rsplit(" ", 1)[1]) >= 2
    assert f'/complaints/{complaint.id}"' not in text  # ids never become labels
    assert "outcry_http_request_duration_seconds_bucket" in text


def test_a_head_request_is_counted_under_its_route(client, db):
    complaint = make_complaint(db)
    assert client.head(f"/complaints/{complaint.id}").status_code == 200
    text = client.get("/metrics").text
    assert (
        'outcry_http_requests_total{method="HEAD",route="/complaints/{complaint_id}",status="200"}'
        in text
    )


def test_metrics_show_queue_depth_from_the_database(db):
    enqueue(session=db, kind="mail", key="ops-test-1", payload={})
    enqueue(session=db, kind="mail", key="ops-test-2", payload={})
    db.flush()
    text = render(db.connection()).decode()
    assert 'outcry_jobs{kind="mail",state="pending"}' in text
    value = next(
        ln for ln in text.splitlines() if ln.startswith('outcry_jobs{kind="mail",state="pending"}')
    )
    assert float(value.rsplit(" ", 1)[1]) >= 2


@pytest.fixture
def metrics_token(monkeypatch):
    monkeypatch.setattr(get_settings(), "metrics_token", "s3cret-token-value")


def test_metrics_behind_a_token_when_one_is_set(client, metrics_token):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = client.get("/metrics", headers={"authorization": "Bearer s3cret-token-value"})
    assert right.status_code == 200 and "outcry_http_requests_total" in right.text


def test_every_response_carries_a_request_id_and_keeps_a_safe_incoming_one(client):
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    assert (
        client.get("/healthz", headers={"x-request-id": "lb-42.a_b"}).headers["x-request-id"]
        == "lb-42.a_b"
    )
    # Anything that could forge a log line is replaced.
    forged = client.get("/healthz", headers={"x-request-id": 'x" injected=1'}).headers[
        "x-request-id"
    ]
    assert forged != 'x" injected=1' and len(forged) == 32


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_log_lines_carry_the_request_id_as_json(client):
    keep = _Keep()
    access = logging.getLogger("outcry.access")
    access.addHandler(keep)
    access.setLevel(logging.INFO)
    try:
        response = client.get("/no-such-page")
    finally:
        access.removeHandler(keep)
    record = next(r for r in keep.records if "/no-such-page" in r.getMessage())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == response.headers["x-request-id"]
    assert entry["status"] == 404 and entry["route"] == "unmatched" and entry["level"] == "info"


def test_a_database_outage_answers_503_with_retry_after(web_app):
    from fastapi.testclient import TestClient
    from sqlalchemy.exc import OperationalError

    @web_app.get("/api/v1/outage-test")
    @web_app.get("/outage-test")
    def _down() -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    with TestClient(web_app, raise_server_exceptions=False) as browser:
        page = browser.get("/outage-test")
        api = browser.get("/api/v1/outage-test")
    assert page.status_code == 503 and page.headers["retry-after"] == "5"
    assert "Nothing you sent was saved" in page.text and "server closed" not in page.text
    assert api.status_code == 503 and api.json()["status"] == 503
    assert api.headers["content-type"] == "application/problem+json"


# A process's script that prints a scrape, as /metrics would answer it.
SCRAPE = (
    "import app.models\n"
    "from sqlmodel import SQLModel, create_engine\n"
    "from app.ops.metrics import render\n"
    "engine = create_engine('sqlite://')\n"
    "SQLModel.metadata.create_all(engine)\n"
    "print(render(engine).decode())\n"
)


def _processes(tmp_path, *scripts: str) -> tuple[str, str]:
    """Run each script in a process of its own, one after the other, sharing a multiprocess
    metrics directory: the last one's output, and every process's errors."""
    import subprocess
    import sys

    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    runs = [
        subprocess.run(  # noqa: S603 - our interpreter, our script
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
        )
        for script in scripts
    ]
    return runs[-1].stdout, "".join(run.stderr[-2000:] for run in runs)


def test_metrics_add_up_across_processes_with_a_multiprocess_dir(tmp_path):
    counting = "from app.ops.metrics import REQUESTS\nREQUESTS.labels('GET', '/x', '200').inc()\n"
    scraped, errors = _processes(tmp_path, counting, counting + SCRAPE)
    # Two processes each counted one request; the second process's scrape sees both.
    assert 'outcry_http_requests_total{method="GET",route="/x",status="200"} 2.0' in scraped, errors


def test_requests_reach_other_processes_scrapes_within_a_second(tmp_path):
    """A process tallies its requests and hands them over in batches; its timer hands over the
    rest, so another process's scrape counts them although this process is never scraped."""
    serving = (
        "import asyncio\n"
        "from app.ops import metrics\n"
        "for _ in range(3):\n"
        "    metrics.tally('GET', '/served', 200, 0.003)\n"
        "async def serve():\n"
        "    timer = asyncio.create_task(metrics.hand_over_every(0.05))\n"
        "    await asyncio.sleep(0.3)\n"
        "    timer.cancel()\n"
        "asyncio.run(serve())\n"
    )
    scraped, errors = _processes(tmp_path, serving, SCRAPE)
    assert 'outcry_http_requests_total{method="GET",route="/served",status="200"} 3.0' in scraped, (
        errors
    )
    assert (
        'outcry_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/served"} 3.0'
        in scraped
    )


def test_an_error_page_for_a_signed_in_request_survives_the_failed_database(db):
    """After a failed request the session is rolled back and closed, so the signed-in user is
    expired and detached: the error page must not reload it from the database that just failed
    (it shows the page as to a visitor instead of crashing into a bare 500)."""
    from starlette.requests import Request

    from app.web.errors import error_response
    from tests.support.factories import make_user

    user = make_user(db, name="Dana Signed-In")
    db.flush()
    db.expire(user)
    db.expunge(user)  # what the request's closed session leaves behind
    request = Request({"type": "http", "method": "GET", "path": "/x", "headers": [],
                       "query_string": b"", "state": {"user": user}})  # fmt: skip
    page = error_response(request, 503, "The database is unavailable for a moment.")
    assert page.status_code == 503
    assert b"The database is unavailable for a moment." in page.body
    assert b"Dana Signed-In" not in page.body


def test_a_serving_process_freezes_its_startup_objects_out_of_garbage_collection(tmp_path):
    """Full collections over the loaded app paused every request in flight for up to 0.7 s
    under load (app/ops/gc.py); a server process freezes what it loaded and collects less often.
    A process of its own: freezing here would keep every test's objects for the whole run."""
    script = (
        "import asyncio, gc\n"
        "from app.main import create_app, lifespan\n"
        "async def main():\n"
        "    async with lifespan(create_app()):\n"
        "        print(gc.get_freeze_count(), *gc.get_threshold())\n"
        "asyncio.run(main())\n"
    )
    env = {
        **os.environ,
        "OUTCRY_ENVIRONMENT": "development",
        "OUTCRY_DATABASE_URL": f"sqlite:///{tmp_path / 'gc.db'}",
        "OUTCRY_RUN_WORKER": "false",
    }
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    frozen, *thresholds = map(int, out)
    assert frozen > 100_000  # the modules, mappers and routes of the loaded app
    assert tuple(thresholds) == THRESHOLDS


ARENAS_SCRIPT = """
import asyncio, ctypes, sys, threading
from app.main import create_app, lifespan

def allocate_in_threads(count=8):
    ready = threading.Barrier(count + 1)
    def work():
        keep = [bytearray(4096) for _ in range(50)]  # above pymalloc's size: glibc's malloc
        ready.wait()
        ready.wait()
        del keep
    threads = [threading.Thread(target=work) for _ in range(count)]
    for t in threads:
        t.start()
    ready.wait()  # every thread has allocated and is alive
    ctypes.CDLL(None).malloc_stats()  # one "Arena N:" block per arena, on stderr
    ready.wait()
    for t in threads:
        t.join()

async def main():
    if sys.argv[1] == "serving":
        async with lifespan(create_app()):
            allocate_in_threads()
    else:
        allocate_in_threads()
asyncio.run(main())
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="malloc arenas are glibc's",
)
def test_a_serving_process_shares_two_malloc_arenas_among_its_threads(tmp_path):
    """Per-thread arenas let a worker's RSS creep up by a tenth over 300,000 requests after its
    caches were full (bench/README.md, memory); a serving process caps them at two."""
    env = {
        **os.environ,
        "OUTCRY_ENVIRONMENT": "development",
        "OUTCRY_DATABASE_URL": f"sqlite:///{tmp_path / 'arenas.db'}",
        "OUTCRY_RUN_WORKER": "false",
    }
    env.pop("MALLOC_ARENA_MAX", None)

    def arenas(mode: str) -> int:
        stats = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", ARENAS_SCRIPT, mode],
            env=env, capture_output=True, text=True, check=True,
        ).stderr  # fmt: skip
        return sum(line.startswith("Arena ") for line in stats.splitlines())

    assert arenas("plain") > ops_malloc.ARENAS  # glibc's default: a new arena per thread
    assert arenas("serving") <= ops_malloc.ARENAS
