"""Webhooks an owner registers: where to send which events, and what happened to each delivery.

URLs must be https. Only in development and test may they be http://127.0.0.1 (or localhost), so a
helpdesk can be tried locally; the same allowance lets delivery reach loopback addresses, and
nothing else private (SSRF, docs/security-references.md; app/net.py).
"""

import ipaddress
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app import audit
from app.companies import members
from app.config import get_settings
from app.errors import Conflict, NotFound
from app.events import ComplaintCreated, ComplaintUpdated, MessageCreated
from app.jobs.queue import retry_dead
from app.models.company import Company
from app.models.integration import Webhook
from app.models.job import Job, JobAttempt, JobState
from app.models.user import User
from app.net import AddressPolicy, public_only

# The public names a webhook subscribes to (stored with each webhook).
EVENTS = (ComplaintCreated.name, ComplaintUpdated.name, MessageCreated.name)
KIND = "webhook"  # the job kind of one delivery
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
URL_MAX = 2000


class InvalidWebhook(Conflict):
    """A refused registration; ``field`` says which form field to show the message beside."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


def local_allowed() -> bool:
    return get_settings().environment in ("development", "test")


def address_policy() -> AddressPolicy:
    """Public addresses only; loopback too while developing or testing."""
    if not local_allowed():
        return public_only

    def public_or_loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return address.is_loopback or public_only(address)

    return public_or_loopback


def check_url(url: str) -> str:
    """The URL, stripped, or Conflict saying what is wrong with it."""
    url = url.strip()
    if not url:
        raise InvalidWebhook("url", "Enter the address that should receive the events.")
    if len(url) > URL_MAX:
        raise InvalidWebhook("url", f"Please keep the address under {URL_MAX} characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise InvalidWebhook("url", "That does not look like a web address.") from exc
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        raise InvalidWebhook(
            "url", "Enter a full address like https://helpdesk.example.com/hooks/outcry."
        )
    local = local_allowed() and host in LOOPBACK_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise InvalidWebhook("url", "The address must start with https://.")
    if not local and not _public_host(host):
        # One message, whatever the reason, and nothing looked up: the page must not tell an
        # owner what an internal name is or resolves to.
        raise InvalidWebhook("url", NOT_PUBLIC)
    return url


NOT_PUBLIC = "That address is private or internal; webhooks can only go to public servers."
# Names that never belong to a public server: RFC 6761 (localhost), RFC 6762 (local),
# RFC 8375 (home.arpa), ICANN's reserved "internal", and common private-network suffixes.
INTERNAL_SUFFIXES = ("localhost", "local", "internal", "home.arpa", "localdomain", "lan")
# WHATWG URL: a host whose last label is a number is an IPv4 address, in any of the forms
# inet_aton accepts (2130706433, 0177.0.0.1, 0x7f.0.0.1, 127.1), which all mean 127.0.0.1.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


def _public_host(host: str) -> bool:
    """Could ``host`` name a public server, judged from the text alone (delivery checks every
    address the name resolves to, again, before connecting)?"""
    name = host.rstrip(".")
    try:
        literal = ipaddress.ip_address(name)
    except ValueError:
        literal = None
    if literal is not None:
        return name == host and address_policy()(literal)
    if _NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1]):
        return False  # an IPv4 address in a legacy form: refused whatever it means
    if "." not in name:
        return False  # a single label only names something on the local network
    return not any(name == s or name.endswith("." + s) for s in INTERNAL_SUFFIXES)


def _events(chosen: list[str]) -> list[str]:
    events = [e for e in EVENTS if e in set(chosen)]
    if not events or len(events) != len(set(chosen)):
        raise InvalidWebhook("events", "Choose at least one of the events listed.")
    return events


def create(
    *, session: Session, company: Company, owner: User, url: str, events: list[str]
) -> Webhook:
    members.require_owner(session=session, company_id=company.id, user=owner)
    webhook = Webhook(
        company_id=company.id,
        url=check_url(url),
        events=_events(events),
        secret="whsec_" + secrets.token_hex(24),
    )
    session.add(webhook)
    session.flush()
    _audit(session, owner, "webhook.create", webhook, f"{webhook.url} {','.join(webhook.events)}")
    return webhook


def _owned(session: Session, company: Company, owner: User, webhook_id: int) -> Webhook:
    members.require_owner(session=session, company_id=company.id, user=owner)
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.company_id != company.id:
        raise NotFound("There is no such webhook.")
    return webhook


def set_active(
    *, session: Session, company: Company, owner: User, webhook_id: int, active: bool
) -> Webhook:
    webhook = _owned(session, company, owner, webhook_id)
    if webhook.active != active:
        webhook.active = active
        session.add(webhook)
        _audit(session, owner, "webhook.enable" if active else "webhook.disable", webhook)
        session.flush()
    return webhook


def delete(*, session: Session, company: Company, owner: User, webhook_id: int) -> None:
    webhook = _owned(session, company, owner, webhook_id)
    _audit(session, owner, "webhook.delete", webhook, webhook.url)
    session.delete(webhook)
    session.flush()


def _audit(
    session: Session, actor: User | None, action: str, hook: Webhook, detail: str = ""
) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        target_type="webhook",
        target_id=hook.id,
        detail=detail,
    )


def for_company(*, session: Session, company_id: int) -> list[Webhook]:
    return list(
        session.exec(
            select(Webhook).where(Webhook.company_id == company_id).order_by(col(Webhook.id))
        )
    )


def job_key(webhook_id: int, event_key: str) -> str:
    # The webhook id leads, so one company's deliveries are found by key prefix on any database.
    return f"{KIND}:{webhook_id}:{event_key}"


@dataclass(frozen=True)
class Delivery:
    job: Job
    webhook: Webhook
    attempts: list[JobAttempt]

    @property
    def event(self) -> str:
        return str(self.job.payload.get("event", ""))

    @property
    def delivery_id(self) -> str:
        return str(self.job.payload.get("delivery_id", ""))


def deliveries(*, session: Session, company_id: int, limit: int = 50) -> list[Delivery]:
    """The company's latest deliveries, newest first, each with every attempt."""
    hooks = {h.id: h for h in for_company(session=session, company_id=company_id)}
    if not hooks:
        return []
    prefixes = [col(Job.key).startswith(job_key(hook_id, "")) for hook_id in hooks]
    jobs = list(
        session.exec(
            select(Job)
            .where(Job.kind == KIND, or_(*prefixes))
            .order_by(col(Job.created_at).desc(), col(Job.id).desc())
            .limit(limit)
        )
    )
    attempts: dict[int, list[JobAttempt]] = {job.id: [] for job in jobs}
    if jobs:
        for attempt in session.exec(
            select(JobAttempt)
            .where(col(JobAttempt.job_id).in_(list(attempts)))
            .order_by(col(JobAttempt.started_at), col(JobAttempt.id))
        ):
            attempts[attempt.job_id].append(attempt)
    return [
        Delivery(job=job, webhook=hooks[job.payload["webhook_id"]], attempts=attempts[job.id])
        for job in jobs
        if job.payload.get("webhook_id") in hooks
    ]


def retry(*, session: Session, company: Company, owner: User, job_id: int) -> Job:
    """The owner's "retry" for a dead delivery of one of their webhooks."""
    members.require_owner(session=session, company_id=company.id, user=owner)
    job = session.get(Job, job_id)
    webhook = (
        session.get(Webhook, job.payload.get("webhook_id")) if job and job.kind == KIND else None
    )
    if job is None or webhook is None or webhook.company_id != company.id:
        raise NotFound("There is no such delivery.")
    if job.state is not JobState.DEAD:
        raise Conflict("Only a delivery that gave up can be retried; this one is still going.")
    if not webhook.active:
        raise Conflict("Enable the webhook again before retrying its deliveries.")
    _audit(session, owner, "webhook.retry", webhook, f"delivery {job.payload.get('delivery_id')}")
    return retry_dead(session=session, job=job)
