"""The one interface every network adapter implements, and the values that cross it."""

import re
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from app.jobs.queue import Outcome

# Placeholders a post's text may hold. Everything else in the text is the caller's, verbatim.
TITLE, LINK, MENTION = "{title}", "{link}", "{mention}"
PLACEHOLDER_RE = re.compile(r"\{title\}|\{link\}|\{mention\}")


@dataclass(frozen=True)
class Link:
    """The page a post points to, and what its card says."""

    url: str
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class Mention:
    """A company, by its account on each network (adapter name → account, without the "@")."""

    name: str  # shown instead where a network has no account for it
    accounts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteRef:
    """Where a published post lives on one network: enough to reply to it or delete it."""

    network: str
    id: str  # Bluesky: at:// URI; Mastodon: status id; webhook and dry run: the record key
    cid: str | None = None  # Bluesky: content hash, needed for strong refs in replies
    url: str | None = None  # a public web address, when the network has one

    def as_dict(self) -> dict[str, Any]:
        return {"network": self.network, "id": self.id, "cid": self.cid, "url": self.url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RemoteRef":
        return cls(network=data["network"], id=data["id"], cid=data.get("cid"), url=data.get("url"))


@dataclass(frozen=True)
class Thread:
    """The posts a reply belongs under, on the network it is sent to."""

    root: RemoteRef
    parent: RemoteRef


@dataclass(frozen=True)
class Post:
    """What to say, before a network's limits shape it.

    ``text`` is a template: ``{title}`` becomes ``title`` (shortened with "…" when the post would
    not fit; it is the only part that shrinks), ``{link}`` the link's URL (never shortened) and
    each ``{mention}`` the next of ``mentions``, as an account on the network or its plain name.
    ``record_key`` is chosen by the caller and kept across retries: it makes publishing idempotent.
    """

    text: str
    record_key: str
    title: str = ""
    link: Link | None = None
    mentions: tuple[Mention, ...] = ()
    reply_to: Thread | None = None
    lang: str = "en"

    def __post_init__(self) -> None:
        found = PLACEHOLDER_RE.findall(self.text)
        if not self.record_key.strip() or len(self.record_key) > 200:
            raise ValueError("record_key must be 1 to 200 characters")
        if found.count(LINK) != (1 if self.link else 0):
            raise ValueError("the text must hold {link} exactly once when there is a link")
        if found.count(MENTION) != len(self.mentions):
            raise ValueError("the text must hold one {mention} per mention")
        if found.count(TITLE) > 1 or (self.title and TITLE not in found):
            raise ValueError("the text must hold {title} once when there is a title")


@dataclass(frozen=True)
class Span:
    """A link or mention inside rendered text, by UTF-8 byte offsets (as Bluesky facets count)."""

    kind: Literal["link", "mention"]
    start: int
    end: int
    target: str  # the URL, or the account as the network writes it


@dataclass(frozen=True)
class Rendered:
    """The exact text a network receives, with its links and mentions located."""

    text: str
    spans: tuple[Span, ...] = ()


class BroadcastError(Exception):
    """A network refused or failed a request."""


class RateLimited(BroadcastError):
    """The network asked us to wait (HTTP 429): retry after this many seconds."""

    def __init__(self, retry_after_seconds: float | None, detail: str = "rate limited") -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class PermanentError(BroadcastError):
    """Retrying cannot help (rejected content, bad credentials): the job should go dead."""


class TemporaryError(BroadcastError):
    """The network is down, slow or erring (5xx, timeouts): retry with backoff."""


def outcome_for(error: BroadcastError) -> Outcome:
    """Map an adapter error to the outbox's Outcome, so the worker retries, waits or gives up."""
    detail = f"{type(error).__name__}: {error}"
    if isinstance(error, RateLimited):
        return Outcome(ok=False, detail=detail, retry_after=error.retry_after_seconds)
    return Outcome(ok=False, detail=detail, permanent=isinstance(error, PermanentError))


@runtime_checkable
class Adapter(Protocol):
    """One social network (or other destination). Adding a network = adding one adapter module."""

    name: str
    """Stable identifier, used in job keys and stored with every RemoteRef."""

    def format(self, post: Post) -> Rendered:
        """The exact text (and link/mention spans) this network would receive; no I/O."""
        ...

    async def publish(self, post: Post) -> RemoteRef:
        """Publish once per ``post.record_key``: a retry returns the first post, never a second."""
        ...

    async def find(self, post: Post) -> RemoteRef | None:
        """Read back whether ``post`` (by its record key) is already published; None when it is
        not, or when the network cannot tell (its receiver deduplicates by the key instead)."""
        ...

    async def delete(self, ref: RemoteRef) -> None:
        """Remove a published post; deleting one already gone is not an error."""
        ...

    async def aclose(self) -> None:
        """Release connections; called once when the worker stops."""
        ...
