"""What a browser does against a cluster: log in, take a CSRF token, file complaints by the API."""

import json
import re
import time
import uuid

import httpx
from sqlmodel import Session

from app.accounts import service as accounts
from app.clock import utcnow
from app.jobs.queue import enqueue
from app.models.company import Company

PASSWORD = "correct horse battery staple 42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
WORDS = [
    "router",
    "modem",
    "invoice",
    "refund",
    "parcel",
    "courier",
    "meter",
    "tariff",
    "engineer",
    "voucher",
    "warranty",
    "screen",
    "battery",
    "plan",
    "roaming",
    "contract",
    "deposit",
    "broadband",
    "signal",
    "outage",
    "fee",
    "charge",
]


def seed(engine, *, users: int, companies: int) -> tuple[list[str], list[str]]:
    """Verified consumers (emails) and companies (names) on the cluster's database."""
    emails, names = [], []
    with Session(engine) as session:
        for n in range(users):
            user = accounts.create_user(
                session=session,
                email=f"consumer{n}@example.org",
                password_hash=accounts.hash_password(PASSWORD),
                display_name=f"Consumer {n}",
            )
            user.email_verified_at = utcnow()
            emails.append(user.email)
        for n in range(companies):
            name = f"Cluster Company {n}"
            session.add(Company(name=name, slug=f"cluster-company-{n}"))
            names.append(name)
        session.commit()
    return emails, names


def logged_in(base_url: str, email: str) -> tuple[httpx.Client, str]:
    """A client with a session cookie and the CSRF token bound to that session."""
    client = httpx.Client(base_url=base_url, timeout=30)
    token = CSRF.search(client.get("/login").text).group(1)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert response.status_code == 303, (response.status_code, response.text[-1500:])
    return client, CSRF.search(client.get("/complaints/new").text).group(1)


def complaint_json(company: str, n: int, key: str | None = None) -> dict:
    """Each complaint's text differs, so none is refused as a duplicate of another."""
    rng = uuid.uuid4().int
    words = " ".join(WORDS[(rng >> (5 * i)) % len(WORDS)] for i in range(30))
    return {
        "company_name": company,
        "title": f"Complaint number {n} about {WORDS[n % len(WORDS)]}",
        "body": f"Case {n}-{uuid.uuid4().hex}: {words}.",
        "category": "billing",
        "broadcast_opt_in": True,
        "submission_key": key or uuid.uuid4().hex,
    }


def file(
    client: httpx.Client, csrf: str, data: dict, base_url: str | None = None
) -> httpx.Response:
    url = (base_url or "") + "/api/v1/complaints"
    return client.post(url, json=data, headers={"x-csrf-token": csrf})


def broadcast_env(receiver_url: str) -> dict[str, str]:
    """Post every complaint at once (no grace period, a milestone at day 0) to a local webhook."""
    return {
        "OUTCRY_BROADCAST_GRACE_DAYS": "0",
        "OUTCRY_BROADCAST_MILESTONES": "[0]",
        "OUTCRY_BROADCAST_WEBHOOK_URLS": json.dumps([receiver_url]),
        "OUTCRY_BROADCAST_WEBHOOK_SECRET": "cluster-webhook-secret",
        "OUTCRY_REDIS_URL": "redis://127.0.0.1:6379/13",
        "OUTCRY_RATELIMIT_KEY_PREFIX": f"cluster-{uuid.uuid4().hex[:8]}",
        "OUTCRY_RATE_LIMITS": json.dumps(
            {
                "complaint_user": "1000/hour",
                "complaint_ip": "1000/hour",
                "login_pair": "3/minute",
            }
        ),
        "OUTCRY_BURST_ACCOUNT_DAYS": "0",
    }


def scan_now(engine) -> None:
    """What the hourly scan does, asked for now: a worker queues the posts that are due."""
    with Session(engine) as session:
        enqueue(
            session=session, kind="broadcast.scan", key=f"test-scan:{uuid.uuid4().hex}", payload={}
        )
        session.commit()


def wait_until(condition, timeout: float = 90, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(every)
    raise TimeoutError("condition not met in time")
