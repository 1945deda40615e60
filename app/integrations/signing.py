"""Webhook signatures: HMAC-SHA256 over ``f"{timestamp}.{body}"`` with the webhook's secret.

Sent as ``Outcry-Signature: t=<unix seconds>,v1=<hex digest>``. The timestamp is signed too, so a
receiver that refuses old timestamps cannot be fooled by a replayed delivery.
"""

import hashlib
import hmac
import time

HEADER = "Outcry-Signature"
TOLERANCE_SECONDS = 300


def digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={digest(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: recompute the digest over the raw body and compare in constant time."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), digest(secret, timestamp, body))
