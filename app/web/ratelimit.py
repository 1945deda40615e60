"""Rate limits (OWASP ASVS 2.2.1, Mastodon's numbers): ``limits`` moving windows kept in memory,
or in Redis when ``OUTCRY_REDIS_URL`` is set so that every server process shares one count.

Routes call ``hit(name, key)`` (or ``check`` then ``hit`` to count only failures) and get
``RateLimited`` (a 429 DomainError carrying ``retry_after``) when over. Form routes catch it and
re-render the form with what was typed; anything else becomes a 429 page or problem detail with
``Retry-After`` through the handler ``install`` registers.
"""

import ipaddress
import logging
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from fastapi import FastAPI, Request
from fastapi.responses import Response
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from app.config import get_settings
from app.errors import DomainError
from app.hashing import token_hash
from app.net import is_loopback_host
from app.web.errors import error_response

log = logging.getLogger(__name__)

# Name -> "N per period". Per IP unless the name says otherwise.
DEFAULT_LIMITS: dict[str, str] = {
    "login_ip": "25/5minutes",  # Mastodon: 25 logins per 5 minutes per IP
    "login_pair": "10/15minutes",  # failed logins per account (email typed) and client address
    "login_link_account": "3/hour",  # sign-in link mails per address typed
    "signup_ip": "10/hour",
    "reset_ip": "10/hour",
    "reset_account": "3/hour",  # reset mails per address typed, whether or not it exists
    "verify_resend_user": "3/hour",
    "reauth_user": "10/15minutes",  # wrong current passwords on the change forms
    "complaint_user": "10/hour",
    "complaint_ip": "30/hour",
    "message_user": "30/hour",  # the consumer's follow-ups and answers
    "cosign_user": "60/hour",
    "report_user": "20/hour",  # moderation reports
    "takedown_ip": "10/day",  # notice-and-takedown notices
    "api_token_user": "10/hour",  # API token creation
    "api_write_token": "120/minute",  # JSON API writes, per token (or per signed-in user)
    "api_read_token": "600/minute",  # company API reads, per token
}


class RateLimited(DomainError):
    status_code = 429
    title = "Too many requests"

    def __init__(self, name: str, retry_after: int) -> None:
        super().__init__(
            f"Too many attempts. Please wait {_wait(retry_after)} and try again. "
            "Nothing you typed has been lost."
        )
        self.name = name
        self.retry_after = retry_after


