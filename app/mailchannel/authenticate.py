"""Who sent a reply. A company's answer is published without review only when it comes from
the company's verified domain and carries a valid DKIM signature (RFC 6376) whose signing
domain is aligned with the From domain as DMARC requires (RFC 7489 section 3.1.1, relaxed
mode). Anything else is held for a moderator.

Relaxed alignment compares organisational domains; without the Public Suffix List we take the
signing domain as aligned when it is the From domain or a parent or child of it, which is
never looser than the RFC for names under one registrable domain."""

from dataclasses import dataclass

import dkim
import dns.exception
import dns.resolver

from app.config import get_settings


@dataclass(frozen=True)
class Verdict:
    verified: bool
    detail: str


def _resolver() -> dns.resolver.Resolver:
    # The development DNS override of claims (refused in production) serves the tests' keys.
    settings = get_settings()
    if not settings.dev_claim_dns:
        return dns.resolver.Resolver()
    host, _, port = settings.dev_claim_dns.rpartition(":")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host or settings.dev_claim_dns]
    resolver.port = int(port) if host and port else 53
    resolver.lifetime = 5.0
    return resolver


def txt(name: bytes | str, timeout: float = 5) -> bytes:
    """dkimpy's DNS hook: the TXT record at ``name`` (strings joined), or b"" when none."""
    qname = name.decode() if isinstance(name, bytes) else name
    resolver = _resolver()
    resolver.lifetime = min(resolver.lifetime, timeout)
    try:
        answer = resolver.resolve(qname.rstrip("."), "TXT")
    except (dns.exception.DNSException, ValueError):
        return b""
    for record in answer:
        return b"".join(record.strings)
    return b""


def aligned(signing: str, author: str) -> bool:
    signing, author = signing.lower().rstrip("."), author.lower().rstrip(".")
    return signing == author or author.endswith("." + signing) or signing.endswith("." + author)


def within(domain: str, company_domain: str) -> bool:
    domain, company_domain = domain.lower(), company_domain.lower()
    return domain == company_domain or domain.endswith("." + company_domain)


def check(*, raw: bytes, from_domain: str, company_domain: str | None) -> Verdict:
    if not company_domain:
        return Verdict(False, "the company has no verified domain")
    if not within(from_domain, company_domain):
        return Verdict(False, f"sent from {from_domain}, not {company_domain}")
    verifier = dkim.DKIM(raw)
    count = sum(1 for name, _value in verifier.headers if name.lower() == b"dkim-signature")
    if not count:
        return Verdict(False, "no DKIM signature")
    seen: list[str] = []
    for index in range(count):
        try:
            ok = verifier.verify(idx=index, dnsfunc=txt)
        except dkim.DKIMException as exc:
            seen.append(f"DKIM fail: {exc}")
            continue
        signing = (verifier.domain or b"").decode(errors="replace")
        if not ok:
            seen.append(f"DKIM fail (d={signing})")
        elif not aligned(signing, from_domain):
            seen.append(f"DKIM pass for d={signing}, not aligned with {from_domain}")
        else:
            return Verdict(True, f"DKIM pass, d={signing} aligned with {from_domain}")
    return Verdict(False, "; ".join(seen)[:500])
