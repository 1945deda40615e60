# ruff: noqa: S603 - runs our own servers and wrk; prints a times sign in tables
"""Signed-in pages, the reps' dashboard and the company API, beside an independent baseline.

    .venv/bin/python bench/signed_in.py --url sqlite:///bench/10k.db --workers 1

Starts Outcry (as bench/load.py does) and, next to it, the independent minimal FastAPI app of
``bench/baseline/`` (plain text; TechEmpower-style fortunes: 12 SQLite rows and one template, no
Outcry middleware), with the same number of uvicorn workers. Then drives with wrk, one after the
other in one run: both baselines, Outcry's ``/healthz`` and ``/bench/minimal``, every page type
signed in as a consumer, the dashboard's queue and complaint signed in as a rep, and the company
API with a token. Ratios are to the independent fortunes page (``/healthz`` to its plain text).
A second copy of the baseline app runs with FastAPI's telemetry check off, as Outcry runs
(app/ops/telemetry.py): ``/healthz`` is also given as a ratio to its plain text.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import load
from bench.load import ROOT, Result

PLAIN, FORTUNES = "baseline:/plain", "baseline:/fortunes"
PLAIN_HEADERS = "baseline:/plain-with-headers"
UNTRACED_PLAIN = "untraced:/plain"  # the baseline app with FastAPI's telemetry check off
# A second ratio for these rows: /healthz to a FastAPI that skips the check as Outcry does.
ALSO = {"/healthz": UNTRACED_PLAIN}


def start_baseline(port: int, workers: int, *, telemetry: bool = True) -> subprocess.Popen:
    command = [str(ROOT / ".venv/bin/uvicorn"), "app:app", "--app-dir", str(ROOT / "bench/baseline"),
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--no-access-log", "--log-level", "warning"]  # fmt: skip
    log = open(Path(tempfile.gettempdir()) / f"outcry-baseline-{port}.log", "w")  # noqa: SIM115
    env = {**os.environ, "BASELINE_TELEMETRY": "on" if telemetry else "off"}
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=log,
                              stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if load.get(port, "/plain")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    sys.exit("the baseline app did not start")


def rep_targets(url: str) -> dict[str, str]:
    """The first claimed company: its owner (a rep), its slug, one of its complaints, and a
    fresh API token of its owner's (made here, as the integrations page would)."""
    from app.integrations import tokens
    from app.models.company import Company
    from app.models.user import User

    engine = create_engine(url)
    with Session(engine) as session:
        company_id, user_id = session.execute(text(
            "SELECT company_id, user_id FROM company_member WHERE role = 'owner' "
            "ORDER BY company_id LIMIT 1")).one()  # fmt: skip
        company, owner = session.get(Company, company_id), session.get(User, user_id)
        complaint = session.execute(text(
            "SELECT id FROM complaint WHERE company_id = :c ORDER BY id DESC LIMIT 1"),
            {"c": company_id}).scalar_one()  # fmt: skip
        _, raw = tokens.create(session=session, company=company, owner=owner, name="bench")
        session.commit()
        found = {"rep": owner.email, "slug": company.slug, "complaint": str(complaint),
                 "token": raw}  # fmt: skip
    engine.dispose()
    return found


ROTATE_LUA = """
local cookies = {%(cookies)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", nil, {["Cookie"] = cookies[(counter %% #cookies) + 1]})
end
"""


def rotating_cookies(port: int, users: int) -> str:
    """A wrk script that sends each request as the next of ``users`` signed-in consumers: the
    per-process login and membership memos then see many visitors, not one."""
    cookies = [
        load.login(port, f"consumer{n}@bench.example")[0].split(";")[0] for n in range(1, users + 1)
    ]
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(ROTATE_LUA % {"cookies": ", ".join(json.dumps(c) for c in cookies)})
    return str(script)


