"""Mastodon through its REST API (POST/DELETE /api/v1/statuses) with httpx.

500 characters by default, each URL counting 23; the Idempotency-Key header (the caller's record
key) makes a retry within an hour return the first status instead of a second one; 429 carries
X-RateLimit-Reset as an ISO time (shared/domain-notes.md, "Social networks").
"""

import html
from dataclasses import replace

import httpx

from app.broadcast.base import PermanentError, Post, RemoteRef, Rendered
from app.broadcast.bluesky import rkey_for
from app.broadcast.http import check, send
from app.broadcast.layout import Rules, render


def defuse_mentions(text: str) -> str:
    """Swap "@" for FULLWIDTH COMMERCIAL AT in titles and names: they can never notify anyone."""
    return text.replace("@", "\uff20")


class MastodonAdapter:
    """Posts public statuses as the account that owns the access token."""

    name = "mastodon"

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        max_characters: int = 500,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.rules = Rules(max_graphemes=max_characters, link_length=23, escape=defuse_mentions)
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {access_token}", "User-Agent": "Outcry"},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )
        self._account_id: str | None = None

    def format(self, post: Post) -> Rendered:
        if post.link:  # the key rides in the link's fragment: the page ignores it, find() reads it
            tagged = replace(post.link, url=f"{post.link.url}#{self.tag_for(post.record_key)}")
            post = replace(post, link=tagged)
        return render(post, network=self.name, rules=self.rules)

    async def publish(self, post: Post) -> RemoteRef:
        payload: dict[str, str] = {
            "status": self.format(post).text,
            "visibility": "public",
            "language": post.lang,
        }
        if post.reply_to:
            if post.reply_to.parent.network != self.name:
                raise PermanentError("a Mastodon reply needs the parent's Mastodon ref")
            payload["in_reply_to_id"] = post.reply_to.parent.id
        request = self.http.build_request(
            "POST",
            "/api/v1/statuses",
            json=payload,
            headers={"Idempotency-Key": post.record_key},
        )
        status = check(await send(self.http, request, network="Mastodon"), network="Mastodon")
        data = status.json()
        return RemoteRef(self.name, str(data["id"]), url=data.get("url") or data.get("uri"))

    async def find(self, post: Post) -> RemoteRef | None:
        """Mastodon forgets idempotency keys after about an hour: read back instead. The post's
        link carries its key as a fragment (``#o`` + the key's TID), so one of the account's
        recent statuses that links to it is this very post."""
        marker = f"{post.link.url}#{self.tag_for(post.record_key)}" if post.link else None
        if marker is None:
            return None
        if self._account_id is None:
            request = self.http.build_request("GET", "/api/v1/accounts/verify_credentials")
            me = check(await send(self.http, request, network="Mastodon"), network="Mastodon")
            self._account_id = str(me.json()["id"])
        request = self.http.build_request(
            "GET",
            f"/api/v1/accounts/{self._account_id}/statuses",
            params={"limit": 40, "exclude_reblogs": "true"},
        )
        statuses = check(await send(self.http, request, network="Mastodon"), network="Mastodon")
        for status in statuses.json():
            if f'href="{html.escape(marker)}"' in (status.get("content") or ""):
                return RemoteRef(self.name, str(status["id"]), url=status.get("url"))
        return None

    @staticmethod
    def tag_for(record_key: str) -> str:
        return "o" + rkey_for(record_key)

    async def delete(self, ref: RemoteRef) -> None:
        request = self.http.build_request("DELETE", f"/api/v1/statuses/{ref.id}")
        response = await send(self.http, request, network="Mastodon")
        if response.status_code != 404:  # 404: already deleted
            check(response, network="Mastodon")

    async def aclose(self) -> None:
        await self.http.aclose()