def _wait(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


@dataclass
class Limiter:
    storage: Storage
    enabled: bool = True

    def __post_init__(self) -> None:
        self.strategy = MovingWindowRateLimiter(self.storage)

    @classmethod
    def from_settings(cls) -> "Limiter":
        settings = get_settings()
        if settings.redis_url:
            storage: Storage = RedisStorage(
                settings.redis_url, key_prefix=settings.ratelimit_key_prefix
            )
        else:
            storage = MemoryStorage()
        return cls(storage=storage, enabled=settings.ratelimit_enabled)

    def reset(self) -> None:
        """Forget every count (tests isolate themselves with this)."""
        self.storage.reset()

    def _retry_after(self, item: RateLimitItem, name: str, key: str) -> int:
        stats = self.strategy.get_window_stats(item, name, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def check(self, name: str, key: str) -> None:
        """Refuse if the limit is already used up, without counting this request."""
        if not self.enabled:
            return
        item = rule(name)
        try:
            allowed = self.strategy.test(item, name, key)
        except Exception:  # a limiter outage must not take the site down with it
            log.warning("rate limit storage unavailable; %s not checked", name, exc_info=True)
            return
        if not allowed:
            raise RateLimited(name, self._retry_after(item, name, key))

    def hit(self, name: str, key: str) -> None:
        """Count this request; refuse it (uncounted) once the limit is used up."""
        if not self.enabled:
            return
        item = rule(name)
        try:
            allowed = self.strategy.hit(item, name, key)
        except Exception:
            log.warning("rate limit storage unavailable; %s not counted", name, exc_info=True)
            return
        if not allowed:
            raise RateLimited(name, self._retry_after(item, name, key))

    def hit_quota(self, name: str, key: str) -> "Quota | None":
        """``hit``, and what is left of the window, for RateLimit-* response headers."""
        if not self.enabled:
            return None
        item = rule(name)
        try:
            allowed = self.strategy.hit(item, name, key)
            stats = self.strategy.get_window_stats(item, name, key)
        except Exception:
            log.warning("rate limit storage unavailable; %s not counted", name, exc_info=True)
            return None
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        if not allowed:
            raise RateLimited(name, reset)
        return Quota(limit=item.amount, remaining=stats.remaining, reset=reset)


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int  # seconds until the window has room again

    def headers(self) -> dict[str, str]:
        # The IETF httpapi RateLimit header fields, as GitHub and Zendesk send them.
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def rule(name: str) -> RateLimitItem:
    return _parsed(get_settings().rate_limits.get(name) or DEFAULT_LIMITS[name])


@lru_cache(maxsize=128)
def _parsed(text: str) -> RateLimitItem:
    return parse(text)


_limiter: Limiter | None = None
# Routes run in a thread pool: the first requests of a process would build the limiter at once,
# and limits' lazy import of redis is not thread-safe ("minimum version of 3.0 for 'redis' could
# not be found. Found version: 0.0.0", a 500 on the first logins of a fresh process).
_limiter_lock = threading.Lock()


def limiter() -> Limiter:
    global _limiter
    if _limiter is None:
        with _limiter_lock:
            if _limiter is None:
                _limiter = Limiter.from_settings()
    return _limiter


def use(new: Limiter | None) -> None:
    """Replace the process's limiter (tests: another storage); None rebuilds from settings."""
    global _limiter
    _limiter = new


def hit(name: str, key: str) -> None:
    limiter().hit(name, key)


def check(name: str, key: str) -> None:
    limiter().check(name, key)


@lru_cache(maxsize=8)
def _networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request: Request) -> str:
    """The socket's peer; X-Forwarded-For only when that peer is a trusted proxy, read from the
    right (each proxy appends), skipping our own proxies: the first other address is the client.
    Anything left of it is what the client claimed, so it is never believed."""
    peer = request.client.host if request.client else "unknown"
    networks = _networks(tuple(get_settings().trusted_proxies))
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage in the header: fall back to the proxy itself
    return peer


def from_loopback(request: Request) -> bool:
    """Is the client (as ``client_ip`` sees it) on this computer? Development aids and
    unauthenticated metrics answer only then."""
    return is_loopback_host(client_ip(request))


def with_retry_after(response: Response, exc: RateLimited) -> Response:
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def install(app: FastAPI) -> None:
    """429 page or problem detail, with Retry-After, for limits raised outside a form route."""

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> Response:
        return with_retry_after(error_response(request, 429, exc.detail), exc)


def api_write_limit(request: Request) -> None:
    """Dependency for JSON API writes: counted per bearer token (unknown tokens too, which also
    slows guessing), else per client address."""
    auth = request.headers.get("authorization", "")
    scheme, _, credential = auth.partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        key = "token:" + token_hash(credential.strip())
    else:
        key = "ip:" + client_ip(request)
    hit("api_write_token", key)


def api_token_quota(request: Request) -> None:
    """Dependency for the company API: reads and writes counted per bearer token (unknown
    tokens too), the quota left kept for the RateLimit-* headers."""
    auth = request.headers.get("authorization", "")
    scheme, _, credential = auth.partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        key = "token:" + token_hash(credential.strip())
    else:
        key = "ip:" + client_ip(request)
    write = request.method not in ("GET", "HEAD", "OPTIONS")
    request.state.quota = limiter().hit_quota("api_write_token" if write else "api_read_token", key)
