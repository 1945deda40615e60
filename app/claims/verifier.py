"""Checking that a claimant controls a domain, by the methods of docs/lifecycle.md
(strongest first): a DNS TXT record, a file under /.well-known/ over HTTPS
with no redirects, or a code mailed to an address at the domain.

The network parts are injected (resolver, HTTPS port, TLS trust, address policy, mailer) so tests
run against real local servers; the defaults are the system's resolver and trust store and the
public-only address policy (SSRF: docs/security-references.md).
"""

import ipaddress
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import dns.exception
import dns.resolver
import httpx
from sqlmodel import Session

from app.config import Settings, get_settings
from app.models.membership import ClaimMethod
from app.net import AddressPolicy, UnsafeAddress, public_only
from app.notify.mail import queue_mail

TXT_PREFIX = "outcry-verification="
WELL_KNOWN_PATH = "/.well-known/outcry-verification.txt"
MAX_FILE_BYTES = 1024  # the file holds one token; anything bigger is not our file
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Proof:
    """The outcome of one check, worded for the claimant to act on."""

    ok: bool
    reason: str
    # False when we could not tell (a timeout, a server error): nothing should change on it.
    conclusive: bool = True


class Resolver(Protocol):
    def resolve(self, qname: str, rdtype: str) -> Iterable[Any]: ...


class Mailer(Protocol):
    def __call__(self, *, session: Session, key: str, to: str, subject: str, text: str) -> object:
        """Queue one message in the caller's transaction."""


def system_resolver() -> dns.resolver.Resolver:
    resolver = dns.resolver.Resolver()  # /etc/resolv.conf
    resolver.lifetime = 5.0
    return resolver


def system_trust() -> ssl.SSLContext:
    return ssl.create_default_context()  # the operating system's CA store


