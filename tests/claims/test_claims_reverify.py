"""Re-verification: a verified claim whose proof disappears is suspended, and its reps lose access
on their very next request."""

import asyncio
import socket
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import Session, col, select

import app.claims.jobs
import app.claims.verifier
from app.claims import decisions, reverify
from app.claims import service as claims
from app.claims.verifier import get_verifier
from app.clock import utcnow
from app.companies import members
from app.companies import service as companies
from app.jobs import periodic
from app.jobs.worker import run_forever
from app.models.audit import AuditEntry
from app.models.company import Company
from app.models.job import Job, JobState
from app.models.membership import Claim, ClaimMethod, ClaimStatus, CompanyMember, Role
from app.models.user import User
from tests.support.claims import LATER, make_verifier, verified_claim
from tests.support.factories import confirm_domain, login, make_user
from tests.support.forms import post_form


def test_vanished_dns_record_suspends_and_cuts_reps_off_at_once(
    client, other_client, db, acme, local_net
):
    owner = make_user(db, email="owner@example.org")
    agent = make_user(db)
    claim = verified_claim(db, local_net, acme, owner)
    db.add(CompanyMember(company_id=acme.id, user_id=agent.id, role=Role.AGENT, public_name="Al"))
    db.flush()
    login(client, agent)
    login(other_client, owner)
    assert client.get(f"/dashboard/{acme.slug}").status_code == 200

    local_net.dns.records["acme.test"]["TXT"] = []  # the proof disappears
    report = reverify.reverify_due(
        session=db, verifier=make_verifier(local_net), now=utcnow() + LATER
    )
    assert (report.checked, report.suspended) == (1, 1)
    db.commit()  # as the job does

    assert client.get(f"/dashboard/{acme.slug}").status_code == 403  # the very next request
    assert other_client.get(f"/dashboard/{acme.slug}").status_code == 403
    db.refresh(claim)
    assert claim.status is ClaimStatus.SUSPENDED and "no TXT record" in claim.note
    suspended = db.exec(select(AuditEntry).where(AuditEntry.action == "claim.suspended")).one()
    assert suspended.target_id == claim.id and suspended.actor_id is None
    mail = db.exec(select(Job).where(col(Job.key).like("mail:claim-suspended:%"))).one()
    assert mail.payload["to"] == "owner@example.org"
    assert f"/claims/{claim.id}" in mail.payload["text"]
    page = other_client.get(f"/claims/{claim.id}").text
    assert "suspended" in page and "Verify now" in page
    assert "Unclaimed" in client.get(f"/companies/{acme.slug}").text


def test_putting_the_proof_back_restores_access(client, db, acme, local_net, web_app):
    owner = make_user(db)
    claim = verified_claim(db, local_net, acme, owner)
    local_net.dns.records["acme.test"]["TXT"] = []
    reverify.reverify_due(session=db, verifier=make_verifier(local_net), now=utcnow() + LATER)
    db.commit()  # as the job does
    login(client, owner)
    assert client.get(f"/dashboard/{acme.slug}").status_code == 403

    local_net.dns.records["acme.test"]["TXT"] = [f"outcry-verification={claim.token}"]
    web_app.dependency_overrides[get_verifier] = lambda: make_verifier(local_net)
    response = post_form(client, f"/claims/{claim.id}/verify", {}, page=f"/claims/{claim.id}")
    assert response.status_code == 303
    assert client.get(f"/dashboard/{acme.slug}").status_code == 200
    assert members.require_owner(session=db, company_id=acme.id, user=owner)
    actions = db.exec(select(AuditEntry.action).where(AuditEntry.target_id == claim.id)).all()
    assert "claim.restored" in actions


def test_vanished_well_known_file_suspends(db, acme, local_net):
    claim = verified_claim(db, local_net, acme, make_user(db), method=ClaimMethod.WELL_KNOWN)
    local_net.https.routes.clear()
    report = reverify.reverify_due(
        session=db, verifier=make_verifier(local_net), now=utcnow() + LATER
    )
    assert report.suspended == 1
    db.refresh(claim)
    assert claim.status is ClaimStatus.SUSPENDED and "HTTP 404" in claim.note


def test_proof_still_there_keeps_the_claim_and_records_the_check(db, acme, local_net):
    claim = verified_claim(db, local_net, acme, make_user(db))
    later = utcnow() + LATER
    report = reverify.reverify_due(session=db, verifier=make_verifier(local_net), now=later)
    assert (report.checked, report.suspended) == (1, 0)
    db.refresh(claim)
    assert claim.status is ClaimStatus.VERIFIED and claim.last_checked_at == later


def test_claims_are_not_rechecked_before_they_are_due(db, acme, local_net):
    verified_claim(db, local_net, acme, make_user(db))
    local_net.dns.queries.clear()
    soon = utcnow() + timedelta(days=6)
    report = reverify.reverify_due(session=db, verifier=make_verifier(local_net), now=soon)
    assert report.checked == 0 and local_net.dns.queries == []


