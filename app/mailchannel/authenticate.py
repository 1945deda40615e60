"""Who sent a reply. A company's answer is published without review only when it comes from
the company's verified domain and carries a valid DKIM signature (RFC 6376) whose signing
domain is aligned with the From domain as DMARC requires (RFC 7489 section 3.1.1, relaxed
mode). Anything else is held for a moderator.

Relaxed alignment compares organisational domains (RFC 7489 section 3.2): the registrable
domain one label below the longest public suffix, found with the Public Suffix List that the
publicsuffixlist package ships (read from the installed package, never fetched)."""

from dataclasses import dataclass
from functools import cache

import dkim
import dns.exception
import dns.resolver
from publicsuffixlist import PublicSuffixList

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


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()


def organisational_domain(domain: str) -> str | None:
    """``domain``'s organisational domain, or None when it is itself a public suffix (``co.uk``)
    or empty. The list's private section counts too: two names under a shared hosting suffix
    (``a.github.io``, ``b.github.io``) belong to different owners."""
    domain = domain.lower().rstrip(".")
    if not domain or ".." in domain:
        return None
    return _suffixes().privatesuffix(domain)


def aligned(signing: str, author: str) -> bool:
    """DMARC relaxed alignment: the same organisational domain. A public suffix aligns only
    with itself, exactly."""
    signing, author = signing.lower().rstrip("."), author.lower().rstrip(".")
    if signing == author:
        return bool(signing)
    organisation = organisational_domain(author)
    return organisation is not None and organisation == organisational_domain(signing)


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