@dataclass(frozen=True)
class Verifier:
    resolver: Resolver = field(default_factory=system_resolver)
    https_port: int = 443
    tls: ssl.SSLContext = field(default_factory=system_trust)
    policy: AddressPolicy = public_only
    timeout: float = 5.0
    mailer: Mailer = queue_mail

    def check(self, *, method: ClaimMethod, domain: str, token: str) -> Proof:
        """Re-run a claim's published proof (DNS or the well-known file)."""
        if method is ClaimMethod.DNS:
            return self.check_dns(domain=domain, token=token)
        if method is ClaimMethod.WELL_KNOWN:
            return self.check_well_known(domain=domain, token=token)
        raise ValueError(f"{method} claims have no published proof to check")

    def check_dns(self, *, domain: str, token: str) -> Proof:
        expected = TXT_PREFIX + token
        try:
            answer = self.resolver.resolve(domain, "TXT")
        except dns.resolver.NXDOMAIN:
            return Proof(False, f"{domain} does not exist in DNS.")
        except dns.resolver.NoAnswer:
            return Proof(
                False,
                f"There is no TXT record at {domain} yet. Add the record below; new records "
                "can take a few minutes to appear.",
            )
        except dns.exception.DNSException as exc:
            return Proof(False, f"DNS did not answer for {domain} ({exc}).", conclusive=False)
        values = [b"".join(record.strings).decode("utf-8", "replace").strip() for record in answer]
        if expected in values:
            return Proof(True, f"Found the TXT record {expected} at {domain}.")
        ours = [v for v in values if v.startswith(TXT_PREFIX)]
        if ours:
            return Proof(
                False,
                f"The TXT record at {domain} has a different token ({ours[0]}); "
                f"it must be exactly {expected}.",
            )
        return Proof(False, f"None of the TXT records at {domain} is {expected}.")

    def safe_address(self, domain: str) -> IPAddress:
        """One address to connect to. The whole domain is refused if ANY of its addresses is
        refused, and the caller connects to that exact address, so a second lookup (DNS
        rebinding) cannot point the request elsewhere."""
        addresses: list[IPAddress] = []
        for rdtype in ("A", "AAAA"):
            try:
                addresses += [
                    ipaddress.ip_address(r.to_text()) for r in self.resolver.resolve(domain, rdtype)
                ]
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                continue
        if not addresses:
            raise UnsafeAddress(f"{domain} has no address in DNS.")
        refused = [str(a) for a in addresses if not self.policy(a)]
        if refused:
            raise UnsafeAddress(
                f"{domain} points to a private, loopback or link-local address "
                f"({', '.join(refused)}); Outcry only fetches from public addresses."
            )
        return addresses[0]

    def check_well_known(self, *, domain: str, token: str) -> Proof:
        public_url = f"https://{domain}{WELL_KNOWN_PATH}"
        try:
            address = self.safe_address(domain)
        except UnsafeAddress as exc:
            return Proof(False, str(exc))
        except dns.exception.DNSException as exc:
            return Proof(False, f"DNS did not answer for {domain} ({exc}).", conclusive=False)
        host = f"[{address}]" if address.version == 6 else str(address)
        url = f"https://{host}:{self.https_port}{WELL_KNOWN_PATH}"
        try:
            with (
                httpx.Client(
                    verify=self.tls, timeout=self.timeout, follow_redirects=False, trust_env=False
                ) as client,
                client.stream(
                    "GET",
                    url,
                    headers={"Host": domain, "Accept-Encoding": "identity"},
                    extensions={"sni_hostname": domain},  # the certificate must be the domain's
                ) as response,
            ):
                if response.is_redirect or 300 <= response.status_code < 400:
                    target = response.headers.get("location", "elsewhere")[:200]
                    return Proof(
                        False,
                        f"{public_url} answered with a redirect (HTTP {response.status_code} to "
                        f"{target}). Outcry does not follow redirects: serve the file at exactly "
                        "this address, over HTTPS.",
                    )
                if response.status_code != 200:
                    return Proof(
                        False,
                        f"{public_url} answered HTTP {response.status_code}; it must answer 200 "
                        "with the file.",
                        conclusive=response.status_code < 500,
                    )
                body, deadline = b"", time.monotonic() + 2 * self.timeout
                for chunk in response.iter_raw():  # a trickle must not hold us for long
                    body += chunk
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the file arrived too slowly")
                    if len(body) > MAX_FILE_BYTES:
                        return Proof(
                            False,
                            f"{public_url} is larger than {MAX_FILE_BYTES} bytes; it should "
                            "hold only the token.",
                        )
        except httpx.TimeoutException:
            return Proof(
                False, f"{domain} did not answer within {self.timeout:g} seconds.", conclusive=False
            )
        except httpx.ConnectError as exc:
            if _caused_by_tls(exc):
                return Proof(
                    False,
                    f"{domain} did not answer over HTTPS with a valid certificate for {domain} "
                    f"({_tls_reason(exc)}). Plain HTTP is not accepted.",
                )
            return Proof(False, f"Could not connect to {domain} ({exc}).", conclusive=False)
        except httpx.HTTPError as exc:
            return Proof(False, f"Could not fetch {public_url} ({exc}).", conclusive=False)
        lines = [line.strip() for line in body.decode("utf-8", "replace").splitlines()]
        if token in lines or TXT_PREFIX + token in lines:
            return Proof(True, f"Found this claim's token at {public_url}.")
        return Proof(False, f"{public_url} exists but does not contain this claim's token.")


def _caused_by_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "SSL" in str(exc)


def _tls_reason(exc: BaseException) -> str:
    text = str(exc)
    return text.split("] ", 1)[-1].split(" (_ssl.c")[0] or "TLS handshake failed"


@lru_cache
def get_verifier() -> Verifier:
    """The production verifier; routes take it as a dependency, so tests can swap it. In
    development, the OUTCRY_DEV_CLAIM_* settings point it at local servers."""
    return verifier_for(get_settings())


def verifier_for(settings: Settings) -> Verifier:
    if not settings.dev_claim_overrides:
        return Verifier()
    options: dict[str, Any] = {"policy": lambda _address: True}  # local servers are loopback
    if settings.dev_claim_dns:
        host, _, port = settings.dev_claim_dns.rpartition(":")
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host or settings.dev_claim_dns]
        resolver.port = int(port) if host and port else 53
        resolver.lifetime = 5.0
        options["resolver"] = resolver
    if settings.dev_claim_https_port:
        options["https_port"] = settings.dev_claim_https_port
    if settings.dev_claim_ca_file:
        options["tls"] = ssl.create_default_context(cafile=settings.dev_claim_ca_file)
    return Verifier(**options)
