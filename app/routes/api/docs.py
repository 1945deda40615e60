"""OpenAPI docs served from the vendored Swagger UI 5 (static/swagger; no CDN, no inline script),
and the webhooks a company receives, described in the schema's ``webhooks`` section."""

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from app.integrations.schemas import WebhookDelivery
from app.web.api_schema import Responses
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/api/docs")
def docs(request: Request) -> Response:
    response = render(request, "api_docs.html")
    # Swagger UI sets inline styles; scripts stay 'self' only.
    response.headers["content-security-policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
    )
    return response


# The recipe is docs/api-and-webhooks.md's (tests/integrations/test_api.py keeps them the same).
VERIFY = """Outcry POSTs this JSON to each webhook subscribed to the event, signed with the webhook's
secret. Answer 2xx within 10 seconds; 410 disables the webhook; 429 is retried after
`Retry-After`; anything else is retried with growing pauses (8 attempts in all). Retries resend
the same body and delivery id.

To verify a delivery, take the raw request body and the `Outcry-Signature: t=<unix time>,v1=<hex>`
header, and compare `v1` with the HMAC-SHA256 of `"<t>.<raw body>"` keyed with the webhook's
signing secret; refuse timestamps more than five minutes old:

```python
import hashlib, hmac, time

def verify(secret: str, header: str, body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256)
    fresh = abs(time.time() - int(parts["t"])) <= 300
    return fresh and hmac.compare_digest(parts["v1"], expected.hexdigest())
```
"""

webhooks = APIRouter(tags=["webhooks"])

Signature = Annotated[
    str,
    Header(
        alias="Outcry-Signature",
        description="t=UNIX_TIME,v1=HEX: the HMAC-SHA256, keyed with the webhook's secret, of "
        "the time, a dot and the raw body",
    ),
]
EventName = Annotated[str, Header(alias="Outcry-Event", description="The event name")]
DeliveryId = Annotated[str, Header(alias="Outcry-Delivery", description="The delivery id")]
ANSWER: Responses = {
    "2XX": {"description": "Received; anything else is retried (410 disables the webhook)"}
}


@webhooks.post("complaint.created", responses=ANSWER, description=VERIFY)
def complaint_created(
    body: WebhookDelivery, signature: Signature, event: EventName, delivery: DeliveryId
) -> None:
    """A complaint against your company was published."""


@webhooks.post("complaint.updated", responses=ANSWER, description=VERIFY)
def complaint_updated(
    body: WebhookDelivery, signature: Signature, event: EventName, delivery: DeliveryId
) -> None:
    """A complaint changed (state, owner, a message if you do not take message.created):
    ``changes`` says what. One change is one delivery."""


@webhooks.post("message.created", responses=ANSWER, description=VERIFY)
def message_created(
    body: WebhookDelivery, signature: Signature, event: EventName, delivery: DeliveryId
) -> None:
    """A public message on a complaint against your company, from either side, with whatever
    else changed with it (``changes``)."""
