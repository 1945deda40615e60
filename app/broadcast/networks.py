"""The adapters the settings ask for; a dry run when none is configured."""

from app.broadcast.base import Adapter
from app.broadcast.bluesky import BlueskyAdapter
from app.broadcast.dryrun import DryRunAdapter
from app.broadcast.mastodon import MastodonAdapter
from app.broadcast.sessions import FileSessionStore, MemorySessionStore
from app.broadcast.webhook import WebhookAdapter
from app.config import Settings, get_settings


def configured_adapters(settings: Settings | None = None) -> list[Adapter]:
    """One adapter per configured network. Create them once per worker, not per job: the Bluesky
    adapter's login is worth keeping."""
    settings = settings or get_settings()
    adapters: list[Adapter] = []
    if settings.bluesky_handle and settings.bluesky_app_password:
        sessions = (
            FileSessionStore(settings.bluesky_session_file)
            if settings.bluesky_session_file
            else MemorySessionStore()
        )
        adapters.append(
            BlueskyAdapter(
                service_url=settings.bluesky_service_url,
                handle=settings.bluesky_handle,
                app_password=settings.bluesky_app_password,
                sessions=sessions,
                timeout=settings.broadcast_timeout_seconds,
            )
        )
    if settings.mastodon_base_url and settings.mastodon_access_token:
        adapters.append(
            MastodonAdapter(
                base_url=settings.mastodon_base_url,
                access_token=settings.mastodon_access_token,
                visibility=settings.mastodon_visibility,
                hashtag=settings.mastodon_hashtag,
                timeout=settings.broadcast_timeout_seconds,
            )
        )
    for url in settings.broadcast_webhook_urls:
        adapters.append(WebhookAdapter(url=url, secret=settings.broadcast_webhook_secret or ""))
    return adapters or [DryRunAdapter()]
