"""The Mastodon adapter against responses shaped exactly like a real Mastodon server's.

No Mastodon server is installable here (docs/social-networks.md); httpx.MockTransport answers at the
transport level with the status JSON, headers and errors Mastodon 4.x sends.
"""

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio

from app.broadcast.base import (
    Link,
    Mention,
    PermanentError,
    Post,
    RateLimited,
    RemoteRef,
    TemporaryError,
    Thread,
    outcome_for,
)
from app.broadcast.mastodon import MastodonAdapter
from tests.support.broadcast import BASE, INSTANCE, TOKEN, FakeMastodon, rate_headers, status_json


@pytest.fixture
def server() -> FakeMastodon:
    return FakeMastodon()


@pytest_asyncio.fixture(loop_scope="function")  # the test's own loop owns the sockets
async def mastodon(server: FakeMastodon):
    adapter = MastodonAdapter(
        base_url=BASE, access_token=TOKEN, transport=httpx.MockTransport(server)
    )
    yield adapter
    await adapter.aclose()


def milestone(record_key: str = "complaint-7:day-14", reply_to: Thread | None = None) -> Post:
    return Post(
        text="Day 14, still unresolved: “{title}” against {mention}. {link}",
        record_key=record_key,
        title="Refund for a broken kettle refused",
        link=Link("https://outcry.example/complaints/7"),
        mentions=(Mention("Acme", {"mastodon": "acme@mastodon.social"}),),
        reply_to=reply_to,
    )


async def test_publish_posts_a_public_status_with_token_and_idempotency_key(
    mastodon: MastodonAdapter, server: FakeMastodon
) -> None:
    ref = await mastodon.publish(milestone())

    (request,) = server.requests
    assert request.method == "POST" and request.url == f"{BASE}/api/v1/statuses"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Idempotency-Key"] == "complaint-7:day-14"
    assert json.loads(request.content) == {
        "status": "Day 14, still unresolved: “Refund for a broken kettle refused” against "
        "@acme@mastodon.social. https://outcry.example/complaints/7#"
        + MastodonAdapter.tag_for("complaint-7:day-14"),
        "visibility": "unlisted",
        "language": "en",
    }
    assert ref == RemoteRef(
        "mastodon", "113000000000000000", url=f"{BASE}/@outcry/113000000000000000"
    )


async def test_a_retry_with_the_same_record_key_gets_the_first_status(
    mastodon: MastodonAdapter, server: FakeMastodon
) -> None:
    first = await mastodon.publish(milestone())
    again = await mastodon.publish(milestone())

    assert again == first
    assert len(server.statuses) == 1
    assert {r.headers["Idempotency-Key"] for r in server.requests} == {"complaint-7:day-14"}


async def test_a_later_post_replies_in_the_thread(
    mastodon: MastodonAdapter, server: FakeMastodon
) -> None:
    root = await mastodon.publish(milestone())
    reply = await mastodon.publish(milestone("complaint-7:day-30", Thread(root, root)))

    assert json.loads(server.requests[-1].content)["in_reply_to_id"] == root.id
    assert server.statuses[reply.id]["in_reply_to_id"] == root.id


async def test_delete_removes_the_status_and_tolerates_it_being_gone(
    mastodon: MastodonAdapter, server: FakeMastodon
) -> None:
    ref = await mastodon.publish(milestone())

    await mastodon.delete(ref)
    await mastodon.delete(ref)  # 404 the second time: already gone, not an error

    assert server.statuses == {}
    delete = server.requests[1]
    assert delete.method == "DELETE" and delete.url == f"{BASE}/api/v1/statuses/{ref.id}"
    assert delete.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_429_waits_for_the_later_of_retry_after_and_the_reset_time(
    mastodon: MastodonAdapter, server: FakeMastodon
) -> None:
    reset = datetime.now(UTC) + timedelta(seconds=240)
    server.answers.append(
        httpx.Response(
            429,
            json={"error": "Too many requests"},
            headers={**rate_headers(0, reset), "Retry-After": "30"},
        )
    )

    with pytest.raises(RateLimited) as caught:
        await mastodon.publish(milestone())

    assert 230 < caught.value.retry_after_seconds <= 240
    outcome = outcome_for(caught.value)
    assert not outcome.ok and not outcome.permanent and outcome.retry_after > 230


