"""An independent minimal FastAPI app: what FastAPI itself does on this machine, outside Outcry.

``/plain`` answers a constant text (``/plain-with-headers`` with a production site's response
headers); ``/fortunes`` is TechEmpower's fortunes test: read the 12
rows of a SQLite table, add one in memory, sort by message and render one Jinja template
(autoescaped). No middleware, no session, no cookies. ``bench/load.py`` runs it with uvicorn
beside Outcry, so each Outcry page is reported as a ratio to it.

    uvicorn bench.baseline.app:app --port 8081
"""

import os
import sqlite3
import tempfile
import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.templating import Jinja2Templates

FORTUNES = [
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "フレームワークのベンチマーク",
]

DB = Path(tempfile.gettempdir()) / "outcry-bench-fortunes.db"
with sqlite3.connect(DB) as setup:
    setup.execute("CREATE TABLE IF NOT EXISTS fortune (id INTEGER PRIMARY KEY, message TEXT)")
    if setup.execute("SELECT count(*) FROM fortune").fetchone()[0] == 0:
        setup.executemany("INSERT INTO fortune (message) VALUES (?)", [(f,) for f in FORTUNES])

_local = threading.local()


def connection() -> sqlite3.Connection:
    """One connection per thread of the pool, kept (sqlite3 connections are cheap to keep)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = sqlite3.connect(DB)
    return conn


# FastAPI looks for an OpenTelemetry provider on every request unless told not to; Outcry tells
# it not to (app/ops/telemetry.py). BASELINE_TELEMETRY=off serves this app the same way, so the
# share of that check in a ratio can be read apart (bench/README.md).
_UNTRACED = {"tracing": False, "metrics": False, "logs": False, "auto_configure": False}
app = FastAPI(
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
    telemetry=_UNTRACED if os.environ.get("BASELINE_TELEMETRY") == "off" else None,
)
templates = Jinja2Templates(directory=Path(__file__).parent)


@app.get("/plain")
async def plain() -> PlainTextResponse:
    return PlainTextResponse("ok")


# The same text with the headers Outcry's /healthz answer carries (a data answer's security
# headers and a request id): what writing them costs uvicorn, apart from what producing them
# costs (bench/README.md).
SITE_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "x-request-id": "0123456789abcdef0123456789abcdef",
}


@app.get("/plain-with-headers")
async def plain_with_headers() -> PlainTextResponse:
    return PlainTextResponse("ok", headers=SITE_HEADERS)


@app.get("/fortunes")
def fortunes(request: Request) -> HTMLResponse:
    rows = connection().execute("SELECT id, message FROM fortune").fetchall()
    rows.append((0, "Additional fortune added at request time."))
    rows.sort(key=lambda row: row[1])
    return templates.TemplateResponse(request, "fortunes.html", {"fortunes": rows})
