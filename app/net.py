"""Outbound-request safety (SSRF): Outcry fetches company domains and posts to webhook URLs,
so it must never be turned against private, loopback or link-local hosts (OWASP ASVS; see
docs/security-references.md)."""

import ipaddress
import socket
from collections.abc import Callable

AddressPolicy = Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]


def public_only(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """The default policy: only globally routable unicast addresses."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def is_loopback_host(host: str) -> bool:
    """Is ``host`` (a name or address to listen on or hear from) this computer only?"""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


class UnsafeAddress(Exception):
    """The host resolves to an address the policy refuses."""


def resolve_checked(host: str, port: int, *, policy: AddressPolicy = public_only) -> str:
    """Resolve ``host`` and return one address to connect to, refusing the whole host if ANY of
    its addresses is refused (so a rebinding answer cannot slip a private address through)."""
    # One message whether the name is unknown or private, and never the addresses: it reaches
    # pages (a webhook's failed delivery), which must not map internal names for their reader.
    refusal = f"{host} is not a public internet address"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeAddress(refusal) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or not all(policy(a) for a in addresses):
        raise UnsafeAddress(refusal)
    return str(addresses[0])
