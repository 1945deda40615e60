"""HTTP answers as broadcast errors, for the adapters that speak plain HTTP (Mastodon, webhooks)."""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from app.broadcast.base import PermanentError, RateLimited, TemporaryError


def _seconds_until(value: str, now: datetime) -> float | None:
    """Seconds from ``now`` to a header's time: a number of seconds, an ISO time or an HTTP-date."""
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - now).total_seconds()


def retry_after(response: httpx.Response, *, now: datetime | None = None) -> float | None:
    """The later of Retry-After and X-RateLimit-Reset (docs/social-networks.md)."""
    now = now or datetime.now(UTC)
    waits = [
        seconds
        for name in ("retry-after", "x-ratelimit-reset")
        if (value := response.headers.get(name)) is not None
        and (seconds := _seconds_until(value, now)) is not None
    ]
    wait = max(waits, default=0.0)
    return wait if wait > 0 else None


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(data, dict):
        return str(data.get("error") or data.get("detail") or data)[:300]
    return str(data)[:300]


def check(response: httpx.Response, *, network: str) -> httpx.Response:
    """Return a 2xx response; raise RateLimited, PermanentError or TemporaryError otherwise."""
    status = response.status_code
    if 200 <= status < 300:
        return response
    detail = f"{network} answered {status}: {_detail(response)}"
    if status == 429:
        raise RateLimited(retry_after(response), detail)
    if status in (408, 425) or status >= 500:
        raise TemporaryError(detail)
    raise PermanentError(detail)  # 401/403 bad token, 422 rejected text, 404 …: retrying won't help


async def send(
    client: httpx.AsyncClient, request: httpx.Request, *, network: str
) -> httpx.Response:
    """Send, turning transport failures (refused, reset, timed out) into TemporaryError."""
    try:
        response = await client.send(request)
    except httpx.TransportError as error:
        raise TemporaryError(f"{network} unreachable: {error!r}") from error
    return response
