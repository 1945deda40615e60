# ruff: noqa: S603, S607, RUF001 - runs our own server and wrk; prints a times sign in tables
"""Load test on loopback: every endpoint side by side with its baseline, in one run.

    .venv/bin/python bench/load.py --url sqlite:///bench/10k.db
    .venv/bin/python bench/load.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Starts ``outcry serve`` (2 workers, benchmark endpoints on, rate limits off) against a database made by
bench/generate.py, then drives each endpoint with wrk (Debian's package: installed here with
apt-get when missing) at 64 connections, and prints requests/second, p50 and p99 for each, with
each page's ratio to its baseline: ``/bench/minimal`` (a dozen rows, one template) for database
pages, ``/bench/plain`` (no database) for 304 repeat visits. Filing complaints posts the real form
with a logged-in session and CSRF token; afterwards the rows are counted, so an acknowledged
(303) complaint that is not in the database shows up as lost.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
# The code the server runs: this checkout, or another one (an older commit, for before/after
# figures in one session) run with this checkout's virtualenv.
CODE = ROOT
PASSWORD = "bench-password-1"  # noqa: S105 - bench/generate.py's accounts
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Result:
    name: str
    path: str
    baseline: str | None
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    extra: str = ""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing Debian's package (apt-get install -y wrk)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("could not install wrk")


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "OUTCRY_DATABASE_URL": url,
        "OUTCRY_ENVIRONMENT": "production",
        "OUTCRY_SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "OUTCRY_BASE_URL": f"http://127.0.0.1:{port}",
        "OUTCRY_BENCH_ENDPOINTS": "1",
        "OUTCRY_RUN_WORKER": "false",  # the worker would compete for the same two cores
        "OUTCRY_RATELIMIT_ENABLED": "false",  # one client address sends everything
        "OUTCRY_LOG_LEVEL": "warning",
    }
    # `outcry serve`, as a site runs it (its uvicorn options: app/cli.py), from CODE's app.
    command = [
        str(ROOT / ".venv/bin/python"), "-c", "from app.cli import app; app()", "serve",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    log = open(Path(tempfile.gettempdir()) / f"outcry-bench-{port}.log", "w")  # noqa: SIM115
    # Its own session (stopped as a group) and its own log: no pipe of ours is held open.
    server = subprocess.Popen(command, cwd=CODE, env=env, start_new_session=True,
                              stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    sys.exit("the server did not start")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def get(port: int, path: str, headers: dict[str, str] | None = None,
        method: str = "GET", body: str | None = None) -> tuple[int, dict[str, str], str]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read().decode("utf-8", "replace")
    found = {k.lower(): v for k, v in response.getheaders()}
    cookies = [v.split(";", 1)[0] for k, v in response.getheaders() if k.lower() == "set-cookie"]
    found["set-cookie"] = "; ".join(cookies)
    conn.close()
    return response.status, found, data


def login(port: int, email: str) -> tuple[str, str]:
    """A signed-in session cookie and the CSRF token of the filing form for it."""
    _, headers, page = get(port, "/login")
    anon = headers["set-cookie"]
    token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode(
        {"email": email, "password": PASSWORD, "csrf_token": token, "website": ""}
    )
    status, headers, _ = get(port, "/login", {"Cookie": anon, "Content-Type":
                             "application/x-www-form-urlencoded"}, "POST", form)  # fmt: skip
    if status != 303:
        sys.exit(f"could not log in as {email}: {status}")
    session = headers["set-cookie"]
    _, _, page = get(port, "/complaints/new", {"Cookie": session})
    return session, CSRF_RE.search(page).group(1)  # type: ignore[union-attr]


LATENCY_RE = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(binary: str, port: int, path: str, *, seconds: int, connections: int, threads: int,
        headers: dict[str, str] | None = None, script: str | None = None) -> dict:  # fmt: skip
    command = [binary, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s"]  # fmt: skip
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    command.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    latency = {q: float(v) * UNIT[u] for q, v, u in LATENCY_RE.findall(out)}
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        "p50": latency.get("50", 0.0),
        "p99": latency.get("99", 0.0),
        "errors": errors,
        "out": out,
    }


WORDS = (  # noqa: SIM905 - a paragraph reads better than a list of 80 strings
         "refund charge bill router outage parcel courier driver depot contract engineer visit "
         "meter reading tariff fee broadband signal voicemail agent manager supervisor branch "
         "account card statement interest direct debit cancellation renewal warranty repair "
         "replacement delivery window missed promised callback complaint reference escalation "
         "weeks months invoice overcharged double duplicate payment pending chat email letter "
         "portal password locked app update firmware boiler heating leak damp mould landlord "
         "deposit inventory luggage flight delay voucher compensation hotel booking").split()  # fmt: skip

FILING_LUA = """
local words = {%(words)s}
local companies = {%(companies)s}
local sessions = {%(sessions)s}
counter = 0
acked = 0
others = 0
threads = {}
tid = 0
function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(tid * 7919 + os.time())
end
local function esc(s) return (s:gsub(" ", "+")) end
local function sentence(n)
  local out = {}
  for i = 1, n do out[i] = words[math.random(#words)] end
  return table.concat(out, " ")
end
request = function()
  counter = counter + 1
  local s = sessions[math.random(#sessions)]
  local key = "load-" .. tid .. "-" .. counter .. "-" .. math.random(1000000000)
  local body = "csrf_token=" .. s[2] .. "&website=&submission_key=" .. key ..
    "&company_name=" .. esc(companies[math.random(#companies)]) ..
    "&title=" .. esc("Load test " .. sentence(5)) ..
    "&body=" .. esc(sentence(40)) .. "&category=billing&desired_outcome=" .. esc(sentence(6))
  return wrk.format("POST", "/complaints/new",
    {["Cookie"] = s[1], ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
response = function(status, headers, body)
  if status == 303 then acked = acked + 1 else others = others + 1 end
end
done = function(summary, latency, requests)
  local a, o = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("acked"); o = o + t:get("others") end
  io.write(string.format("ACKED %%d OTHERS %%d\\n", a, o))
end
"""


def lua_list(items: list[str]) -> str:
    return ", ".join(json.dumps(i) for i in items)


def count_complaints(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM complaint")).scalar_one()
        ours = conn.execute(
            text("SELECT count(*) FROM complaint WHERE submission_key LIKE 'load-%'")
        ).scalar_one()
    engine.dispose()
    return total, ours


def pick_targets(url: str) -> dict[str, str]:
    """A public complaint with a long timeline, and a busy (not the busiest) company."""
    engine = create_engine(url)
    with engine.connect() as conn:
        complaint = conn.execute(text(
            "SELECT complaint_id FROM timeline_event WHERE complaint_id IN "
            "(SELECT id FROM complaint WHERE visibility = 'public' ORDER BY id LIMIT 2000) "
            "GROUP BY complaint_id ORDER BY count(*) DESC LIMIT 1"
        )).scalar_one()  # fmt: skip
        slug = conn.execute(text(
            "SELECT c.slug FROM company c JOIN complaint x ON x.company_id = c.id "
            "GROUP BY c.slug ORDER BY count(*) DESC LIMIT 1 OFFSET 9"
        )).scalar_one()  # fmt: skip
        names = [r[0] for r in conn.execute(text("SELECT name FROM company ORDER BY id LIMIT 300"))]
    engine.dispose()
    return {"complaint": str(complaint), "company": slug, "names": json.dumps(names)}


def run(args: argparse.Namespace) -> list[Result]:
    binary = ensure_wrk()
    targets = pick_targets(args.url)
    server = start_server(args.url, args.port, args.workers)
    results: list[Result] = []
    try:
        pages = [
            ("plain text (baseline)", "/bench/plain", None),
            ("minimal db page (baseline)", "/bench/minimal", None),
            ("home", "/", "/bench/minimal"),
            ("complaint", f"/complaints/{targets['complaint']}", "/bench/minimal"),
            ("company", f"/companies/{targets['company']}", "/bench/minimal"),
            ("leaderboard", "/leaderboards", "/bench/minimal"),
            ("company stats", f"/companies/{targets['company']}/stats", "/bench/minimal"),
            ("API list", "/api/v1/complaints?limit=20", "/bench/minimal"),
        ]
        for name, path, baseline in pages:
            if not wanted(args, name):
                continue
            get(args.port, path)  # warm up: templates compiled, caches filled
            r = wrk(binary, args.port, path, seconds=args.seconds,
                    connections=args.connections, threads=args.threads)  # fmt: skip
            results.append(Result(name, path, baseline, r["rps"], r["p50"], r["p99"],
                                  r["requests"], r["errors"]))  # fmt: skip
            print(results[-1], flush=True)
        repeat = [("complaint", f"/complaints/{targets['complaint']}"),
                  ("company", f"/companies/{targets['company']}"),
                  ("home", "/"), ("leaderboard", "/leaderboards")]  # fmt: skip
        for name, path in repeat:
            if not wanted(args, f"{name} 304"):
                continue
            status, headers, _ = get(args.port, path)
            tag = headers.get("etag")
            if status != 200 or not tag:
                print(f"{path}: no ETag ({status}); skipping its 304 run", flush=True)
                continue
            r = wrk(binary, args.port, path, seconds=args.seconds, connections=args.connections,
                    threads=args.threads, headers={"If-None-Match": tag})  # fmt: skip
            results.append(Result(f"{name} 304 repeat visit", path, "/bench/plain", r["rps"],
                                  r["p50"], r["p99"], r["requests"], r["errors"]))  # fmt: skip
            print(results[-1], flush=True)
        if wanted(args, "file a complaint"):
            results.append(filing(args, binary, targets))
            print(results[-1], flush=True)
    finally:
        stop_server(server)
    return results


def wanted(args: argparse.Namespace, name: str) -> bool:
    """Is this endpoint in the run (``--only`` words, ``--filing-only``)?"""
    only = ["file"] if args.filing_only else args.only
    return not only or any(word in name for word in only)


def filing(args: argparse.Namespace, binary: str, targets: dict[str, str]) -> Result:
    sessions = [login(args.port, f"consumer{i}@bench.example") for i in range(8)]
    script = FILING_LUA % {
        "words": lua_list(WORDS),
        "companies": lua_list(json.loads(targets["names"])),
        "sessions": ", ".join(f"{{{json.dumps(c)}, {json.dumps(t)}}}" for c, t in sessions),
    }
    _, before_ours = count_complaints(args.url)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    r = wrk(binary, args.port, "/complaints/new", seconds=args.seconds,
            connections=args.connections, threads=args.threads, script=f.name)  # fmt: skip
    os.unlink(f.name)
    time.sleep(2)  # requests still in flight when wrk stopped
    _, after_ours = count_complaints(args.url)
    m = re.search(r"ACKED (\d+) OTHERS (\d+)", r["out"])
    acked, others = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    stored = after_ours - before_ours
    lost = max(0, acked - stored)
    extra = (f"acknowledged (303) {acked}, other statuses {others}, new rows {stored}, "
             f"lost {lost}")  # fmt: skip
    return Result("file a complaint (POST)", "/complaints/new", None, r["rps"], r["p50"],
                  r["p99"], r["requests"], r["errors"] + others + lost, extra)  # fmt: skip


def table(results: list[Result]) -> str:
    by_path = {r.path: r for r in results}
    lines = ["| endpoint | req/s | p50 ms | p99 ms | ratio to baseline | errors |",
             "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in results:
        base = by_path.get(r.baseline or "")
        ratio = f"{r.rps / base.rps:.2f}× {r.baseline}" if base else "—"
        lines.append(f"| {r.name} `{r.path}` | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
                     f"| {ratio} | {r.errors} |")  # fmt: skip
    notes = [f"- {r.name}: {r.extra}" for r in results if r.extra]
    return "\n".join([*lines, "", *notes])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_options(parser: argparse.ArgumentParser) -> None:
    """The options of every script that starts the server and loads it over connections."""
    parser.add_argument("--url", required=True)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--json", help="also write the results here")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    server_options(parser)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--filing-only", action="store_true", help="only the POST run")
    parser.add_argument("--only", nargs="+", default=[],
                        help="only the endpoints whose name has one of these words, e.g. "
                        "'company' or '304'")  # fmt: skip
    args = parser.parse_args()
    args.port = args.port or free_port()
    results = run(args)
    print()
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=2))


if __name__ == "__main__":
    main()
