"""Latency at a fixed request rate: each page's tail when the machine is not saturated.

    .venv/bin/python bench/tail.py --url sqlite:///bench/10k.db --rate 200 400

bench/load.py drives each endpoint as fast as it answers (wrk: each of 64 connections sends its
next request as soon as the last is answered), so the processes run flat out on the two cores
they share with wrk and the database, and its p99 is mostly queueing: the plain-text endpoint's
own p99 is hundreds of milliseconds there. This script sends requests on a fixed schedule
(``--rate`` a second, evenly spaced) over a pool of 64 keep-alive connections, and times each
from when it was *due*, not from when a connection was free to send it: a request that waited
because the server was slow is counted as late (no coordinated omission, as in wrk2). So p99 is
what a visitor would see at that rate; "achieved" below the asked rate means the server could
not keep up. The client is asyncio on raw sockets (about 0.1 ms of CPU a request), in this
process, on the same two cores.
"""

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # bench/load.py: server start, targets


async def _open(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def _exchange(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes) -> int:
    reader, writer = conn
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def fixed_rate(port: int, path: str, *, rate: int, seconds: float, connections: int,
                     headers: dict[str, str] | None = None) -> dict:  # fmt: skip
    """Send ``rate`` requests a second for ``seconds``; latencies counted from each due time."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()
    idle: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await _open(port))
    latencies: list[float] = []
    errors = 0

    async def one(due: float) -> None:
        nonlocal errors
        conn = await idle.get()
        try:
            status = await _exchange(conn, request)
            if status >= 400:
                errors += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            conn[1].close()
            conn = await _open(port)
        latencies.append(time.perf_counter() - due)
        idle.put_nowait(conn)

    total = int(rate * seconds)
    start = time.perf_counter() + 0.05
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    while not idle.empty():
        idle.get_nowait()[1].close()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {"achieved": total / elapsed, "p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99),
            "max": latencies[-1] * 1000, "requests": total, "errors": errors}  # fmt: skip


def run(args: argparse.Namespace) -> list[dict]:
    targets = load.pick_targets(args.url)
    server = load.start_server(args.url, args.port, args.workers)
    company = f"/companies/{targets['company']}"
    pages = [
        ("plain text (baseline)", "/bench/plain"),
        ("minimal db page (baseline)", "/bench/minimal"),
        ("home", "/"),
        ("complaint", f"/complaints/{targets['complaint']}"),
        ("company", company),
        ("leaderboard", "/leaderboards"),
        ("company stats", f"{company}/stats"),
        ("API list", "/api/v1/complaints?limit=20"),
    ]
    results = []
    try:
        for rate in args.rate:
            for name, path in pages:
                _, headers, _ = load.get(args.port, path)  # warm up
                runs = [(name, {})]
                if args.repeat_visits and headers.get("etag") and path != "/bench/minimal":
                    runs.append((f"{name} 304", {"If-None-Match": headers["etag"]}))
                for label, sent in runs:
                    # Warm: both workers have rendered the page and filled their caches (a
                    # worker's first render of a page is its own cost, in load.py and scale.py).
                    asyncio.run(fixed_rate(args.port, path, rate=rate, seconds=args.warm_up,
                                           connections=args.connections, headers=sent))  # fmt: skip
                    r = asyncio.run(fixed_rate(args.port, path, rate=rate, seconds=args.seconds,
                                               connections=args.connections, headers=sent))  # fmt: skip
                    results.append({"name": label, "path": path, "asked": rate, **r})
                    print(table(results[-1:]).splitlines()[-1], flush=True)
    finally:
        load.stop_server(server)
    return results


def table(results: list[dict]) -> str:
    lines = ["| endpoint | asked req/s | achieved | p50 ms | p90 ms | p99 ms | max ms | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in results:
        lines.append(f"| {r['name']} `{r['path']}` | {r['asked']:,} | {r['achieved']:,.0f} | "
                     f"{r['p50']:.1f} | {r['p90']:.1f} | {r['p99']:.1f} | {r['max']:.0f} | "
                     f"{r['errors']} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    load.server_options(parser)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warm-up", type=float, default=2, help="seconds at the rate, not timed")
    parser.add_argument("--rate", type=int, nargs="+", default=[200], help="requests/second")
    parser.add_argument("--repeat-visits", action="store_true", help="also 304 runs (ETag)")
    args = parser.parse_args()
    args.port = args.port or load.free_port()
    results = run(args)
    print()
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
