"""A signed JSON POST per post, for anyone wiring Outcry into another network or a newsroom.

Signed like company webhooks (app/integrations/signing.py: ``Outcry-Signature: t=…,v1=…``,
HMAC-SHA256 over ``f"{t}.{body}"``). The URL comes from the operator's settings, not from users,
so it may be on a private network. Bodies:

    {"action": "publish", "id": <record key>, "text": …, "title": …, "link": {…} | null,
     "mentions": [{"name": …, "accounts": {…}}], "reply_to": {"root": …, "parent": …} | null,
     "lang": …}
    {"action": "delete", "id": <record key>}

Retries resend the same ``id`` and ``Idempotency-Key``: receivers should ignore an id they have.
"""

import hashlib
import json
from dataclasses import asdict
from typing import Any

import httpx

from app.broadcast.base import Post, RemoteRef, Rendered
from app.broadcast.http import check, send
from app.broadcast.layout import Rules, render
from app.integrations.signing import HEADER, signature_header

RULES = Rules(max_graphemes=None)  # receivers get the whole text and reformat it themselves


class WebhookAdapter:
    """One receiving URL; its name is stable and does not reveal the URL (it may hold a token)."""

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not secret:
            raise ValueError("a broadcast webhook needs a signing secret")
        self.name = "webhook-" + hashlib.sha256(url.encode()).hexdigest()[:8]
        self.url, self._secret = url, secret
        self.http = httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False)

    def format(self, post: Post) -> Rendered:
        return render(post, network=self.name, rules=RULES)

    async def _post(self, payload: dict[str, Any], key: str) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            HEADER: signature_header(self._secret, body),
            "User-Agent": "Outcry-Broadcaster",
        }
        request = self.http.build_request("POST", self.url, content=body, headers=headers)
        check(await send(self.http, request, network="webhook"), network="webhook")

    async def publish(self, post: Post) -> RemoteRef:
        reply = post.reply_to
        await self._post(
            {
                "action": "publish",
                "id": post.record_key,
                "text": self.format(post).text,
                "title": post.title,
                "link": asdict(post.link) if post.link else None,
                "mentions": [asdict(mention) for mention in post.mentions],
                "reply_to": {"root": reply.root.as_dict(), "parent": reply.parent.as_dict()}
                if reply
                else None,
                "lang": post.lang,
            },
            post.record_key,
        )
        return RemoteRef(self.name, post.record_key)

    async def find(self, post: Post) -> RemoteRef | None:
        return None  # receivers deduplicate by "id": sending again is safe

    async def delete(self, ref: RemoteRef) -> None:
        await self._post({"action": "delete", "id": ref.id}, f"delete:{ref.id}")

    async def aclose(self) -> None:
        await self.http.aclose()
