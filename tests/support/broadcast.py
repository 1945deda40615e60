"""Broadcast helpers: a fixed clock, a worker that posts what is due, fake networks, the local
PDS's posts, and the broadcaster pointed at it."""

import html
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import Engine
from sqlmodel import Session

from app.broadcast import delivery, schedule
from app.broadcast.bluesky import COLLECTION
from app.broadcast.fake import FakeAdapter
from app.complaints import service as complaints
from app.config import get_settings
from app.jobs.queue import claim, finish
from app.models.company import Company
from app.models.complaint import Complaint, ResolutionType
from app.models.user import User
from tests.support.factories import make_complaint, make_rep, make_user
from tests.support.pds_fixture import Pds

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


async def run_due(db: Session, now: datetime) -> int:
    """Be the worker at ``now``: post every due broadcast job."""
    done = 0
    while job := claim(session=db, kinds=[delivery.KIND], now=now):
        outcome = await delivery.publish_job(job, lambda: nullcontext(db), now=now)
        finish(session=db, job=job, outcome=outcome, started_at=now, now=now)
        done += 1
    return done


def texts(fake: FakeAdapter) -> list[str]:
    return [rendered.text for _, rendered in fake.posts.values()]


def opted_in(db: Session, **overrides) -> Complaint:
    return make_complaint(db, now=T0, broadcast_opt_in=True, **overrides)


def resolve(db: Session, complaint: Complaint, at: datetime) -> None:
    rep = make_rep(db, db.get(Company, complaint.company_id))
    complaints.resolve(
        session=db,
        complaint=complaint,
        rep=db.get(User, rep.user_id),
        resolution_type=ResolutionType.MONETARY,
        now=at,
    )


def confirm(db: Session, complaint: Complaint, at: datetime) -> None:
    author = db.get(User, complaint.author_id)
    complaints.confirm(session=db, complaint=complaint, user=author, now=at)


@pytest.fixture
def fake_bluesky(monkeypatch: pytest.MonkeyPatch) -> None:
    """The network the scheduler queues for (each worker below brings its own adapter)."""
    monkeypatch.setattr(delivery, "_cache", {"bluesky": FakeAdapter("bluesky")})


class Worker:
    """One worker process: its engine and its own adapters (as `outcry worker` creates them)."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine, self.fake = engine, FakeAdapter("bluesky")
        self.name = name

    def open(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    async def run_due(self, now: datetime, *, limit: int = 1000) -> int:
        """Post every due broadcast job at ``now`` (at most ``limit``)."""
        saved = delivery._cache
        delivery._cache = {"bluesky": self.fake}
        done = 0
        try:
            with self.open() as session:
                while done < limit and (
                    job := claim(session=session, kinds=[delivery.KIND], now=now)
                ):
                    session.commit()  # claimed: the lease is everyone's to see
                    outcome = await delivery.publish_job(job, self.open, now=now)
                    finish(session=session, job=job, outcome=outcome, started_at=now, now=now)
                    session.commit()
                    done += 1
        finally:
            delivery._cache = saved
        return done


def backlog(engine: Engine, count: int, now: datetime) -> None:
    with Session(engine) as session:
        author = make_user(session)
        for n in range(count):
            filed = now - timedelta(days=7, hours=1)  # the 7-day milestone, an hour ago
            make_complaint(session, author, now=filed, broadcast_opt_in=True, title=f"Queued {n}")
        session.commit()
        assert len(schedule.scan(session=session, now=now)) == count
        session.commit()


@pytest_asyncio.fixture(loop_scope="function")  # the test's own loop owns the adapter's sockets
async def broadcaster(pds: Pds, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """The broadcaster as configured in production, pointed at the local PDS's outcry.test."""
    monkeypatch.setenv("OUTCRY_BLUESKY_SERVICE_URL", pds.url)
    monkeypatch.setenv("OUTCRY_BLUESKY_HANDLE", pds.broadcaster.handle)
    monkeypatch.setenv("OUTCRY_BLUESKY_APP_PASSWORD", pds.broadcaster.app_password)
    monkeypatch.setenv("OUTCRY_BROADCAST_WEBHOOK_URLS", "[]")
    monkeypatch.delenv("OUTCRY_MASTODON_BASE_URL", raising=False)
    monkeypatch.delenv("OUTCRY_BLUESKY_SESSION_FILE", raising=False)
    get_settings.cache_clear()
    monkeypatch.setattr(delivery, "_cache", None)  # built from the settings above on first use
    # The database is wiped between tests but the PDS is not: complaint ids repeat, so each test
    # gets record keys of its own (or a post would adopt an earlier test's record).
    run, record_key = uuid.uuid4().hex[:8], schedule.record_key
    monkeypatch.setattr(schedule, "record_key", lambda *key: f"{record_key(*key)}:{run}")
    try:
        yield
    finally:
        for adapter in (delivery._cache or {}).values():
            await adapter.aclose()
        get_settings.cache_clear()  # the next test gets the environment monkeypatch restores


