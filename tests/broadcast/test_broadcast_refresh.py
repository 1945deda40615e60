"""Live posts follow the complaint's text: a redaction rule re-applied by the automatic
``redaction.reapply`` job refreshes them. Mastodon 3.5+ edits each status in place (PUT
/api/v1/statuses/:id: same id, same thread); an older instance gets delete and re-post, as
Bluesky always does.

Mastodon is a real HTTP server on loopback (port 8200-8299) answering with the responses
recorded in tests/broadcast/test_broadcast_mastodon.py (Mastodon 4.x shapes), plus PUT as Mastodon
answers it: the status with its new content and ``edited_at``.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import nullcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import pytest_asyncio
from sqlmodel import Session, select

from app.broadcast import delivery, refresh, schedule
from app.broadcast.fake import FakeAdapter
from app.broadcast.mastodon import MastodonAdapter, edits_statuses
from app.clock import utcnow
from app.jobs.queue import claim, finish
from app.models.broadcast import Broadcast, BroadcastStatus
from app.redaction import rules
from app.redaction import service as redaction
from tests.support.broadcast import INSTANCE, T0, TOKEN, FakeMastodon, day, linkified, run_due
from tests.support.factories import make_complaint, make_user

TITLE = "Agent Alex Moreno charged me twice for August"
AGENT = r"\bAgent (?:Sam|Alex) [A-Z][a-z]+"


class RecordedMastodon(FakeMastodon):
    """The recorded Mastodon, at a given version: PUT edits from 3.5 on (before, no such route);
    before 4.0 there is no /api/v2/instance."""

    def __init__(self, version: str) -> None:
        super().__init__()
        self.version = version

    def __call__(self, request: httpx.Request) -> httpx.Response:
        major = int(self.version.split(".")[0])
        if request.url.path == "/api/v2/instance" and major < 4:
            return httpx.Response(404, json={"error": "Record not found"})
        if request.url.path in ("/api/v2/instance", "/api/v1/instance"):
            self.instance_reads += 1
            return httpx.Response(200, json={**INSTANCE, "version": self.version})
        if request.method == "PUT" and request.url.path.startswith("/api/v1/statuses/"):
            self.requests.append(request)
            status_id = request.url.path.rsplit("/", 1)[1]
            if tuple(int(p) for p in self.version.split(".")[:2]) < (3, 5):
                return httpx.Response(404, json={"error": "Record not found"})  # no such route
            if status_id not in self.statuses:
                return httpx.Response(404, json={"error": "Record not found"})
            status = self.statuses[status_id]
            status["content"] = f"<p>{linkified(json.loads(request.content)['status'])}</p>"
            status["edited_at"] = "2026-11-24T10:00:00.000Z"
            return httpx.Response(200, json=status)
        return super().__call__(request)


class Server:
    """A real HTTP server on loopback in front of a RecordedMastodon."""

    def __init__(self, fake: RecordedMastodon) -> None:
        self.fake = fake
        handler = self._handler()
        for port in range(8200, 8300):
            try:
                self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
                break
            except OSError:
                continue
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = httpx.Request(
                    self.command,
                    f"{server.url}{self.path}",
                    headers=list(self.headers.items()),
                    content=body,
                )
                answer = server.fake(request)
                content = answer.read()
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = serve

            def log_message(self, *_args: object) -> None:  # quiet
                return None

        return Handler

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(params=["4.2.10", "3.4.1"])
def mastodon_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    server = Server(RecordedMastodon(request.param))
    yield server
    server.stop()


@pytest_asyncio.fixture(loop_scope="function")
async def networks(
    mastodon_server: Server, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, object]]:
    adapters = {
        "bluesky": FakeAdapter("bluesky"),
        "mastodon": MastodonAdapter(base_url=mastodon_server.url, access_token=TOKEN),
    }
    monkeypatch.setattr(delivery, "_cache", adapters)
    yield adapters
    await adapters["mastodon"].aclose()


async def run_refreshes(db: Session) -> int:
    done = 0
    while job := claim(session=db, kinds=[refresh.KIND], now=utcnow()):
        outcome = await refresh.refresh_job(job, lambda: nullcontext(db))
        assert outcome.ok, outcome.detail
        finish(session=db, job=job, outcome=outcome, started_at=T0, now=T0)
        done += 1
    return done


async def test_a_redaction_rule_reapplied_updates_the_live_posts(
    db: Session, networks: dict, mastodon_server: Server, client
) -> None:
    complaint = make_complaint(db, now=T0, broadcast_opt_in=True, title=TITLE)
    for days in (7, 14):  # two posts: a thread of two on each network
        schedule.scan(session=db, now=day(days))
        await run_due(db, day(days))
    fake = mastodon_server.fake
    before = {s["id"]: s["in_reply_to_id"] for s in fake.statuses.values()}
    assert len(before) == 2 and all("Alex Moreno" in s["content"] for s in fake.statuses.values())
    rows = db.exec(select(Broadcast).where(Broadcast.network == "mastodon")).all()
    ids_before = sorted(row.remote_id for row in rows)
    sent_before = len(fake.requests)

    admin = make_user(db, is_admin=True)
    rules.create(session=db, admin=admin, pattern=AGENT, replacement="[staff]", reason="staff")
    redaction.reapply(session=db)  # what the "redaction.reapply" job does, batch by batch
    assert complaint.title == "[staff] charged me twice for August"
    assert await run_refreshes(db) == 2  # one per network

    statuses = list(fake.statuses.values())
    assert len(statuses) == 2
    assert all("[staff] charged me twice" in s["content"] for s in statuses)
    assert not any("Alex Moreno" in s["content"] for s in statuses)
    calls = [(r.method, r.url.path) for r in fake.requests[sent_before:]]
    if mastodon_server.fake.version >= "3.5":
        # Edited in place: the same statuses, the same thread, nothing deleted or posted anew.
        assert {s["id"]: s["in_reply_to_id"] for s in statuses} == before
        assert [m for m, _ in calls] == ["PUT", "PUT"]
        assert all(s["edited_at"] for s in statuses)
    else:
        # No edit on this instance: each post again, in the same thread position, old ones gone.
        assert set(before).isdisjoint(s["id"] for s in statuses)
        assert sorted(m for m, _ in calls if m != "GET") == ["DELETE", "DELETE", "POST", "POST"]
        first, second = sorted(statuses, key=lambda s: s["id"])
        assert first["in_reply_to_id"] is None and second["in_reply_to_id"] == first["id"]
    for row in db.exec(select(Broadcast)).all():
        db.refresh(row)
        assert row.status == BroadcastStatus.POSTED
        assert "[staff] charged me twice" in row.text and "Alex Moreno" not in row.text
    rows = db.exec(select(Broadcast).where(Broadcast.network == "mastodon")).all()
    same_ids = sorted(row.remote_id for row in rows) == ids_before
    assert same_ids == (mastodon_server.fake.version >= "3.5")
    bluesky = [rendered.text for _, rendered in networks["bluesky"].posts.values()]
    assert len(bluesky) == 2 and all("[staff]" in text for text in bluesky)
    page = client.get("/broadcasts").text
    assert "[staff] charged me twice" in page and "Alex Moreno" not in page


@pytest.mark.parametrize(
    ("version", "edits"),
    [
        ("4.2.10", True),
        ("3.5.0", True),
        ("4.3.0+glitch", True),
        ("3.4.1", False),
        ("2.7.2 (compatible; Pleroma 2.5.0)", False),
        ("", False),
    ],
)
def test_which_instances_edit_in_place(version: str, edits: bool) -> None:
    assert edits_statuses(version) is edits
