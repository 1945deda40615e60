"""Choosing adapters from settings, the dry run, the fake, session stores and outcome mapping."""

import json
import stat

import pytest

from app.broadcast.base import (
    Adapter,
    Link,
    PermanentError,
    Post,
    RateLimited,
    RemoteRef,
    TemporaryError,
    outcome_for,
)
from app.broadcast.bluesky import BlueskyAdapter
from app.broadcast.dryrun import DryRunAdapter
from app.broadcast.fake import FakeAdapter
from app.broadcast.mastodon import MastodonAdapter
from app.broadcast.networks import configured_adapters
from app.broadcast.sessions import FileSessionStore
from app.broadcast.webhook import WebhookAdapter
from app.config import Settings

POST = Post(
    text="Day 60: “{title}” {link}",
    record_key="complaint-3:day-60",
    title="No refund",
    link=Link("https://outcry.example/complaints/3"),
)


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_with_no_network_configured_the_broadcaster_is_a_dry_run() -> None:
    adapters = configured_adapters(settings())

    assert [type(a) for a in adapters] == [DryRunAdapter]


def test_each_configured_network_gets_its_adapter() -> None:
    adapters = configured_adapters(
        settings(
            bluesky_handle="outcry.bsky.social",
            bluesky_app_password="abcd-efgh-ijkl-mnop",
            mastodon_base_url="https://mastodon.example",
            mastodon_access_token="token",
            broadcast_webhook_urls=["https://a.example/hook", "https://b.example/hook"],
            broadcast_webhook_secret="whsec-0123456789",
        )
    )

    kinds = [type(a) for a in adapters]
    assert kinds == [BlueskyAdapter, MastodonAdapter, WebhookAdapter, WebhookAdapter]
    assert len({a.name for a in adapters}) == 4
    assert all(isinstance(a, Adapter) for a in adapters)


def test_webhook_urls_without_a_secret_are_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="secret"):
        configured_adapters(settings(broadcast_webhook_urls=["https://a.example/hook"]))


def test_webhook_urls_come_from_the_environment_as_json(monkeypatch) -> None:
    monkeypatch.setenv("OUTCRY_BROADCAST_WEBHOOK_URLS", '["https://a.example/hook"]')

    assert settings().broadcast_webhook_urls == ["https://a.example/hook"]


async def test_the_dry_run_answers_with_a_ref_that_says_so() -> None:
    dry = DryRunAdapter()

    ref = await dry.publish(POST)
    await dry.delete(ref)

    assert ref == RemoteRef("dryrun", "dryrun:complaint-3:day-60")
    assert dry.format(POST).text == "Day 60: “No refund” https://outcry.example/complaints/3"


async def test_the_dry_run_refuses_what_no_network_could_post() -> None:
    with pytest.raises(PermanentError):
        await DryRunAdapter().publish(Post(text="x" * 400, record_key="k"))


async def test_the_fake_keeps_posts_by_record_key_and_fails_on_request() -> None:
    fake = FakeAdapter()
    fake.failures.append(RateLimited(30))

    with pytest.raises(RateLimited):
        await fake.publish(POST)
    ref = await fake.publish(POST)
    assert await fake.publish(POST) == ref
    assert list(fake.posts) == ["complaint-3:day-60"]
    assert fake.posts["complaint-3:day-60"][1].text.startswith("Day 60")

    await fake.delete(ref)
    assert fake.posts == {} and fake.deleted == [ref]


@pytest.mark.parametrize(
    ("error", "retry_after", "permanent"),
    [
        (RateLimited(120.0), 120.0, False),
        (RateLimited(None), None, False),
        (TemporaryError("503"), None, False),
        (PermanentError("422"), None, True),
    ],
)
def test_errors_map_to_outbox_outcomes(error, retry_after, permanent) -> None:
    outcome = outcome_for(error)

    assert not outcome.ok
    assert (outcome.retry_after, outcome.permanent) == (retry_after, permanent)
    assert type(error).__name__ in outcome.detail


def test_the_session_file_is_private_and_survives_a_restart(tmp_path) -> None:
    path = tmp_path / "bluesky.session"
    FileSessionStore(path).save("handle:::did:::access:::refresh:::https://pds")

    assert FileSessionStore(path).load() == "handle:::did:::access:::refresh:::https://pds"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    FileSessionStore(path).clear()
    assert FileSessionStore(path).load() is None


def test_a_remote_ref_survives_a_round_trip_through_a_job_result() -> None:
    ref = RemoteRef("bluesky", "at://did:plc:x/app.bsky.feed.post/3k", "bafyrei", "https://b/p")

    assert RemoteRef.from_dict(json.loads(json.dumps(ref.as_dict()))) == ref
