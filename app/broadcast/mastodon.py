"""Mastodon through its REST API (POST/PUT/DELETE /api/v1/statuses) with httpx.

500 characters by default, each URL counting 23; the Idempotency-Key header (the caller's record
key) makes a retry within an hour return the first status instead of a second one; 429 carries
X-RateLimit-Reset as an ISO time (docs/social-networks.md). Instances from Mastodon 3.5 on edit a
status in place (PUT /api/v1/statuses/:id, shown as edited); older ones and other servers
reporting an older version get a new status instead.
"""

import html
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx

from app.broadcast.base import PermanentError, Post, RateLimited, RemoteRef, Rendered
from app.broadcast.bluesky import rkey_for
from app.broadcast.http import check, retry_after, send
from app.broadcast.layout import Rules, render


def defuse_mentions(text: str) -> str:
    """Swap "@" for FULLWIDTH COMMERCIAL AT in titles and names: they can never notify anyone."""
    return text.replace("@", "\uff20")


EDIT_SINCE = (3, 5)  # the version that added PUT /api/v1/statuses/:id


def edits_statuses(version: str) -> bool:
    """Mastodon 3.5 or later ("4.2.10", "4.3.0+glitch"). Servers that speak Mastodon's API under
    another version number (Pleroma says "2.7.2 (compatible; …)") count as older."""
    found = re.match(r"(\d+)\.(\d+)", version)
    return found is not None and (int(found[1]), int(found[2])) >= EDIT_SINCE


class MastodonAdapter:
    """Posts public statuses as the account that owns the access token."""

    name = "mastodon"

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        max_characters: int = 500,
        visibility: str = "unlisted",
        hashtag: str | None = None,
        keep_remaining: int = 10,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.rules = Rules(max_graphemes=max_characters, link_length=23, escape=defuse_mentions)
        self.visibility, self.hashtag = visibility, (hashtag or "").lstrip("#") or None
        self.keep_remaining = keep_remaining  # requests left unused in each rate-limit window
        self._limits_read = False
        self.can_edit = False  # learnt from the instance's version
        self._window_ends: datetime | None = None  # when the rate limit resets, if nearly spent
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {access_token}", "User-Agent": "Outcry"},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )
        self._account_id: str | None = None

    async def _prepare(self) -> None:
        """Before talking to the instance: read its limits once (GET /api/v2/instance), and wait
        out a rate-limit window that is nearly spent instead of running into a 429."""
        if self._window_ends is not None:
            wait = (self._window_ends - datetime.now(UTC)).total_seconds()
            if wait > 0:
                raise RateLimited(wait, "Mastodon: pacing, the rate-limit window is nearly spent")
            self._window_ends = None
        if self._limits_read:
            return
        request = self.http.build_request("GET", "/api/v2/instance")
        response = await send(self.http, request, network="Mastodon")
        if response.status_code == 404:  # before Mastodon 4.0: the first version of the API
            request = self.http.build_request("GET", "/api/v1/instance")
            response = await send(self.http, request, network="Mastodon")
        data = check(response, network="Mastodon").json()
        self.can_edit = edits_statuses(str(data.get("version") or ""))
        statuses = (data.get("configuration") or {}).get("statuses") or {}
        max_characters = statuses.get("max_characters")
        per_url = statuses.get("characters_reserved_per_url")
        self.rules = replace(
            self.rules,
            max_graphemes=int(max_characters) if max_characters else self.rules.max_graphemes,
            link_length=int(per_url) if per_url else self.rules.link_length,
        )
        self._limits_read = True

    def _pace(self, response: httpx.Response) -> httpx.Response:
        """Remember when to stop: X-RateLimit-Remaining at or below what we keep unused."""
        remaining = response.headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.isdigit() and int(remaining) <= self.keep_remaining:
            wait = retry_after(response)
            if wait:
                self._window_ends = datetime.now(UTC) + timedelta(seconds=wait)
        return response

    def format(self, post: Post) -> Rendered:
        if self.hashtag:
            post = replace(post, text=f"{post.text} #{self.hashtag}")
        if post.link:  # the key rides in the link's fragment: the page ignores it, find() reads it
            tagged = replace(post.link, url=f"{post.link.url}#{self.tag_for(post.record_key)}")
            post = replace(post, link=tagged)
        return render(post, network=self.name, rules=self.rules)

    async def publish(self, post: Post) -> RemoteRef:
        await self._prepare()
        payload: dict[str, str] = {
            "status": self.format(post).text,
            "visibility": self.visibility,
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
        response = self._pace(await send(self.http, request, network="Mastodon"))
        data = check(response, network="Mastodon").json()
        return RemoteRef(self.name, str(data["id"]), url=data.get("url") or data.get("uri"))

    async def editable(self) -> bool:
        """Whether this instance edits statuses in place (read once, with its limits)."""
        await self._prepare()
        return self.can_edit

    async def edit(self, ref: RemoteRef, post: Post) -> RemoteRef | None:
        """Replace a status's text in place (PUT /api/v1/statuses/:id): same id, same place in
        its thread, marked as edited. None when the status is gone."""
        await self._prepare()
        request = self.http.build_request(
            "PUT",
            f"/api/v1/statuses/{ref.id}",
            json={"status": self.format(post).text, "language": post.lang},
        )
        response = self._pace(await send(self.http, request, network="Mastodon"))
        if response.status_code == 404:
            return None
        data = check(response, network="Mastodon").json()
        return RemoteRef(self.name, str(data["id"]), url=data.get("url") or ref.url)

    async def find(self, post: Post) -> RemoteRef | None:
        """Mastodon forgets idempotency keys after about an hour: read back instead. The post's
        link carries its key as a fragment (``#o`` + the key's TID), so one of the account's
        recent statuses that links to it is this very post."""
        marker = f"{post.link.url}#{self.tag_for(post.record_key)}" if post.link else None
        if marker is None:
            return None
        await self._prepare()
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

    async def mark_as_bot(self) -> str:
        """Set the account's bot flag (PATCH /api/v1/accounts/update_credentials, bot=true)."""
        request = self.http.build_request(
            "PATCH", "/api/v1/accounts/update_credentials", data={"bot": "true"}
        )
        account = check(await send(self.http, request, network="Mastodon"), network="Mastodon")
        if account.json().get("bot") is not True:
            raise PermanentError("Mastodon did not set the bot flag")
        return f"Mastodon: @{account.json().get('acct', '?')} is marked as a bot"

    async def delete(self, ref: RemoteRef) -> None:
        await self._prepare()
        request = self.http.build_request("DELETE", f"/api/v1/statuses/{ref.id}")
        response = self._pace(await send(self.http, request, network="Mastodon"))
        if response.status_code != 404:  # 404: already deleted
            check(response, network="Mastodon")

    async def aclose(self) -> None:
        await self.http.aclose()