async def test_429_with_only_retry_after(mastodon: MastodonAdapter, server: FakeMastodon) -> None:
    server.answers.append(httpx.Response(429, headers={"Retry-After": "90"}))

    with pytest.raises(RateLimited) as caught:
        await mastodon.publish(milestone())

    assert caught.value.retry_after_seconds == 90


async def test_422_is_permanent(mastodon: MastodonAdapter, server: FakeMastodon) -> None:
    server.answers.append(
        httpx.Response(
            422, json={"error": "Validation failed: Text character limit of 500 exceeded"}
        )
    )

    with pytest.raises(PermanentError, match="character limit of 500 exceeded") as caught:
        await mastodon.publish(milestone())

    assert outcome_for(caught.value).permanent


async def test_a_revoked_token_is_permanent(server: FakeMastodon) -> None:
    adapter = MastodonAdapter(
        base_url=BASE, access_token="revoked", transport=httpx.MockTransport(server)
    )
    with pytest.raises(PermanentError, match="401"):
        await adapter.publish(milestone())
    await adapter.aclose()


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_temporary(
    mastodon: MastodonAdapter, server: FakeMastodon, status: int
) -> None:
    server.answers.append(httpx.Response(status, text="<html>Bad gateway</html>"))

    with pytest.raises(TemporaryError) as caught:
        await mastodon.publish(milestone())

    outcome = outcome_for(caught.value)
    assert not outcome.ok and not outcome.permanent and outcome.retry_after is None


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("eof")],
)
async def test_network_failures_and_timeouts_are_temporary(failure: Exception) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    adapter = MastodonAdapter(
        base_url=BASE, access_token=TOKEN, transport=httpx.MockTransport(fail)
    )
    with pytest.raises(TemporaryError, match="unreachable"):
        await adapter.publish(milestone())
    with pytest.raises(TemporaryError):
        await adapter.delete(RemoteRef("mastodon", "1"))
    await adapter.aclose()


async def test_a_reply_to_another_networks_post_is_refused_before_sending(
    mastodon: MastodonAdapter, server: FakeMastodon
) -> None:
    bluesky = RemoteRef("bluesky", "at://did:plc:x/app.bsky.feed.post/3k", "bafy")

    with pytest.raises(PermanentError):
        await mastodon.publish(milestone(reply_to=Thread(bluesky, bluesky)))

    assert server.requests == []


async def test_a_retry_after_mastodon_forgot_the_key_finds_the_first_status(
    mastodon: MastodonAdapter, server: FakeMastodon
) -> None:
    first = await mastodon.publish(milestone())
    await mastodon.publish(milestone("complaint-8:day-14"))  # another post came after it
    server.by_key.clear()  # Mastodon keeps idempotency keys for about an hour only

    assert await mastodon.find(milestone()) == first
    assert await mastodon.find(milestone("complaint-9:day-14")) is None
    assert len(server.statuses) == 2


async def test_the_instances_limits_hashtag_and_pacing_are_honoured(server: FakeMastodon) -> None:
    small = {
        **INSTANCE,
        "configuration": {"statuses": {"max_characters": 120, "characters_reserved_per_url": 23}},
    }
    adapter = MastodonAdapter(
        base_url=BASE,
        access_token=TOKEN,
        hashtag="#CustomerService",
        keep_remaining=10,
        transport=httpx.MockTransport(server),
    )
    try:
        server.instance_reads = 0
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(server, "instance", small)
            await adapter.publish(milestone())
        sent = json.loads(server.requests[-1].content)["status"]
        assert sent.endswith(" #CustomerService") and "…" in sent  # the title shrank to fit 120
        assert server.instance_reads == 1

        # The instance says only 10 requests are left in this window: the adapter stops there
        # and waits for the reset instead of running into a 429.
        reset = datetime.now(UTC) + timedelta(minutes=7)
        server.answers = [
            httpx.Response(200, json=status_json("1", "x"), headers=rate_headers(10, reset))
        ]
        await adapter.publish(milestone("complaint-8:day-14"))
        count = len(server.requests)
        with pytest.raises(RateLimited) as waited:
            await adapter.publish(milestone("complaint-9:day-14"))
        assert len(server.requests) == count  # nothing sent
        assert 6 * 60 < waited.value.retry_after_seconds <= 7 * 60
        assert server.instance_reads == 1
    finally:
        await adapter.aclose()
