# ruff: noqa: S603, S311 - runs our own server and wrk; random choices are not secrets
"""Mixed soak on the README's default: SQLite, ``outcry serve`` with its in-process worker.

    .venv/bin/python bench/soak.py --url sqlite:///bench/10k.db --minutes 2

Copies the database, adds a webhook (every event) for the first claimed company pointing at a
receiver here that counts deliveries, and starts ``outcry serve`` (development, as ``make run``;
rate limits off, all traffic comes from one address) whose worker runs every periodic job.
Then, at once: readers (wrk, anonymous and signed-in pages), ``--filings`` filings a second
through the real form, ``--replies`` API replies a second with the company's token. At the end
it waits for the worker to catch up and reports: "database is locked" lines in the server's
log, the worker's busy retries, write requests slower than 1 s, duplicate and missed webhook
deliveries, and acknowledged filings missing from the database.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import load
from bench.load import ROOT
from bench.signed_in import rep_targets

READERS_LUA = """
local paths = {%(paths)s}
local cookie = %(cookie)s
local n = 0
request = function()
  n = n + 1
  local path = paths[(n %% #paths) + 1]
  if n %% 2 == 0 then return wrk.format("GET", path, {["Cookie"] = cookie}) end
  return wrk.format("GET", path)
end
"""


QUIET = {"OUTCRY_REVERIFY_DAYS": "3650"}  # with last_checked_at set below


class Deliveries(BaseHTTPRequestHandler):
    seen: Counter = Counter()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        Deliveries.seen[self.headers.get("outcry-delivery", "")] += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def add_webhook(url: str, receiver: str) -> None:
    from app.integrations import webhooks
    from app.models.company import Company
    from app.models.user import User

    engine = create_engine(url)
    with Session(engine) as session:
        company_id, user_id = session.execute(text(
            "SELECT company_id, user_id FROM company_member WHERE role = 'owner' "
            "ORDER BY company_id LIMIT 1")).one()  # fmt: skip
        webhooks.create(session=session, company=session.get(Company, company_id),
                        owner=session.get(User, user_id), url=receiver,
                        events=list(webhooks.EVENTS))  # fmt: skip
        # The generated claims' DNS proofs do not exist: checked "now", so no re-verification
        # suspends them (and the token's access) during the soak.
        session.execute(text("UPDATE claim SET last_checked_at = :now"),
                        {"now": time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime())})  # fmt: skip
        session.commit()
    engine.dispose()


def paced(rate: float, seconds: float, work, slow: list[float], statuses: Counter) -> None:
    """Call ``work`` ``rate`` times a second from a few threads; note slow (> 1 s) calls."""

    def one() -> None:
        started = time.monotonic()
        try:
            statuses[work()] += 1
        except OSError as exc:
            statuses[type(exc).__name__] += 1
        if (took := time.monotonic() - started) > 1:
            slow.append(took)

    end = time.monotonic() + seconds
    due = time.monotonic()
    while due < end:
        threading.Thread(target=one, daemon=True).start()
        due += 1 / rate
        time.sleep(max(0.0, due - time.monotonic()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a database made by bench/generate.py")
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--filings", type=float, default=10)
    parser.add_argument("--replies", type=float, default=5)
    parser.add_argument("--readers", type=int, default=8, help="wrk connections")
    parser.add_argument("--code", type=Path, default=ROOT, help="run Outcry from this checkout")
    parser.add_argument("--port", type=int, default=0, help="the server's (default: any free)")
    args = parser.parse_args()
    source = Path(args.url.removeprefix("sqlite:///"))
    work = Path(tempfile.mkdtemp(prefix="outcry-soak-"))
    shutil.copy(source, work / "soak.db")
    url = f"sqlite:///{work / 'soak.db'}"

    receiver = ThreadingHTTPServer(("127.0.0.1", args.port + 1 if args.port else 0), Deliveries)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    # The periodic jobs' first run on a fresh database is a backlog (broadcast scan 12 s,
    # statistics 5 s, each one write transaction): done before, so the soak sees steady state.
    add_webhook(url, f"http://127.0.0.1:{receiver.server_port}/hooks")
    subprocess.run([str(ROOT / ".venv/bin/outcry"), "worker", "--once"], cwd=args.code,
                   env={**os.environ, "OUTCRY_DATABASE_URL": url, **QUIET}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    rep = rep_targets(url)
    targets = load.pick_targets(url)

    port = args.port or load.free_port()
    log_path = work / "server.log"
    env = {**os.environ, "OUTCRY_DATABASE_URL": url, "OUTCRY_ENVIRONMENT": "development",
           "OUTCRY_BASE_URL": f"http://127.0.0.1:{port}", "OUTCRY_RUN_WORKER": "true",
           "OUTCRY_RATELIMIT_ENABLED": "false", "OUTCRY_LOG_JSON": "false", **QUIET}  # fmt: skip
    with open(log_path, "w") as log:
        # What `outcry serve` runs (app/cli.py), from the checkout asked for.
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/uvicorn"), "app.asgi:app", "--app-dir", str(args.code),
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
            cwd=args.code, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        for _ in range(100):
            try:
                if load.get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        for attempt in range(12):  # the worker's first periodic pass may hold the lock a while
            try:
                consumer, csrf = load.login(port, "consumer1@bench.example")
                break
            except SystemExit:
                print(f"login failed (attempt {attempt + 1}); trying again in 5 s", flush=True)
                time.sleep(5)
        else:
            sys.exit("could not log in for a minute")
        names = json.loads(targets["names"])
        complaint = rep["complaint"]
        seconds = args.minutes * 60

        def file() -> int:
            key = f"soak-{random.getrandbits(60)}"
            form = urllib.parse.urlencode({
                "csrf_token": csrf, "website": "", "submission_key": key,
                "company_name": random.choice(names[:5]), "category": "billing",
                "title": "Soak " + " ".join(random.choices(load.WORDS, k=5)), "body": " ".join(random.choices(load.WORDS, k=40)),
                "desired_outcome": "A refund of the second charge"})  # fmt: skip
            status, _, _ = load.get(port, "/complaints/new", {"Cookie": consumer, "Content-Type":
                                    "application/x-www-form-urlencoded"}, "POST", form)  # fmt: skip
            if status == 303:
                acked.append(key)
            return status

        def reply() -> int:
            body = json.dumps({"body": f"We are looking into it ({random.getrandbits(32)})."})
            status, _, _ = load.get(port, f"/api/v1/company/complaints/{complaint}/replies",
                                    {"Authorization": f"Bearer {rep['token']}",
                                     "Content-Type": "application/json"}, "POST", body)  # fmt: skip
            return status

        acked: list[str] = []
        slow: list[float] = []
        filed, replied = Counter(), Counter()
        paths = ["/", f"/complaints/{targets['complaint']}", f"/companies/{targets['company']}",
                 "/leaderboards", "/search?q=refund"]  # fmt: skip
        script = work / "readers.lua"
        script.write_text(READERS_LUA % {"paths": ", ".join(json.dumps(p) for p in paths),
                                         "cookie": json.dumps(consumer)})  # fmt: skip
        readers = threading.Thread(target=lambda: results.update(load.wrk(
            load.ensure_wrk(), port, "/", seconds=int(seconds), connections=args.readers,
            threads=1, script=str(script))))  # fmt: skip
        results: dict = {}
        readers.start()
        writers = [threading.Thread(target=paced, args=(args.filings, seconds, file, slow, filed)),
                   threading.Thread(target=paced, args=(args.replies, seconds, reply, slow,
                                                        replied))]  # fmt: skip
        for t in writers:
            t.start()
        for t in [*writers, readers]:
            t.join()
        engine = create_engine(url)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the worker catches up
            with engine.connect() as conn:
                pending = conn.execute(text("SELECT count(*) FROM job WHERE kind = 'webhook' "
                                            "AND state IN ('pending', 'running')")).scalar_one()  # fmt: skip
            if pending == 0:
                break
            time.sleep(2)
        with engine.connect() as conn:
            jobs = dict(
                conn.execute(
                    text("SELECT state, count(*) FROM job WHERE kind = 'webhook' GROUP BY state")
                ).all()
            )
            stored = conn.execute(text("SELECT count(*) FROM complaint WHERE submission_key "
                                       "LIKE 'soak-%'")).scalar_one()  # fmt: skip
    finally:
        load.stop_server(server)
        receiver.shutdown()
    logged = log_path.read_text()
    delivered = Deliveries.seen
    print(
        f"soak: {args.minutes} min, readers {results.get('requests', 0)} requests "
        f"({results.get('errors', '?')} errors, p99 {results.get('p99', 0):.0f} ms)"
    )
    print(
        f"filings: {dict(filed)}; acknowledged {len(acked)}, in the database {stored}, "
        f"lost {max(0, len(acked) - stored)}"
    )
    print(f"API replies: {dict(replied)}")
    print(
        f"write requests over 1 s: {len(slow)} (longest {max(slow, default=0):.1f} s); "
        f"waits over 1 s for the write lock (app/writegate.py): "
        f"{logged.count('for the write lock')}"
    )
    print(
        f'"database is locked" in the log: {logged.count("database is locked")}; worker '
        f"busy retries: {logged.count('the database is busy')}"
    )
    print(
        f"webhook jobs by state: {jobs}; deliveries received {sum(delivered.values())}, "
        f"distinct {len(delivered)}, duplicates {sum(n - 1 for n in delivered.values())}, "
        f"missed {max(0, jobs.get('done', 0) - len(delivered))}"
    )
    print(f"server log: {log_path}")


if __name__ == "__main__":
    main()
