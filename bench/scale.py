"""Cost as data grows, and memory over many requests.

    .venv/bin/python bench/scale.py --small sqlite:///bench/10k.db --large sqlite:///bench/1m.db
    .venv/bin/python bench/scale.py --memory sqlite:///bench/10k.db --requests 1000000

Scaling: starts one server per database, side by side (each after ``outcry stats refresh``, which
the caller runs), and times every page type (home, the busiest and a typical company, search for a
common word, a rare word, a phrase and with filters, a complaint, the leaderboard, statistics, the
reps' queue of the busiest company, the API lists), signed in and as an anonymous first view, one
request at a time, alternating between the two servers (no concurrency, so the figure is the
page's own cost; alternation, so the machine's drifting load weighs on both alike); prints the
median and p90 and the large/small ratios.

Memory: one uvicorn worker, RSS after a warm-up and then after every minute of a run of requests
over about 3,400 distinct public URLs (wrk; 90% of them to 40 hot URLs, as in a spike), and
the growth in percent.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # bench/load.py: server start, wrk, targets


def _timed(port: int, path: str, headers: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    status, _, _ = load.get(port, path, headers)
    if status != 200:
        raise SystemExit(f"{path} answered {status}")
    return (time.perf_counter() - started) * 1000


def scale_targets(url: str) -> dict[str, str]:
    """The busiest company (generate.py's company 1, whose owner is rep0), a typical one (the
    median company by id: Zipf ranks follow ids), a complaint with a long timeline, and a word
    only one complaint has (its number, in its title)."""
    from sqlalchemy import create_engine, text

    found = load.pick_targets(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM company")).scalar_one()
        busiest, name = conn.execute(text("SELECT slug, name FROM company WHERE id = 1")).one()
        typical = conn.execute(
            text("SELECT slug FROM company WHERE id = :id"), {"id": max(1, n // 2)}
        ).scalar_one()
    engine.dispose()
    return {**found, "busiest": busiest, "typical": typical, "busiest_name": name}


def scale_pages(t: dict[str, str]) -> dict[str, str]:
    busy = t["busiest"]
    return {
        "home": "/",
        "company, busiest": f"/companies/{busy}",
        "company, busiest, older page": f"/companies/{busy}?page=5",
        "company, typical": f"/companies/{t['typical']}",
        "search, common word": "/search?q=refund",
        "search, rare word": f"/search?q={t['complaint']}",
        "search, phrase": "/search?q=%22refund+never+arrived%22",
        "search, with filters": f"/search?q=refund&state=open&company={busy}",
        "search, filters only": "/search?state=disputed&category=billing",
        **search_variants(t),
        "complaint": f"/complaints/{t['complaint']}",
        "leaderboard": "/leaderboards",
        "company statistics": f"/companies/{busy}/stats",
        "reps' queue, busiest": f"/dashboard/{busy}",
        "API list": "/api/v1/complaints?limit=20",
        "API list, company": f"/api/v1/complaints?limit=20&company={busy}",
        "API search": "/api/v1/complaints?limit=20&q=refund",
    }


def search_variants(t: dict[str, str]) -> dict[str, str]:
    """Every other way /search reads (query syntax, the company box's name, prefix and typo
    matching, the filters), each as a reader would type it."""
    busy, name = t["busiest"], t["busiest_name"]
    first, rest = name.split(" ", 1)
    typo = quote_plus(first[0] + first[2] + first[1] + first[3:] + " " + rest)  # two swapped
    return {
        "search, prefix": "/search?q=refun%2A",
        "search, OR": "/search?q=parcel+OR+outage",
        "search, exclusion": "/search?q=charged+-twice+OR+wrong+-refund",
        "search, later page": "/search?q=refund&page=5",
        "search, names a company": f"/search?q={quote_plus(first.lower())}",
        "search, company by name start": f"/search?q=refund&company={quote_plus(name[:-2])}",
        "search, company misspelt": f"/search?q=refund&company={typo}",
        "search, category and company": f"/search?category=billing&company={busy}",
        "search, overdue": "/search?overdue=1",
        "search, word and overdue": "/search?q=refund&overdue=1",
        "search, industry": "/search?q=refund&industry=other",
        "search, dates": "/search?q=refund&from=2026-06-01&to=2026-06-30",
        "search, dates only": "/search?from=2026-06-01&to=2026-06-30&state=open",
        "API search, filters": f"/api/v1/complaints?limit=20&q=refund&state=open&company={busy}",
        "API search, phrase": "/api/v1/complaints?limit=20&q=%22refund+never+arrived%22",
    }


def _first_view(path: str) -> str:
    # A query string no one else sends misses every per-process copy: the cost of the first
    # view after a change (validators, queries and rendering).
    return path + ("&" if "?" in path else "?") + "v={n}"


def time_pages(
    small_url: str, large_url: str, repeat: int, only: str = "", port: int = 0
) -> dict[str, dict[str, dict]]:
    """Both servers run side by side and each request to one is followed by the same request to
    the other, so whatever else the machine does weighs on both alike (a shared machine's load
    drifts by more than the difference being measured). Every page signed in (as consumer0;
    the reps' queue as rep0, the busiest company's owner) and as an anonymous first view."""
    servers, pages, cookies = {}, {}, {}
    try:
        for n, (size, url) in enumerate((("small", small_url), ("large", large_url))):
            targets = scale_targets(url)
            at = port + n if port else load.free_port()
            servers[size] = (at, load.start_server(url, at, 1))
            consumer, _ = load.login(at, "consumer0@bench.example")
            rep, _ = load.login(at, "rep0@bench.example")
            # As right after a change of theirs (sessions.wrote_cookie_name): each signed-in
            # view computes its validator instead of taking the one remembered a moment ago.
            wrote = "; outcry_wrote=1"
            cookies[size] = {"consumer": consumer.split(";")[0] + wrote,
                             "rep": rep.split(";")[0] + wrote}  # fmt: skip
            pages[size] = {}
            for name, path in scale_pages(targets).items():
                if only not in name:
                    continue
                who = "rep" if name.startswith("reps'") else "consumer"
                pages[size][f"{name}, signed in"] = (path, who)
                if who == "consumer":
                    pages[size][f"{name}, first view"] = (_first_view(path), None)
                else:  # the reps' pages are kept per company version: a new address computes
                    pages[size][f"{name}, first view"] = (_first_view(path), who)
        out: dict[str, dict[str, dict]] = {}
        for name in pages["small"]:
            times: dict[str, list[float]] = {"small": [], "large": []}
            for n in range(-3, repeat):  # three to warm up: caches filled, pages rendered once
                for size in times:
                    path, who = pages[size][name]
                    headers = {"Cookie": cookies[size][who]} if who else None
                    took = _timed(servers[size][0], path.format(n=n), headers)
                    if n >= 0:
                        times[size].append(took)
            out[name] = {
                size: {
                    "median_ms": statistics.median(t),
                    "p90_ms": sorted(t)[int(len(t) * 0.9) - 1],
                }
                for size, t in times.items()
            }
            s, b = out[name]["small"], out[name]["large"]
            print(f"| {name} | {s['median_ms']:.1f} | {b['median_ms']:.1f} | "
                  f"{b['median_ms'] / s['median_ms']:.2f} | {s['p90_ms']:.1f} | "
                  f"{b['p90_ms']:.1f} | {b['p90_ms'] / s['p90_ms']:.2f} |", flush=True)  # fmt: skip
    finally:
        for _, server in servers.values():
            load.stop_server(server)
    return out


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


HOT_URLS = 40


def memory_paths(url: str) -> list[str]:
    """Many distinct public URLs, so every per-process cache (ETag memo, rendered pages, chart
    data, SQLAlchemy's statements) fills to its bound during the warm-up."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text(
            "SELECT id FROM complaint WHERE visibility = 'public' ORDER BY id LIMIT 3000"))]  # fmt: skip
        slugs = [r[0] for r in conn.execute(text("SELECT slug FROM company ORDER BY id LIMIT 400"))]
    engine.dispose()
    words = ["refund", "router", "parcel", "engineer", "contract", "meter", "boiler", "flight"]
    paths = [f"/complaints/{i}" for i in ids]
    paths += [f"/companies/{s}" for s in slugs] + [f"/companies/{s}/stats" for s in slugs[:200]]
    paths += [f"/api/v1/complaints?limit=20&offset={20 * n}" for n in range(100)]
    paths += [f"/leaderboards?window={w}&sort={k}" for w in ("90d", "12m", "all")
              for k in ("confirmed", "timely", "response", "filed")]  # fmt: skip
    paths += [f"/search?q={w}&page={n}" for w in words for n in range(1, 6)]
    paths += ["/", "/companies", "/feeds/complaints.atom", f"/companies/{slugs[0]}/feed.atom"]
    # Traffic is skewed, as on a real site during a spike: HOT_URLS get --hot-share of requests.
    pages = len(ids)
    hot = ["/", "/leaderboards", "/api/v1/complaints?limit=20&offset=0", *paths[:20],
           *paths[pages : pages + 10], *paths[pages + len(slugs) : pages + len(slugs) + 4],
           "/leaderboards?window=all&sort=confirmed", "/leaderboards?window=90d&sort=timely"]  # fmt: skip
    return hot[:HOT_URLS] + [p for p in paths if p not in hot[:HOT_URLS]]


