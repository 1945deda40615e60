"""The reps' queue at 10,000 complaints for one company (signed in, p50/p99 per view), and webhook
delivery latency (an API reply's response to the receiver having the POST).

    .venv/bin/python bench/rep_queue.py --url sqlite:///bench/queue10k.db
    .venv/bin/python bench/rep_queue.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_queue

Runs the app in-process (TestClient) with rate limits off; the worker is drained after each reply,
so the latency excludes the worker's polling pause.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import BENCH_PASSWORD, generate

VIEWS = {
    "open, due first": {},
    "at risk": {"queue": "at_risk"},
    "everything": {"queue": "all"},
    "everything, newest": {"queue": "all", "sort": "newest"},
    "search: a word": {"queue": "all", "q": "refund"},
    "search: a consumer's name": {"queue": "all", "q": "Consumer 17"},
    "open, page 20": {"page": "20"},
}


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def check(response, status: int) -> None:
    if response.status_code != status:
        raise SystemExit(f"{response.status_code}: {response.text[:500]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="sqlite:///bench/queue10k.db")
    parser.add_argument("--complaints", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--deliveries", type=int, default=50)
    parser.add_argument("--reuse", action="store_true", help="keep the generated database")
    args = parser.parse_args()
    if not args.reuse:
        generate(args.url, args.complaints, 1)
    os.environ.update(
        OUTCRY_DATABASE_URL=args.url,
        OUTCRY_ENVIRONMENT="test",
        OUTCRY_RATELIMIT_ENABLED="false",
        OUTCRY_SECRET_KEY="bench-only-" + "k" * 40,
    )
    from fastapi.testclient import TestClient
    from sqlmodel import Session, select

    from app.db import get_engine
    from app.integrations import tokens, webhooks
    from app.jobs.worker import drain
    from app.main import create_app
    from app.models.company import Company
    from app.models.complaint import Complaint
    from app.models.membership import CompanyMember
    from app.models.user import User
    from tests.support.forms import post_form
    from tests.support.http_receiver import serve

    engine = get_engine()
    with Session(engine, expire_on_commit=False) as db:
        company = db.exec(select(Company)).one()
        member = db.exec(select(CompanyMember)).first()
        rep = db.get(User, member.user_id)
        total = len(db.exec(select(Complaint.id).where(Complaint.company_id == company.id)).all())
    print(f"{total} complaints for {company.name}; {args.url.split('://')[0]}")
    with TestClient(create_app(), raise_server_exceptions=True) as client:
        post_form(client, "/login", {"email": rep.email, "password": BENCH_PASSWORD})
        print("| View | p50 ms | p99 ms |\n|---|---|---|")
        for name, params in VIEWS.items():
            for _ in range(3):
                check(client.get(f"/dashboard/{company.slug}", params=params), 200)
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                client.get(f"/dashboard/{company.slug}", params=params)
                times.append((time.perf_counter() - start) * 1000)
            print(f"| {name} | {statistics.median(times):.1f} | {pct(times, 0.99):.1f} |")

        with serve() as receiver, Session(engine, expire_on_commit=False) as db:
            webhooks.create(
                session=db,
                company=company,
                owner=rep,
                url=receiver.url("/hook"),
                events=list(webhooks.EVENTS),
            )
            _, raw = tokens.create(session=db, company=company, owner=rep, name="bench")
            ids = db.exec(
                select(Complaint.id)
                .where(Complaint.company_id == company.id, Complaint.state == "open")
                .limit(args.deliveries)
            ).all()
            db.commit()
            latencies = []
            for complaint_id in ids:
                response = client.post(
                    f"/api/v1/company/complaints/{complaint_id}/replies",
                    json={"body": "Looking into this now."},
                    headers={"Authorization": f"Bearer {raw}"},
                )
                start = time.perf_counter()
                check(response, 201)
                asyncio.run(drain(engine=engine, kinds=[webhooks.KIND]))
                latencies.append((time.perf_counter() - start) * 1000)
            if len(receiver.requests) != len(ids):
                raise SystemExit(f"{len(receiver.requests)} deliveries for {len(ids)} replies")
            print(
                f"webhook delivery, reply committed to receiver answered ({len(ids)} replies, one "
                f"delivery each): p50 {statistics.median(latencies):.1f} ms, "
                f"p99 {pct(latencies, 0.99):.1f} ms"
            )


if __name__ == "__main__":
    main()
