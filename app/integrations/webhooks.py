"""Webhooks an owner registers: where to send which events, and what happened to each delivery.

URLs must be https. Only in development and test may they be http://127.0.0.1 (or localhost), so a
helpdesk can be tried locally; the same allowance lets delivery reach loopback addresses, and
nothing else private (SSRF, docs/security-references.md; app/net.py).
"""

import ipaddress
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, true
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.companies import members
from app.config import get_settings
from app.db import must_get
from app.errors import Conflict, NotFound
from app.events import ComplaintCreated, ComplaintUpdated, MessageCreated
from app.jobs.queue import enqueue, retry_dead
from app.models.company import Company
from app.models.integration import Webhook
from app.models.job import Job, JobAttempt, JobState
from app.models.keys import pk
from app.models.membership import CompanyMember, Role
from app.models.user import User
from app.net import AddressPolicy, public_only
from app.notify.mail import queue_mail

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
    members.require_owner(session=session, company_id=pk(company), user=owner)
    webhook = Webhook(
        company_id=pk(company),
        url=check_url(url),
        events=_events(events),
        secret="whsec_" + secrets.token_hex(24),
    )
    session.add(webhook)
    session.flush()
    _audit(session, owner, "webhook.create", webhook, f"{webhook.url} {','.join(webhook.events)}")
    return webhook


def _owned(session: Session, company: Company, owner: User, webhook_id: int) -> Webhook:
    members.require_owner(session=session, company_id=pk(company), user=owner)
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
        target_id=pk(hook),
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

    @property
    def held(self) -> bool:
        return bool(self.job.payload.get("held")) and self.job.state is JobState.PENDING

    @property
    def request_body(self) -> str:
        """What was sent, capped for the page."""
        text = json.dumps(self.job.payload.get("body", {}), ensure_ascii=False, indent=1)
        return text if len(text) <= BODY_CAP else text[:BODY_CAP] + "\n…"


@dataclass(frozen=True)
class DeliveryFilter:
    """What the owner's delivery log shows: one webhook, one event, one outcome."""

    webhook_id: int | None = None
    event: str = ""
    outcome: str = ""  # one of OUTCOMES, or "" for all


OUTCOMES = ("delivered", "failing", "gave_up", "held")


def _outcome_clause(outcome: str) -> Any:
    if outcome == "delivered":
        return col(Job.state) == JobState.DONE
    if outcome == "gave_up":
        return col(Job.state) == JobState.DEAD
    if outcome in ("failing", "held"):
        return col(Job.state).in_([JobState.PENDING, JobState.RUNNING])
    return true()


def deliveries(
    *,
    session: Session,
    company_id: int,
    limit: int = 50,
    only: DeliveryFilter | None = None,
) -> list[Delivery]:
    """The company's latest deliveries, newest first, each with every attempt."""
    only = only or DeliveryFilter()
    hooks = {pk(h): h for h in for_company(session=session, company_id=company_id)}
    chosen = [h for h in hooks if only.webhook_id in (None, h)]
    if not chosen:
        return []
    prefixes = [col(Job.key).startswith(job_key(hook_id, "")) for hook_id in chosen]
    jobs = [
        job
        for job in session.exec(
            select(Job)
            .where(Job.kind == KIND, or_(*prefixes), _outcome_clause(only.outcome))
            .order_by(col(Job.created_at).desc(), col(Job.id).desc())
            .limit(limit * 4 if only.event or only.outcome in ("held", "failing") else limit)
        )
        if (not only.event or job.payload.get("event") == only.event)
        and (only.outcome != "held" or job.payload.get("held"))
        and (only.outcome != "failing" or not job.payload.get("held"))
    ][:limit]
    attempts: dict[int, list[JobAttempt]] = {pk(job): [] for job in jobs}
    if jobs:
        for attempt in session.exec(
            select(JobAttempt)
            .where(col(JobAttempt.job_id).in_(list(attempts)))
            .order_by(col(JobAttempt.started_at), col(JobAttempt.id))
        ):
            attempts[attempt.job_id].append(attempt)
    return [
        Delivery(job=job, webhook=hooks[job.payload["webhook_id"]], attempts=attempts[pk(job)])
        for job in jobs
        if job.payload.get("webhook_id") in hooks
    ]