def test_email_and_manual_claims_are_not_rechecked(db, local_net):
    admin = make_user(db, is_admin=True)
    for name, domain in (("Beta", "beta-mail.com"), ("Gamma", "gamma.test")):
        company = companies.create(session=db, name=name, domain=domain)
        claim = claims.start(
            session=db,
            user=make_user(db),
            company=company,
            method=ClaimMethod.EMAIL if name == "Beta" else ClaimMethod.DNS,
            email="it@beta-mail.com",
            verifier=make_verifier(local_net),
        )
        decisions.approve(session=db, claim=claim, admin=admin)  # MANUAL now, whatever was asked
    email_claim = Claim(
        company_id=companies.create(session=db, name="Delta", domain="delta-mail.com").id,
        user_id=admin.id,
        domain="delta-mail.com",
        method=ClaimMethod.EMAIL,
        status=ClaimStatus.VERIFIED,
        token="t",
        expires_at=utcnow(),
        verified_at=utcnow(),
    )
    db.add(email_claim)
    db.flush()
    report = reverify.reverify_due(
        session=db, verifier=make_verifier(local_net), now=utcnow() + timedelta(days=60)
    )
    assert report.checked == 0 and local_net.dns.queries == []


def test_a_dns_outage_does_not_suspend(db, acme, local_net):
    claim = verified_claim(db, local_net, acme, make_user(db))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as nobody:
        nobody.bind(("127.0.0.1", 0))  # bound, never answers
        silent = make_verifier(local_net)
        silent.resolver.port = nobody.getsockname()[1]
        silent.resolver.lifetime = silent.resolver.timeout = 0.3
        report = reverify.reverify_due(session=db, verifier=silent, now=utcnow() + LATER)
    assert (report.checked, report.suspended, report.inconclusive) == (1, 0, 1)
    db.refresh(claim)
    assert claim.status is ClaimStatus.VERIFIED


# Scheduling -----------------------------------------------------------------------------------


def test_one_job_per_period_however_often_it_is_scheduled(db):
    now = utcnow()
    for _ in range(3):
        periodic.ensure_scheduled(session=db, now=now)
    jobs = db.exec(select(Job).where(Job.kind == "claims.reverify")).all()
    assert len(jobs) == 1 and jobs[0].run_after <= now
    periodic.ensure_scheduled(session=db, now=now + timedelta(days=1))
    assert len(db.exec(select(Job).where(Job.kind == "claims.reverify")).all()) == 2


@pytest.fixture
def committed_claim(engine, local_net, monkeypatch) -> Iterator[Claim]:
    """A verified DNS claim, due for its re-check, in committed rows (the worker and the CLI use
    their own connections), removed afterwards; the production verifier is swapped for ours."""
    monkeypatch.setattr(app.claims.jobs, "get_verifier", lambda: make_verifier(local_net))
    monkeypatch.setattr(app.claims.verifier, "get_verifier", lambda: make_verifier(local_net))
    with Session(engine, expire_on_commit=False) as session:
        owner = make_user(session)
        company = confirm_domain(
            session, companies.create(session=session, name="Committed Co", domain="delta.test")
        )
        claim = verified_claim(session, local_net, company, owner)
        claim.last_checked_at = utcnow() - LATER
        session.add(claim)
        session.commit()
    yield claim
    with Session(engine) as session:
        session.execute(
            delete(Job).where(
                (col(Job.kind) == "claims.reverify")
                | col(Job.key).like("periodic:%")  # the worker loop queues every schedule
                | col(Job.key).like(f"mail:claim-suspended:{claim.id}:%")
            )
        )
        session.execute(
            delete(AuditEntry).where(
                col(AuditEntry.target_type) == "claim", col(AuditEntry.target_id) == claim.id
            )
        )
        session.execute(delete(Company).where(col(Company.id) == company.id))
        session.execute(delete(User).where(col(User.id) == owner.id))
        session.commit()


def status_of(engine, claim: Claim) -> ClaimStatus:
    with Session(engine) as session:
        return session.get(Claim, claim.id).status


async def test_the_worker_schedules_and_runs_reverification(engine, local_net, committed_claim):
    """End to end: the worker loop queues this period's job by itself and runs it."""
    local_net.dns.records["delta.test"]["TXT"] = []
    stop = asyncio.Event()
    worker = asyncio.create_task(run_forever(engine=engine, stop=stop, idle_seconds=0.05))
    try:
        deadline = time.monotonic() + 20
        while status_of(engine, committed_claim) is not ClaimStatus.SUSPENDED:
            assert time.monotonic() < deadline, "the worker did not suspend the claim"
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await worker
    with Session(engine) as session:
        job = session.exec(select(Job).where(Job.kind == "claims.reverify")).one()
    assert job.key.startswith("periodic:claims.reverify:") and job.state is JobState.DONE


def test_cli_command_reverifies_what_is_due(engine, local_net, committed_claim):
    from typer.testing import CliRunner

    from app.cli import app as cli

    result = CliRunner().invoke(cli, ["claims", "reverify"])
    assert result.exit_code == 0, result.output
    assert "Claims: 1 re-checked, 0 suspended" in result.output
    assert status_of(engine, committed_claim) is ClaimStatus.VERIFIED

    local_net.dns.records["delta.test"]["TXT"] = []
    with Session(engine) as session:  # due again
        claim = session.get(Claim, committed_claim.id)
        claim.last_checked_at = utcnow() - LATER
        session.add(claim)
        session.commit()
    result = CliRunner().invoke(cli, ["claims", "reverify"])
    assert "Claims: 1 re-checked, 1 suspended" in result.output
    assert status_of(engine, committed_claim) is ClaimStatus.SUSPENDED
