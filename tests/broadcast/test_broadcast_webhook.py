"""The webhook adapter: signed JSON a receiver can verify, and the usual error mapping."""

import json

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
)
from app.broadcast.webhook import WebhookAdapter
from app.integrations.signing import HEADER, verify

URL = "https://newsroom.example/hooks/outcry?token=abc"
SECRET = "whsec-0123456789abcdef"


class Receiver:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: list[httpx.Response] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0) if self.answers else httpx.Response(204)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest_asyncio.fixture(loop_scope="function")
async def webhook(receiver: Receiver):
    adapter = WebhookAdapter(url=URL, secret=SECRET, transport=httpx.MockTransport(receiver))
    yield adapter
    await adapter.aclose()


def resolution(reply_to: Thread | None = None) -> Post:
    return Post(
        text="Resolved after 23 days, confirmed by the consumer: “{title}” — {mention} {link}",
        record_key="complaint-12:resolved",
        title="Ça ne marche pas 🙁 " * 30,  # long: a webhook gets it whole
        link=Link("https://outcry.example/complaints/12", "Broken boiler", "Resolved"),
        mentions=(Mention("Acme", {"bluesky": "acme.test", "mastodon": "acme@m.example"}),),
        reply_to=reply_to,
    )


async def test_publish_posts_signed_json_the_receiver_can_verify(
    webhook: WebhookAdapter, receiver: Receiver
) -> None:
    root = RemoteRef(webhook.name, "complaint-12:day-7")
    ref = await webhook.publish(resolution(Thread(root, root)))

    (request,) = receiver.requests
    assert request.method == "POST" and str(request.url) == URL
    assert verify(SECRET, request.headers[HEADER], request.content)
    assert not verify("another-secret-000", request.headers[HEADER], request.content)
    assert request.headers["Idempotency-Key"] == "complaint-12:resolved"
    body = json.loads(request.content)
    assert body["action"] == "publish" and body["id"] == "complaint-12:resolved"
    assert body["title"] in body["text"]  # not shortened
    assert body["link"] == {
        "url": "https://outcry.example/complaints/12",
        "title": "Broken boiler",
        "description": "Resolved",
    }
    assert body["mentions"] == [
        {"name": "Acme", "accounts": {"bluesky": "acme.test", "mastodon": "acme@m.example"}}
    ]
    assert body["reply_to"]["parent"]["id"] == "complaint-12:day-7"
    assert ref == RemoteRef(webhook.name, "complaint-12:resolved")


async def test_delete_is_signed_too(webhook: WebhookAdapter, receiver: Receiver) -> None:
    await webhook.delete(RemoteRef(webhook.name, "complaint-12:resolved"))

    (request,) = receiver.requests
    assert json.loads(request.content) == {"action": "delete", "id": "complaint-12:resolved"}
    assert verify(SECRET, request.headers[HEADER], request.content)


def test_the_name_is_stable_and_does_not_leak_the_url() -> None:
    first = WebhookAdapter(url=URL, secret=SECRET)
    assert first.name == WebhookAdapter(url=URL, secret=SECRET).name
    assert first.name != WebhookAdapter(url=URL + "x", secret=SECRET).name
    assert "token" not in first.name and "newsroom" not in first.name


def test_a_webhook_without_a_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        WebhookAdapter(url=URL, secret="")


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(429, headers={"Retry-After": "60"}), RateLimited),
        (httpx.Response(500), TemporaryError),
        (httpx.Response(503), TemporaryError),
        (httpx.Response(410, text="gone"), PermanentError),
        (httpx.Response(301, headers={"Location": "http://127.0.0.1/"}), PermanentError),
    ],
)
async def test_receiver_answers_map_to_outbox_outcomes(
    webhook: WebhookAdapter, receiver: Receiver, answer: httpx.Response, error: type
) -> None:
    receiver.answers.append(answer)

    with pytest.raises(error):
        await webhook.publish(resolution())

    assert len(receiver.requests) == 1  # redirects are not followed