def all_posts(pds: Pds) -> list[dict]:
    records, cursor = [], None
    while True:
        page = httpx.get(
            f"{pds.url}/xrpc/com.atproto.repo.listRecords",
            params={"repo": pds.broadcaster.did, "collection": COLLECTION, "limit": 100}
            | ({"cursor": cursor} if cursor else {}),
        ).json()
        records += page["records"]
        if not (cursor := page.get("cursor")) or not page["records"]:
            return records


TOKEN = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"


# GET /api/v2/instance, as Mastodon 4.2 answers it (the parts the adapter reads, and a few more).
INSTANCE = {
    "domain": "mastodon.example",
    "title": "Mastodon",
    "version": "4.2.10",
    "configuration": {
        "urls": {"streaming": "wss://mastodon.example"},
        "accounts": {"max_featured_tags": 10},
        "statuses": {
            "max_characters": 500,
            "max_media_attachments": 4,
            "characters_reserved_per_url": 23,
        },
    },
    "registrations": {"enabled": False, "approval_required": False, "message": None},
}


def linkified(text: str) -> str:
    """Links as Mastodon 4.x writes them into a status's HTML content."""
    return re.sub(
        r"https?://\S+",
        lambda m: (
            f'<a href="{html.escape(m.group())}" rel="nofollow noopener" target="_blank">'
            f"{html.escape(m.group())}</a>"
        ),
        text,
    )


class FakeMastodon:
    """Keeps statuses, honours Idempotency-Key like Mastodon (same key → the first status)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.statuses: dict[str, dict] = {}
        self.by_key: dict[str, str] = {}
        self.answers: list[httpx.Response] = []  # canned answers, used first
        self.instance = INSTANCE  # what GET /api/v2/instance answers
        self.instance_reads = 0
        self.created = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/instance":  # read once per adapter, kept out of the log
            self.instance_reads += 1
            return httpx.Response(200, json=self.instance)
        self.requests.append(request)
        if self.answers:
            return self.answers.pop(0)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"error": "The access token is invalid"})
        if request.method == "POST" and request.url.path == "/api/v1/statuses":
            body = json.loads(request.content)
            key = request.headers.get("Idempotency-Key")
            if key in self.by_key:
                return httpx.Response(
                    200, json=self.statuses[self.by_key[key]], headers=rate_headers()
                )
            self.created += 1  # ids never repeat, deleted or not
            status_id = str(113000000000000000 + self.created - 1)
            status = status_json(status_id, body["status"], body.get("in_reply_to_id"))
            self.statuses[status_id] = status
            if key:
                self.by_key[key] = status_id
            return httpx.Response(200, json=status, headers=rate_headers())
        if request.url.path == "/api/v1/accounts/verify_credentials":
            return httpx.Response(200, json={"id": "109348256434233232", "acct": "outcry"})
        if request.url.path == "/api/v1/accounts/109348256434233232/statuses":
            newest = sorted(self.statuses.values(), key=lambda s: s["id"], reverse=True)
            return httpx.Response(200, json=newest[: int(request.url.params["limit"])])
        if request.method == "DELETE" and request.url.path.startswith("/api/v1/statuses/"):
            status_id = request.url.path.rsplit("/", 1)[1]
            if status_id not in self.statuses:
                return httpx.Response(404, json={"error": "Record not found"})
            return httpx.Response(200, json=self.statuses.pop(status_id))
        return httpx.Response(404, json={"error": "Record not found"})


BASE = "https://mastodon.example"


def rate_headers(remaining: int = 299, reset: datetime | None = None) -> dict[str, str]:
    reset = reset or datetime.now(UTC) + timedelta(minutes=5)
    return {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }


def status_json(status_id: str, text: str, in_reply_to_id: str | None = None) -> dict:
    """A status as POST /api/v1/statuses returns it (Mastodon 4.x)."""
    return {
        "id": status_id,
        "created_at": "2026-11-23T08:30:00.000Z",
        "in_reply_to_id": in_reply_to_id,
        "in_reply_to_account_id": "109348256434233232" if in_reply_to_id else None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"{BASE}/users/outcry/statuses/{status_id}",
        "url": f"{BASE}/@outcry/{status_id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": None,
        "content": f"<p>{linkified(text)}</p>",
        "reblog": None,
        "application": {"name": "Outcry", "website": None},
        "account": {
            "id": "109348256434233232",
            "username": "outcry",
            "acct": "outcry",
            "display_name": "Outcry",
            "url": f"{BASE}/@outcry",
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }
