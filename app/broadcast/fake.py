"""An in-memory network for tests: keeps what was published and deleted, fails on request."""

from app.broadcast.base import BroadcastError, Post, RemoteRef, Rendered, TemporaryError
from app.broadcast.bluesky import RULES
from app.broadcast.layout import Rules, render


class FakeAdapter:
    """Behaves like a network that honours record keys; ``failures`` are raised first, in order."""

    def __init__(self, name: str = "fake", *, rules: Rules = RULES, web_url: str = "") -> None:
        self.name, self.rules = name, rules
        self.web_url = web_url  # where its posts are seen, if anywhere
        self.posts: dict[str, tuple[Post, Rendered]] = {}  # record key → what was published
        self.deleted: list[RemoteRef] = []
        self.failures: list[BroadcastError] = []
        self.calls = 0
        self.lost_answers = 0  # posts that land but whose answer is lost (a timeout)

    def format(self, post: Post) -> Rendered:
        return render(post, network=self.name, rules=self.rules)

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)

    async def publish(self, post: Post) -> RemoteRef:
        self._maybe_fail()
        self.posts.setdefault(post.record_key, (post, self.format(post)))
        if self.lost_answers:
            self.lost_answers -= 1
            raise TemporaryError("timed out (but the post landed)")
        return self._ref(post)

    def _ref(self, post: Post) -> RemoteRef:
        url = f"{self.web_url}/{post.record_key}" if self.web_url else None
        return RemoteRef(self.name, f"{self.name}:{post.record_key}", url=url)

    async def find(self, post: Post) -> RemoteRef | None:
        self._maybe_fail()
        if post.record_key in self.posts:
            return self._ref(post)
        return None

    async def delete(self, ref: RemoteRef) -> None:
        self._maybe_fail()
        self.posts.pop(ref.id.removeprefix(f"{self.name}:"), None)
        self.deleted.append(ref)

    async def aclose(self) -> None:
        return None
