"""A seeded world for the security suite: every role, and one object of each kind a route names.

Company A is the complaint's company; company B belongs to the "other rep". Sessions are opened
through the real accounts service (no argon2 login per request) and CSRF tokens are computed the
way app/web/csrf.py does, so a POST in the matrix fails on authorization, never on its token.
"""

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts import service as accounts
from app.clock import utcnow
from app.companies import service as companies
from app.complaints import service as complaints
from app.config import get_settings
from app.integrations import tokens
from app.jobs.queue import enqueue
from app.models.company import Company
from app.models.complaint import Complaint, InternalNote, Message, SavedReply
from app.models.integration import Webhook
from app.models.membership import Claim, Invitation, Role
from app.models.redaction import RedactionRule
from app.models.stats import SiteTrend
from app.models.systemic import SystemicIssue
from app.models.takedown import Inaccuracy, TakedownNotice
from app.models.team import SavedView
from app.models.user import User
from app.stats import site_trends
from app.web.csrf import anon_cookie_name
from app.web.sessions import cookie_name
from tests.support.factories import make_complaint, make_rep, make_user


@dataclass
class World:
    users: dict[str, User]
    company: Company
    other_company: Company
    complaint: Complaint
    ids: dict[str, str] = field(default_factory=dict)
    api_token: str = ""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def build(db: Session, **complaint_fields: str) -> World:
    users = {
        "owner": make_user(db, name="Olivia Owner"),
        "stranger": make_user(db, name="Sam Stranger"),
        "rep": make_user(db, name="Rita Rep"),
        "other_rep": make_user(db, name="Otto Rep"),
        "moderator": make_user(db, name="Mona Moderator"),
        "admin": make_user(db, name="Ada Admin", is_admin=True),
    }
    users["moderator"].is_moderator = True
    company = companies.create(session=db, name="Northwind Telecom", domain="northwind.example")
    other = companies.create(session=db, name="Contoso Energy", domain="contoso.example")
    complaint = make_complaint(
        db, users["owner"], company_name="Northwind Telecom", **complaint_fields
    )
    member = make_rep(db, company, user=users["rep"], role=Role.OWNER, job_title="Support lead")
    make_rep(db, other, user=users["other_rep"], role=Role.OWNER)
    complaints.answer(
        session=db, complaint=complaint, rep=users["rep"], body="We are looking into it."
    )
    # answer() returns the complaint: the reply is read back (its id only matched the
    # complaint's by the luck of fresh sequences, so message routes 404ed on a busy database).
    message = db.exec(select(Message).where(Message.complaint_id == complaint.id)).one()
    claim = db.exec(select(Claim).where(Claim.company_id == company.id)).first()
    job = enqueue(session=db, kind="noop", key=f"security-{secrets.token_hex(4)}", payload={})
    saved = SavedReply(company_id=company.id, author_id=users["rep"].id, title="Hi", body="Hello")
    webhook = Webhook(company_id=company.id, url="https://hooks.example/x", secret="s" * 32)
    invitation = Invitation(
        company_id=company.id,
        email="new@northwind.example",
        role=Role.AGENT,
        token_hash=_digest("invite"),
        expires_at=utcnow() + timedelta(days=7),
    )
    rule = RedactionRule(pattern="Zebulon", replacement="[name]", reason="a staff name")
    issue = SystemicIssue(
        company_id=company.id,
        anchor_complaint_id=complaint.id,
        first_at=utcnow(),
        last_at=utcnow(),
    )
    notice = TakedownNotice(
        complaint_id=complaint.id,
        poster_id=users["owner"].id,
        token_hash=_digest("notice"),
        complainant_name="Northwind Legal",
        complainant_email="legal@northwind.example",
        statement="The complaint says we never refund.",
        statement_url=f"http://testserver/complaints/{complaint.id}",
        meaning="That we keep money.",
        inaccuracy=Inaccuracy.FACT,
        why_wrong="We refunded it.",
        why_defamatory="It harms our reputation.",
        forward_due_at=utcnow() + timedelta(days=2),
    )
    note = InternalNote(complaint_id=complaint.id, author_id=users["rep"].id, body="Call back")
    view = SavedView(
        company_id=company.id, user_id=users["rep"].id, name="Mine", query="queue=mine"
    )
    db.add_all([users["moderator"], saved, webhook, invitation, rule, issue, notice, note, view])
    db.flush()
    api, raw = tokens.create(session=db, company=company, owner=users["rep"], name="helpdesk")
    # The daily statistics job has run, as on any live site: the site's trends exist.
    now = utcnow()
    for scope, months in site_trends.compute(session=db, now=now).items():
        db.add(SiteTrend(scope=scope, computed_at=now, months=[asdict(m) for m in months]))
    db.flush()
    db.commit()  # as in production: the world exists before any request (a refusal rolls back)
    world = World(users=users, company=company, other_company=other, complaint=complaint)
    world.api_token = raw
    world.ids = {
        "complaint_id": str(complaint.id),
        "slug": company.slug,
        "message_id": str(message.id),
        "note_id": str(note.id),
        "member_id": str(member.id),
        "claim_id": str(claim.id),
        "job_id": str(job.id),
        "saved_id": str(saved.id),
        "view_id": str(view.id),
        "webhook_id": str(webhook.id),
        "invitation_id": str(invitation.id),
        "rule_id": str(rule.id),
        "issue_id": str(issue.id),
        "notice_id": str(notice.id),
        "token_id": str(api.id),
        "company_id": str(company.id),
        "user_id": str(users["owner"].id),
    }
    return world


def browser(app, db: Session, user: User | None) -> TestClient:
    """A client logged in as ``user`` (or anonymous) that sends a valid CSRF header."""
    client = TestClient(app, raise_server_exceptions=False)
    key = get_settings().secret_key.encode()
    if user is None:
        anon = secrets.token_urlsafe(24)
        client.cookies.set(anon_cookie_name(), anon)
        binding = "a:" + anon
    else:
        token = accounts.start_session(session=db, user=user)
        db.flush()
        client.cookies.set(cookie_name(), token)
        binding = "s:" + token
    client.headers["x-csrf-token"] = hmac.new(key, binding.encode(), hashlib.sha256).hexdigest()
    return client
