"""Bluesky (AT Protocol) through the `atproto` SDK.

Posts are at most 300 graphemes (and 3000 UTF-8 bytes); links and mentions are facets with UTF-8
byte offsets; a link gets an external card; a reply names its thread's root and parent by strong
ref (uri + cid). There is no idempotency key, so each post is written with putRecord under a record
key derived from the caller's, with ``swapRecord: null`` ("only if absent"): a retry after a crash
finds the first record instead of posting twice (docs/social-networks.md).
"""

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from atproto import AsyncClient, SessionEvent, models
from atproto_client.client.session import Session
from atproto_client.exceptions import (
    BadRequestError,
    LoginRequiredError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError
from atproto_client.models.utils import get_model_as_dict, get_or_create
from atproto_client.request import AsyncRequest
from atproto_core.uri import AtUri

from app.broadcast.base import (
    BroadcastError,
    PermanentError,
    Post,
    RateLimited,
    RemoteRef,
    Rendered,
    TemporaryError,
)
from app.broadcast.layout import Rules, render, shorten
from app.broadcast.sessions import MemorySessionStore, SessionStore

T = TypeVar("T")
RULES = Rules(max_graphemes=300, max_bytes=3000)
COLLECTION = "app.bsky.feed.post"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# A refresh that fails with these means the saved session is dead: log in with the password.
_DEAD_SESSION = {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"}


def rkey_for(record_key: str) -> str:
    """The caller's key as a TID, the record-key syntax app.bsky.feed.post requires (13 base32
    characters of a 63-bit number). Derived by hashing, so the same key always gives the same rkey.
    """
    number = int.from_bytes(hashlib.sha256(record_key.encode()).digest()[:8]) >> 1
    return "".join(_TID_ALPHABET[(number >> shift) & 31] for shift in range(60, -1, -5))


def _error_name(error: RequestErrorBase) -> str:
    content = error.response.content if error.response else None
    return content.error if isinstance(content, XrpcError) else ""


def _translated(error: Exception) -> BroadcastError:
    """The SDK's exceptions, as the outbox understands them."""
    if isinstance(error, BroadcastError):
        return error
    if isinstance(error, RateLimitExceededError):
        # Wait for the later of Retry-After and the window's reset (epoch seconds).
        waits = [error.retry_after or 0.0]
        if error.reset_at is not None:
            waits.append(error.reset_at.timestamp() - time.time())
        wait = max(waits)
        return RateLimited(wait if wait > 0 else None, f"Bluesky: {error}")
    if isinstance(error, NetworkError | httpx.TransportError):
        return TemporaryError(f"Bluesky unreachable: {error!r}")
    if isinstance(error, RequestErrorBase) and error.response is not None:
        if error.response.status_code >= 500:
            return TemporaryError(f"Bluesky: {error}")
        return PermanentError(f"Bluesky refused: {error}")
    if isinstance(error, LoginRequiredError):
        return PermanentError(f"Bluesky: {error}")
    return TemporaryError(f"Bluesky: {type(error).__name__}: {error}")


class BlueskyAdapter:
    """Posts as one account, logging in once per lifetime and refreshing the session after that."""

    name = "bluesky"

    def __init__(
        self,
        *,
        service_url: str,
        handle: str,
        app_password: str,
        sessions: SessionStore | None = None,
        web_url: str = "https://bsky.app",
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.handle, self._password = handle, app_password
        self.sessions = sessions or MemorySessionStore()
        self.web_url = web_url.rstrip("/")
        request = AsyncRequest(timeout=timeout, transport=transport)
        self.client = AsyncClient(base_url=service_url, request=request)
        self.client.on_session_change(self._session_changed)
        self._did: str | None = None
        self._login_lock = asyncio.Lock()
        self._dids: dict[str, str | None] = {}

    def _session_changed(self, event: SessionEvent, session: Session) -> None:
        self._did = session.did
        if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
            self.sessions.save(session.export())

    async def _login(self, *, fresh: bool = False) -> str:
        async with self._login_lock:
            if self._did and not fresh:
                return self._did
            saved = None if fresh else self.sessions.load()
            if saved:
                try:
                    await self.client.login(session_string=saved, fetch_bsky_profile=False)
                except (ValueError, TypeError):  # not a session string we can read: log in
                    self.sessions.clear()
                    saved = None
            if not saved:
                # No AppView is needed to post: skip the profile fetch (app.bsky.actor.getProfile).
                await self.client.login(self.handle, self._password, fetch_bsky_profile=False)
            if not self._did:
                raise LoginRequiredError("Bluesky login returned no session")
            return self._did

    async def _call(self, operation: Callable[[str], Awaitable[T]]) -> T:
        """Run ``operation(did)`` logged in; a session the PDS rejects is replaced once."""
        try:
            did = await self._login()  # a refused login (bad password) is final: no second try
            try:
                return await operation(did)
            except (UnauthorizedError, BadRequestError) as error:
                if _error_name(error) not in _DEAD_SESSION:
                    raise
            self.sessions.clear()
            return await operation(await self._login(fresh=True))
        except Exception as error:
            raise _translated(error) from error

    def format(self, post: Post) -> Rendered:
        return render(post, network=self.name, rules=RULES)

    async def _resolve(self, handle: str) -> str | None:
        """A handle's DID, or None if it does not resolve (the mention then stays plain text)."""
        if handle not in self._dids:
            try:
                response = await self.client.com.atproto.identity.resolve_handle({"handle": handle})
                self._dids[handle] = response.did
            except BadRequestError:
                self._dids[handle] = None
        return self._dids[handle]

    async def _record(self, post: Post, rendered: Rendered) -> dict[str, Any]:
        facets = []
        for span in rendered.spans:
            if span.kind == "link":
                feature: Any = models.AppBskyRichtextFacet.Link(uri=span.target)
            elif did := await self._resolve(span.target):
                feature = models.AppBskyRichtextFacet.Mention(did=did)
            else:
                continue
            index = models.AppBskyRichtextFacet.ByteSlice(byte_start=span.start, byte_end=span.end)
            facets.append(models.AppBskyRichtextFacet.Main(features=[feature], index=index))
        embed = None
        if post.link:
            embed = models.AppBskyEmbedExternal.Main(
                external=models.AppBskyEmbedExternal.External(
                    uri=post.link.url,
                    title=shorten(post.link.title, 300),
                    description=shorten(post.link.description, 1000),
                )
            )
        reply = None
        if post.reply_to:
            root, parent = post.reply_to.root, post.reply_to.parent
            if not (root.cid and parent.cid and root.network == parent.network == self.name):
                raise PermanentError("a Bluesky reply needs the root and parent Bluesky refs")
            reply = models.AppBskyFeedPost.ReplyRef(
                root=models.ComAtprotoRepoStrongRef.Main(uri=root.id, cid=root.cid),
                parent=models.ComAtprotoRepoStrongRef.Main(uri=parent.id, cid=parent.cid),
            )
        record = models.AppBskyFeedPost.Record(
            created_at=self.client.get_current_time_iso(),
            text=rendered.text,
            facets=facets or None,
            embed=embed,
            reply=reply,
            langs=[post.lang],
        )
        return get_model_as_dict(record)

    def _ref(self, uri: str, cid: str) -> RemoteRef:
        at = AtUri.from_str(uri)
        return RemoteRef(
            self.name, uri, cid, f"{self.web_url}/profile/{at.hostname}/post/{at.rkey}"
        )

    async def publish(self, post: Post) -> RemoteRef:
        rendered = self.format(post)
        rkey = rkey_for(post.record_key)

        async def write(did: str) -> RemoteRef:
            body = {
                "repo": did,
                "collection": COLLECTION,
                "rkey": rkey,
                "record": await self._record(post, rendered),
                "swapRecord": None,  # create only: fails with InvalidSwap if the rkey is taken
            }
            try:
                response = await self.client.invoke_procedure(
                    "com.atproto.repo.putRecord",
                    content=json.dumps(body),
                    headers={"Content-Type": "application/json"},
                )
            except BadRequestError as error:
                if _error_name(error) != "InvalidSwap":
                    raise
                # Published before (a retry after a crash): answer with the first record.
                found = await self.client.com.atproto.repo.get_record(
                    {"repo": did, "collection": COLLECTION, "rkey": rkey}
                )
                return self._ref(found.uri, found.cid)
            written = get_or_create(response.content, models.ComAtprotoRepoPutRecord.Response)
            return self._ref(written.uri, written.cid)

        return await self._call(write)

    async def find(self, post: Post) -> RemoteRef | None:
        rkey = rkey_for(post.record_key)

        async def read(did: str) -> RemoteRef | None:
            try:
                found = await self.client.com.atproto.repo.get_record(
                    {"repo": did, "collection": COLLECTION, "rkey": rkey}
                )
            except BadRequestError as error:
                if _error_name(error) == "RecordNotFound":
                    return None
                raise
            return self._ref(found.uri, found.cid)

        return await self._call(read)

    async def mark_as_bot(self) -> str:
        """Self-label the account ``bot`` (app.bsky.actor.profile, rkey "self"), keeping the rest
        of its profile: apps then show that an automated account is posting."""

        async def label(did: str) -> str:
            where = {"repo": did, "collection": "app.bsky.actor.profile", "rkey": "self"}
            try:
                found = await self.client.com.atproto.repo.get_record(where)
                profile = get_model_as_dict(found.value)
            except BadRequestError as error:
                if _error_name(error) != "RecordNotFound":
                    raise
                profile = {}
            profile["$type"] = "app.bsky.actor.profile"
            values = [v for v in (profile.get("labels") or {}).get("values", [])]
            if not any(v.get("val") == "bot" for v in values):
                values.append({"val": "bot"})
            profile["labels"] = {"$type": "com.atproto.label.defs#selfLabels", "values": values}
            await self.client.invoke_procedure(
                "com.atproto.repo.putRecord",
                content=json.dumps({**where, "record": profile}),
                headers={"Content-Type": "application/json"},
            )
            return f"Bluesky: {self.handle} carries the bot self-label"

        return await self._call(label)

    async def delete(self, ref: RemoteRef) -> None:
        at = AtUri.from_str(ref.id)

        async def remove(did: str) -> None:
            await self.client.com.atproto.repo.delete_record(
                {"repo": did, "collection": at.collection, "rkey": at.rkey}
            )

        await self._call(remove)

    async def aclose(self) -> None:
        await self.client.request.close()