def memory(url: str, requests: int, connections: int, warm_up: int, hot_share: float) -> dict:
    """RSS of the one worker process after ``warm_up`` requests, then sampled every minute of
    requests until ``requests`` more have been served."""
    binary = load.ensure_wrk()
    port = load.free_port()
    paths = memory_paths(url)
    server = load.start_server(url, port, 1)
    script = (
        "local paths = {" + ", ".join(json.dumps(p) for p in paths) + "}\n"
        "request = function()\n"
        f"  local n = math.random() < {hot_share} and {HOT_URLS} or #paths\n"
        "  return wrk.format('GET', paths[math.random(n)])\n"
        "end\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    samples: list[tuple[int, float]] = []
    served = errors = 0
    try:
        # Every URL once first: the warm-up then fills the per-process caches to their bounds
        # whatever the traffic mix (at 99% hot, 50,000 requests reach only ~500 tail URLs).
        for path in paths:
            load.get(port, path)
        served = len(paths)
        while served < warm_up:
            run = load.wrk(binary, port, "/", seconds=30, connections=connections, threads=1,
                           script=f.name)  # fmt: skip
            served += run["requests"]
        start, done = rss_kib(server.pid), 0
        samples.append((0, round(start / 1024, 1)))
        while done < requests:
            run = load.wrk(binary, port, "/", seconds=60, connections=connections, threads=1,
                           script=f.name)  # fmt: skip
            done += run["requests"]
            errors += run["errors"]
            samples.append((done, round(rss_kib(server.pid) / 1024, 1)))
            print(f"{done:>9} requests: RSS {samples[-1][1]} MiB", flush=True)
    finally:
        os.unlink(f.name)
        load.stop_server(server)
    peak = max(mib for _, mib in samples)
    return {
        "distinct_urls": len(paths),
        "hot_share": hot_share,
        "warm_up_requests": served,
        "requests": done,
        "errors": errors,
        "rss_start_mib": samples[0][1],
        "rss_end_mib": samples[-1][1],
        "rss_peak_mib": peak,
        "growth_percent": round((samples[-1][1] - samples[0][1]) / samples[0][1] * 100, 1),
        "peak_growth_percent": round((peak - samples[0][1]) / samples[0][1] * 100, 1),
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", help="URL of the 10 thousand complaint database")
    parser.add_argument("--large", help="URL of the large database")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--only", default="", help="only the pages whose names hold this text")
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="the small server's port (the large one's is the next); default: free",
    )
    parser.add_argument("--code", help="run this checkout's code (an older commit: before/after)")
    parser.add_argument("--memory", help="URL to run the memory test against")
    parser.add_argument("--requests", type=int, default=1_000_000, help="of the memory run")
    parser.add_argument("--warm-up", type=int, default=100_000, help="requests before measuring")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--hot-share", type=float, default=0.9,
                        help="share of the memory run's requests to the 40 hot URLs")  # fmt: skip
    args = parser.parse_args()
    if args.code:
        load.CODE = Path(args.code).resolve()
    if args.small and args.large:
        print(
            "| page | small median ms | large median ms | ratio | small p90 | large p90 | ratio |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        time_pages(args.small, args.large, args.repeat, args.only, args.port)
    if args.memory:
        found = memory(args.memory, args.requests, args.connections, args.warm_up, args.hot_share)
        print(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
