"""The company profile its owners edit: name, description, public contact, social accounts and
the company's own service targets (shown beside its actual performance).

The Bluesky handle must resolve to a DID (stored, so later posts can mention the account even if
the handle changes); the resolver is injected, so tests never touch the network.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, func, select

from app import audit
from app.broadcast.refresh import refresh_company
from app.companies import members
from app.companies.service import slugify
from app.companies.team import InvalidInput
from app.config import get_settings
from app.integrations.webhooks import address_policy
from app.models.company import Company
from app.models.keys import pk
from app.models.user import User
from app.net import UnsafeAddress, resolve_checked

# handle -> DID, or None when the handle does not resolve
HandleResolver = Callable[[str], str | None]

MAX_TARGET_DAYS = 365
# AT Protocol handle syntax: a DNS name whose last label does not start with a digit.
_BSKY_HANDLE = re.compile(
    r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"
)
_DID = re.compile(r"^did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}$")
_DNS_NAME = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Mastodon usernames are letters, digits and underscores (other fediverse servers add . and -).
_FEDI_USER = re.compile(r"^[A-Za-z0-9_]+([.-][A-Za-z0-9_]+)*$")
_X_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")

FIELDS = (
    "name",
    "description",
    "contact_email",
    "bluesky_handle",
    "mastodon_account",
    "x_handle",
    "target_response_days",
    "target_resolution_days",
    "broadcast_mentions",
)


def resolve_with_atproto(handle: str) -> str | None:
    """The default resolver: the atproto SDK's DNS step (a TXT record); then the HTTPS step
    (/.well-known/atproto-did) done here, only for hosts whose every address is public (SSRF,
    docs/security-references.md), and connected to the very address that was checked (the SDK
    would look the name up again, and a second DNS answer could be private: rebinding); then the
    configured PDS's com.atproto.identity.resolveHandle (a handle hosted there, or on any PDS
    without public DNS), behind the same address guard."""
    from atproto_identity.handle.resolver import HandleResolver as AtprotoHandleResolver

    if did := AtprotoHandleResolver(timeout=3).resolve_dns(handle):
        return did
    try:
        address = resolve_checked(handle, 443)
    except UnsafeAddress:
        pass
    else:
        if did := did_over_https(handle, address):
            return did
    return resolve_through_pds(handle)


def did_over_https(handle: str, address: str) -> str | None:
    """GET https://<handle>/.well-known/atproto-did from ``address``, the host's name kept in
    the Host header and in TLS (SNI and certificate check); None for any failure."""
    import httpx

    host = f"[{address}]" if ":" in address else address
    try:
        with httpx.Client(timeout=3, follow_redirects=False, trust_env=False) as client:
            response = client.get(
                f"https://{host}/.well-known/atproto-did",
                headers={"Host": handle},
                extensions={"sni_hostname": handle},
            )
    except httpx.HTTPError:
        return None
    lines = response.text.splitlines() if response.status_code == 200 else []
    first = lines[0].strip() if lines else ""
    return first if first.startswith("did:") and len(first) <= 2048 else None


def resolve_through_pds(handle: str) -> str | None:
    """Ask the PDS the broadcaster posts through (OUTCRY_BLUESKY_SERVICE_URL)."""
    from urllib.parse import urlsplit

    import httpx

    service = get_settings().bluesky_service_url.rstrip("/")
    parts = urlsplit(service)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        resolve_checked(parts.hostname or "", port, policy=address_policy())
        response = httpx.get(
            f"{service}/xrpc/com.atproto.identity.resolveHandle",
            params={"handle": handle},
            timeout=3,
            follow_redirects=False,
        )
    except (UnsafeAddress, ValueError, httpx.HTTPError):
        return None
    if response.status_code != 200:
        return None
    try:
        did = response.json().get("did")
    except ValueError:
        return None
    return did if isinstance(did, str) and _DID.match(did) else None


def handle_resolver() -> HandleResolver:
    """FastAPI dependency: tests override it with a resolver backed by a dict."""
    return resolve_with_atproto


@dataclass(frozen=True)
class ProfileInput:
    """A submitted profile form, cleaned: blanks are None, handles without their leading @."""

    name: str
    description: str
    contact_email: str | None
    bluesky_handle: str | None
    mastodon_account: str | None
    x_handle: str | None
    target_response_days: int | None
    target_resolution_days: int | None
    broadcast_mentions: bool = False


def _blank_to_none(value: str) -> str | None:
    value = value.strip()
    return value or None


def _days(value: str, errors: dict[str, str], field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or int(value) > MAX_TARGET_DAYS:
        errors[field] = f"Please enter a whole number of days from 0 to {MAX_TARGET_DAYS}."
        return None
    return int(value)


def clean(values: dict[str, str]) -> ProfileInput:
    """Check the form's formats (no network); InvalidInput names every field that is wrong."""
    errors: dict[str, str] = {}
    name = " ".join(values.get("name", "").split())
    if not 2 <= len(name) <= 120:
        errors["name"] = "Please write the company's name in 2 to 120 characters."
    description = values.get("description", "").strip()
    if len(description) > 2000:
        errors["description"] = "Please keep the description under 2000 characters."

    contact = _blank_to_none(values.get("contact_email", ""))
    if contact:
        try:
            contact = validate_email(contact, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["contact_email"] = (
                "That does not look like an email address (e.g. help@example.com)."
            )

    bluesky = _blank_to_none(values.get("bluesky_handle", ""))
    if bluesky:
        bluesky = bluesky.removeprefix("@").lower()
        if not _BSKY_HANDLE.match(bluesky):
            errors["bluesky_handle"] = (
                "A Bluesky handle looks like a domain name, e.g. acme.bsky.social or acme.com."
            )

    mastodon = _blank_to_none(values.get("mastodon_account", ""))
    if mastodon:
        user, _, instance = mastodon.removeprefix("@").partition("@")
        instance = instance.lower()
        if not (_FEDI_USER.match(user) and len(user) <= 64 and _DNS_NAME.match(instance)):
            errors["mastodon_account"] = (
                "Write the Mastodon account as user@instance, e.g. acme@mastodon.social."
            )
        mastodon = f"{user}@{instance}"

    x_handle = _blank_to_none(values.get("x_handle", ""))
    if x_handle:
        x_handle = x_handle.removeprefix("@")
        if not _X_HANDLE.match(x_handle):
            errors["x_handle"] = (
                "An X handle has 1 to 15 letters, digits or underscores, e.g. acme_help."
            )

    response = _days(values.get("target_response_days", ""), errors, "target_response_days")
    resolution = _days(values.get("target_resolution_days", ""), errors, "target_resolution_days")
    if response is not None and resolution is not None and resolution < response:
        errors["target_resolution_days"] = (
            "The resolution target cannot be shorter than the answer target."
        )
    if errors:
        raise InvalidInput(errors)
    mentions = values.get("broadcast_mentions", "").strip().lower() in ("on", "true", "1")
    return ProfileInput(
        name, description, contact, bluesky, mastodon, x_handle, response, resolution, mentions
    )


def form_values(company: Company) -> dict[str, str]:
    """The form pre-filled from the stored profile."""
    values = {
        field: "" if (value := getattr(company, field)) is None else str(value) for field in FIELDS
    }
    values["broadcast_mentions"] = "on" if company.broadcast_mentions else ""
    return values


def update(
    *,
    session: Session,
    company: Company,
    actor: User,
    values: dict[str, str],
    resolve_handle: HandleResolver,
) -> Company:
    """Check and save the profile; on any error nothing changes (InvalidInput, per field)."""
    members.require_owner(session=session, company_id=pk(company), user=actor)
    data = clean(values)
    if data.name != company.name and _name_taken(session, company, data.name):
        raise InvalidInput(
            {"name": "Another company on Outcry already has this name. Choose a distinct name."}
        )
    did = company.bluesky_did if data.bluesky_handle == company.bluesky_handle else None
    if data.bluesky_handle and did is None:
        did = resolve_handle(data.bluesky_handle)
        if did is None or not _DID.match(did):
            raise InvalidInput(
                {
                    "bluesky_handle": (
                        f"We could not find a Bluesky account at @{data.bluesky_handle}. Check "
                        "the spelling; the handle must be live on Bluesky when you save."
                    )
                }
            )
    changes = {
        field: new for field in FIELDS if (new := getattr(data, field)) != getattr(company, field)
    }
    for field, new in changes.items():
        setattr(company, field, new)
    company.bluesky_did = did if data.bluesky_handle else None
    session.add(company)
    if "name" in changes:  # its live posts name it: they must say what the profile says
        refresh_company(session=session, company_id=pk(company))
    if changes:
        audit.record(
            session=session,
            actor=actor,
            action="company.profile",
            target_type="company",
            target_id=pk(company),
            detail="; ".join(f"{field}={value!r}" for field, value in changes.items()),
        )
    session.flush()
    return company


def _name_taken(session: Session, company: Company, name: str) -> bool:
    """Another company with this name (ignoring case) or its slug: no impersonation by rename."""
    return (
        session.exec(
            select(Company.id).where(
                Company.id != company.id,
                (func.lower(Company.name) == name.lower()) | (col(Company.slug) == slugify(name)),
            )
        ).first()
        is not None
    )