def _median(found: list[Result], rounds: dict[str, list[Result]]) -> Result:
    """One endpoint over the rounds: the median rate and latencies, every request and error, and
    the range of its ratio to its baseline round by round."""
    first = found[0]
    middle = sorted(found, key=lambda r: r.rps)[len(found) // 2]
    merged = Result(first.name, first.path, first.baseline, middle.rps, middle.p50_ms,
                    middle.p99_ms, sum(r.requests for r in found), sum(r.errors for r in found))  # fmt: skip
    notes = []
    for key in (first.baseline, ALSO.get(first.path)):
        base = next((rs for rs in rounds.values() if rs[0].path == key), None)
        if base and len(found) > 1:
            low, mid, high = _spread([r.rps / b.rps for r, b in zip(found, base, strict=True)])
            notes.append(
                f"to {key}: ratio round by round {low:.2f} to {high:.2f}, median {mid:.2f}"
            )
    merged.extra = "; ".join(notes) + f" ({len(found)} rounds)" if notes else ""
    return merged


def _spread(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return ordered[0], ordered[len(ordered) // 2], ordered[-1]


def run(args: argparse.Namespace) -> list[Result]:
    binary = load.ensure_wrk()
    targets = load.pick_targets(args.url)
    rep = rep_targets(args.url)
    base_port, untraced_port = load.free_port(), load.free_port()
    baseline = start_baseline(base_port, args.workers)
    untraced = start_baseline(untraced_port, args.workers, telemetry=False)
    server = load.start_server(args.url, args.port, args.workers)
    try:
        consumer, _ = load.login(args.port, "consumer1@bench.example")
        many = rotating_cookies(args.port, args.users) if args.users > 1 else None
        rep_cookie, _ = load.login(args.port, rep["rep"])
        signed = {"Cookie": consumer}
        as_rep = {"Cookie": rep_cookie}
        api = {"Authorization": f"Bearer {rep['token']}"}
        c, slug = targets["complaint"], targets["company"]
        runs = [
            ("plain text (independent)", PLAIN, None, base_port, None),
            ("fortunes (independent)", FORTUNES, None, base_port, None),
            ("plain text with /healthz's headers (independent)", PLAIN_HEADERS, PLAIN, base_port,
             None),
            ("plain text, FastAPI's telemetry off (independent)", UNTRACED_PLAIN, PLAIN,
             untraced_port, None),
            ("/healthz", "/healthz", PLAIN, args.port, None),
            ("in-app minimal page, signed in", "/bench/minimal", FORTUNES, args.port, signed),
            ("home, signed in", "/", FORTUNES, args.port, signed),
            ("complaint, signed in", f"/complaints/{c}", FORTUNES, args.port, signed),
            ("company, signed in", f"/companies/{slug}", FORTUNES, args.port, signed),
            ("leaderboard, signed in", "/leaderboards", FORTUNES, args.port, signed),
            ("search, signed in", "/search?q=refund", FORTUNES, args.port, signed),
            ("my complaints, signed in", "/me/complaints", FORTUNES, args.port, signed),
            ("dashboard queue, rep", f"/dashboard/{rep['slug']}", FORTUNES, args.port, as_rep),
            ("dashboard complaint, rep",
             f"/dashboard/{rep['slug']}/complaints/{rep['complaint']}", FORTUNES, args.port,
             as_rep),
            ("company API list, token", "/api/v1/company/complaints?limit=20", FORTUNES,
             args.port, api),
            ("API list, anonymous", "/api/v1/complaints?limit=20", FORTUNES, args.port, None),
        ]  # fmt: skip
        runs = [run for run in runs if not args.only or any(w in run[0] for w in args.only)]
        # Several rounds, each endpoint in turn: on a shared machine the rate drifts by a tenth
        # within a minute, so a ratio is read from runs close in time (bench/README.md).
        rounds: dict[str, list[Result]] = {name: [] for name, *_ in runs}
        for _ in range(args.rounds):
            for name, key, base, port, headers in runs:
                path = key.partition(":")[2] or key  # "baseline:/plain" → "/plain"
                # A warm-up and a check, and a barrier: it is answered once the requests the
                # previous run left queued are (at 256 connections, seconds of them).
                status = load.get(port, path, headers)[0]
                if status != 200:
                    print(f"{name}: {path} answered {status}", flush=True)
                script = many if headers is signed else None
                r = load.wrk(binary, port, path, seconds=args.seconds,
                             connections=args.connections, threads=args.threads,
                             headers=None if script else headers, script=script)  # fmt: skip
                rounds[name].append(Result(name, key, base, r["rps"], r["p50"], r["p99"],
                                           r["requests"], r["errors"]))  # fmt: skip
                print(rounds[name][-1], flush=True)
        results = [_median(found, rounds) for found in rounds.values()]
    finally:
        load.stop_server(server)
        load.stop_server(baseline)
        load.stop_server(untraced)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    load.server_options(parser)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1, help="run every endpoint this many "
                        "times, in turn, and report the medians")  # fmt: skip
    parser.add_argument("--only", nargs="+", default=[], help="only names with these words")
    parser.add_argument("--users", type=int, default=1, help="consumers whose cookies the "
                        "consumer pages rotate through, one per request")  # fmt: skip
    parser.add_argument("--code", type=Path, help="run Outcry from this checkout (e.g. an older "
                        "commit: git worktree or git archive) with this virtualenv")  # fmt: skip
    args = parser.parse_args()
    if args.code:
        load.CODE = args.code.resolve()
    args.port = args.port or load.free_port()
    results = run(args)
    print()
    print(load.table(results))
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=2))


if __name__ == "__main__":
    main()