def retry(*, session: Session, company: Company, owner: User, job_id: int) -> Job:
    """The owner's "retry" for a dead delivery of one of their webhooks."""
    members.require_owner(session=session, company_id=pk(company), user=owner)
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


BODY_CAP = 4000  # characters of a request body shown in the delivery log
TEST_EVENT = "webhook.test"


def send_test(*, session: Session, company: Company, owner: User, webhook_id: int) -> Job:
    """Queue a ``webhook.test`` delivery now, whether or not the webhook takes other events:
    it proves the address and the signature check without touching any complaint."""
    webhook = _owned(session, company, owner, webhook_id)
    if not webhook.active:
        raise Conflict("Enable the webhook before sending it a test event.")
    delivery_id = str(uuid.uuid4())
    body = {
        "id": delivery_id,
        "event": TEST_EVENT,
        "created_at": utcnow().isoformat(),
        "data": {"webhook_id": webhook.id, "company": company.name},
        "changes": {},
    }
    _audit(session, owner, "webhook.test", webhook, delivery_id)
    return enqueue(
        session=session,
        kind=KIND,
        key=job_key(pk(webhook), f"{TEST_EVENT}:{delivery_id}"),
        payload={
            "webhook_id": webhook.id,
            "delivery_id": delivery_id,
            "event": TEST_EVENT,
            "body": body,
        },
    )


def held(*, session: Session, webhook_id: int) -> list[Job]:
    """Deliveries queued while the webhook was disabled, still waiting to be replayed."""
    return [
        job
        for job in session.exec(
            select(Job).where(
                Job.kind == KIND,
                col(Job.key).startswith(job_key(webhook_id, "")),
                Job.state == JobState.PENDING,
            )
        )
        if job.payload.get("held")
    ]


def replay_held(*, session: Session, company: Company, owner: User, webhook_id: int) -> int:
    """Send the held deliveries now (oldest first, as queued), once the webhook is enabled."""
    webhook = _owned(session, company, owner, webhook_id)
    if not webhook.active:
        raise Conflict("Enable the webhook before replaying its held deliveries.")
    jobs = held(session=session, webhook_id=pk(webhook))
    now = utcnow()
    for job in jobs:
        job.payload = {**job.payload, "held": False}
        job.run_after = now
        session.add(job)
    _audit(session, owner, "webhook.replay", webhook, f"{len(jobs)} held deliveries")
    session.flush()
    return len(jobs)


def tell_owners_disabled(*, session: Session, webhook: Webhook, reason: str) -> None:
    """Mail the company's owners that a receiver stopped their webhook, and what to do."""
    company = must_get(session, Company, webhook.company_id)
    owners = session.exec(
        select(User)
        .join(CompanyMember, col(CompanyMember.user_id) == User.id)
        .where(
            CompanyMember.company_id == webhook.company_id,
            CompanyMember.role == Role.OWNER,
            col(CompanyMember.revoked_at).is_(None),
        )
    ).all()
    page = f"{get_settings().base_url.rstrip('/')}/dashboard/{company.slug}/integrations"
    stamp = utcnow().strftime("%Y%m%d%H%M")
    for owner in owners:
        queue_mail(
            session=session,
            key=f"webhook-disabled:{webhook.id}:{owner.id}:{stamp}",
            to=owner.email,
            subject=f"Outcry stopped sending events to your webhook for {company.name}",
            text=(
                f"Outcry disabled the webhook {webhook.url} for {company.name}: {reason}.\n\n"
                "Events that happen while it is disabled are kept for 7 days. Once the receiver "
                "works again, enable the webhook and replay them from the integrations page:\n"
                f"{page}\n"
            ),
        )
