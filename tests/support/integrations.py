"""Company integrations: Acme with its owner or an API token, a webhook receiver, and a
worker that delivers on the test's own connection."""

import asyncio

import pytest
from sqlmodel import Session, select

from app.integrations import tokens, webhooks
from app.jobs.worker import drain
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.integration import Webhook
from app.models.job import Job
from app.models.membership import Role
from app.models.user import User
from tests.support.factories import make_complaint, make_rep, make_user
from tests.support.http_receiver import serve

ALL = list(webhooks.EVENTS)


@pytest.fixture
def receiver():
    with serve() as running:
        yield running


def hook(db: Session, company: Company, owner: User, url: str, events: list[str] = ALL) -> Webhook:
    created = webhooks.create(session=db, company=company, owner=owner, url=url, events=events)
    db.commit()
    return created


def deliver(db: Session) -> int:
    """Run the worker on the test's own connection, as a separate process would run it."""
    db.commit()
    done = asyncio.run(drain(engine=db.get_bind(), kinds=[webhooks.KIND]))
    db.expire_all()
    return done


def deliveries(db: Session) -> list[Job]:
    return list(db.exec(select(Job).where(Job.kind == webhooks.KIND).order_by(Job.id)))


def file_against(db: Session, company: Company, **kw) -> Complaint:
    complaint = make_complaint(db, company_name=company.name, **kw)
    db.commit()
    return complaint


@pytest.fixture
def acme_owner(db: Session) -> tuple[Company, User]:
    """Acme Telecom, with one complaint and its owner (committed: the worker sees them)."""
    first = make_complaint(db, company_name="Acme Telecom", title="The very first complaint")
    company = db.get(Company, first.company_id)
    owner = make_rep(
        db, company, role=Role.OWNER, public_name="Dana Ortiz", job_title="Customer Relations"
    )
    db.commit()
    return company, db.get(User, owner.user_id)


def acme_api_world(db: Session) -> dict:
    consumer = make_user(db, email="carol@example.org", name="Carol")
    complaint = make_complaint(
        db, consumer, company_name="Acme Telecom", private_reference="ACC-778899"
    )
    company = db.get(Company, complaint.company_id)
    owner = make_rep(
        db, company, role=Role.OWNER, public_name="Dana Ortiz", job_title="Customer Relations Lead"
    )
    agent = make_rep(db, company, public_name="Sam Lee", job_title="Billing Specialist")
    _, raw = tokens.create(
        session=db, company=company, owner=db.get(User, owner.user_id), name="Zendesk"
    )
    db.commit()
    return {
        "company": company,
        "owner": owner,
        "agent": agent,
        "complaint": complaint,
        "token": raw,
    }


@pytest.fixture
def acme_api(db: Session) -> dict:
    """Acme Telecom's API world: its owner's token, an agent and a complaint (acme_api_world)."""
    return acme_api_world(db)
