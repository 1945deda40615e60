"""Dry run: the broadcaster's mode when no network is configured. Nothing leaves the machine.

Posts are shaped by Bluesky's rules, the strictest of the networks, so what the scheduler records
for /broadcasts (``format(post).text``) could be posted anywhere as it is.
"""

from app.broadcast.base import Post, RemoteRef, Rendered
from app.broadcast.bluesky import RULES, BlueskyAdapter
from app.broadcast.layout import render

BLUESKY = BlueskyAdapter.name


class DryRunAdapter:
    """Publishes nowhere and answers with a ref that says so."""

    name = "dryrun"

    def format(self, post: Post) -> Rendered:
        # Exactly Bluesky's text: its rules and its accounts (a verified company's @handle).
        return render(post, network=BLUESKY, rules=RULES)

    async def publish(self, post: Post) -> RemoteRef:
        self.format(post)  # a post that could not be published fails here too
        return RemoteRef(self.name, f"dryrun:{post.record_key}")

    async def find(self, post: Post) -> RemoteRef | None:
        return None

    async def delete(self, ref: RemoteRef) -> None:
        return None

    async def aclose(self) -> None:
        return None
