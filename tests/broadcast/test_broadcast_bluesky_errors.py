"""How the Bluesky adapter maps a PDS's refusals and failures, with answers shaped like the PDS's
(the real PDS in tests/pds runs without rate limits, so 429s are recorded shapes here)."""

import base64
import json
import time

import httpx
import pytest
import pytest_asyncio

from app.broadcast.base import PermanentError, Post, RateLimited, TemporaryError, outcome_for
from app.broadcast.bluesky import BlueskyAdapter
from app.broadcast.sessions import MemorySessionStore

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


def jwt(payload: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'at+jwt', 'alg': 'HS256'})}.{part(payload)}.c2lnbmF0dXJl"


def session_json() -> dict:
    now = int(time.time())
    return {
        "did": DID,
        "handle": "outcry.test",
        "accessJwt": jwt(
            {"scope": "com.atproto.appPass", "sub": DID, "iat": now, "exp": now + 7200}
        ),
        "refreshJwt": jwt({"scope": "com.atproto.refresh", "sub": DID, "exp": now + 90 * 86400}),
        "active": True,
    }


class FakePds:
    """Logs in (or answers ``login``); answers other calls with whatever the test queued."""

    def __init__(self) -> None:
        self.login: httpx.Response | None = None
        self.answers: list[httpx.Response | Exception] = []
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if request.url.path.endswith("com.atproto.server.createSession"):
            return self.login or httpx.Response(200, json=session_json())
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def pds() -> FakePds:
    return FakePds()


@pytest_asyncio.fixture(loop_scope="function")
async def bluesky(pds: FakePds):
    adapter = BlueskyAdapter(
        service_url="http://pds.invalid",
        handle="outcry.test",
        app_password="app-pass-word",
        transport=httpx.MockTransport(pds),
    )
    yield adapter
    await adapter.aclose()


POST = Post(text="Day 30 and no answer", record_key="complaint-9:day-30")


async def test_429_waits_until_the_ratelimit_reset(bluesky: BlueskyAdapter, pds: FakePds) -> None:
    reset = int(time.time()) + 1800
    pds.answers.append(
        httpx.Response(
            429,
            json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            headers={
                "ratelimit-limit": "5000",
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(reset),
                "ratelimit-policy": "5000;w=3600",
            },
        )
    )

    with pytest.raises(RateLimited) as caught:
        await bluesky.publish(POST)

    assert 1790 < caught.value.retry_after_seconds <= 1800
    assert outcome_for(caught.value).retry_after == caught.value.retry_after_seconds


async def test_a_rate_limited_login_is_rate_limited_too(
    bluesky: BlueskyAdapter, pds: FakePds
) -> None:
    reset = int(time.time()) + 300
    pds.login = httpx.Response(
        429,
        json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        headers={
            "ratelimit-limit": "30",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(reset),
        },
    )

    with pytest.raises(RateLimited) as caught:
        await bluesky.publish(POST)

    assert pds.paths == ["/xrpc/com.atproto.server.createSession"]
    assert 290 < caught.value.retry_after_seconds <= 300


async def test_an_invalid_record_is_permanent(bluesky: BlueskyAdapter, pds: FakePds) -> None:
    pds.answers.append(
        httpx.Response(
            400,
            json={
                "error": "InvalidRequest",
                "message": "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes",
            },
        )
    )

    with pytest.raises(PermanentError, match="300 graphemes") as caught:
        await bluesky.publish(POST)

    assert outcome_for(caught.value).permanent


async def test_a_wrong_app_password_is_permanent(bluesky: BlueskyAdapter, pds: FakePds) -> None:
    pds.login = httpx.Response(
        401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
    )
    with pytest.raises(PermanentError, match="Invalid identifier or password"):
        await bluesky.publish(POST)

    assert pds.paths == ["/xrpc/com.atproto.server.createSession"]  # no second login burned


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(
            500, json={"error": "InternalServerError", "message": "Internal Server Error"}
        ),
        httpx.Response(502, text="Bad Gateway"),
        httpx.Response(503, text="Service Unavailable"),
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("timed out"),
    ],
)
async def test_outages_and_timeouts_are_temporary(
    bluesky: BlueskyAdapter, pds: FakePds, answer
) -> None:
    pds.answers.append(answer)

    with pytest.raises(TemporaryError) as caught:
        await bluesky.publish(POST)

    outcome = outcome_for(caught.value)
    assert not outcome.ok and not outcome.permanent


async def test_an_unreadable_saved_session_falls_back_to_the_password(pds: FakePds) -> None:
    sessions = MemorySessionStore("not a session string")
    adapter = BlueskyAdapter(
        service_url="http://pds.invalid",
        handle="outcry.test",
        app_password="app-pass-word",
        sessions=sessions,
        transport=httpx.MockTransport(pds),
    )
    pds.answers.append(
        httpx.Response(200, json={"uri": f"at://{DID}/app.bsky.feed.post/3abc", "cid": "bafyrei"})
    )

    ref = await adapter.publish(POST)
    await adapter.aclose()

    assert ref.id == f"at://{DID}/app.bsky.feed.post/3abc"
    assert pds.paths[0] == "/xrpc/com.atproto.server.createSession"
    assert sessions.load().startswith("outcry.test:::")
