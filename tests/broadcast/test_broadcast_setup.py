"""`outcry broadcast setup` marks the broadcaster's accounts as automated: the Bluesky profile's
``bot`` self-label on a REAL local PDS, and the Mastodon bot flag against a recorded answer."""

import httpx
import pytest
from typer.testing import CliRunner

from app.broadcast.mastodon import MastodonAdapter
from app.cli import app
from app.config import get_settings
from tests.support.pds_fixture import Pds


def profile_labels(pds: Pds) -> list[str]:
    answer = httpx.get(
        f"{pds.url}/xrpc/com.atproto.repo.getRecord",
        params={
            "repo": pds.broadcaster.did,
            "collection": "app.bsky.actor.profile",
            "rkey": "self",
        },
    )
    if answer.status_code != 200:
        return []
    return [v["val"] for v in answer.json()["value"].get("labels", {}).get("values", [])]


def test_setup_self_labels_the_bluesky_account_as_a_bot(
    pds: Pds, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTCRY_BLUESKY_SERVICE_URL", pds.url)
    monkeypatch.setenv("OUTCRY_BLUESKY_HANDLE", pds.broadcaster.handle)
    monkeypatch.setenv("OUTCRY_BLUESKY_APP_PASSWORD", pds.broadcaster.app_password)
    monkeypatch.setenv("OUTCRY_BROADCAST_WEBHOOK_URLS", "[]")
    monkeypatch.delenv("OUTCRY_MASTODON_BASE_URL", raising=False)
    monkeypatch.delenv("OUTCRY_BLUESKY_SESSION_FILE", raising=False)
    get_settings.cache_clear()
    try:
        for _ in range(2):  # running it again changes nothing
            result = CliRunner().invoke(app, ["broadcast", "setup"])
            assert result.exit_code == 0, result.output
            assert "bot self-label" in result.output
            assert profile_labels(pds) == ["bot"]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_setup_sets_the_mastodon_bot_flag() -> None:
    seen: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        # PATCH /api/v1/accounts/update_credentials answers with the CredentialAccount.
        return httpx.Response(
            200,
            json={"id": "109348256434233232", "username": "outcry", "acct": "outcry", "bot": True},
        )

    adapter = MastodonAdapter(
        base_url="https://mastodon.example", access_token="t", transport=httpx.MockTransport(server)
    )
    try:
        assert "marked as a bot" in await adapter.mark_as_bot()
    finally:
        await adapter.aclose()
    (request,) = seen
    assert (request.method, request.url.path) == ("PATCH", "/api/v1/accounts/update_credentials")
    assert request.content == b"bot=true"
