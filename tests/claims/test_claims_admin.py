"""Admins review pending claims: approve by hand (method MANUAL) or reject with a reason."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.claims import decisions
from app.claims import service as claims
from app.claims.verifier import Verifier
from app.clock import utcnow
from app.companies import members
from app.errors import Conflict
from app.models.audit import AuditEntry
from app.models.job import Job
from app.models.membership import Claim, ClaimMethod, ClaimStatus, Role
from app.models.user import User
from tests.support.factories import login, make_user
from tests.support.forms import csrf_from, post_form


@pytest.fixture
def pending_claim(db, acme):
    claimant = make_user(db, name="Dana Ortiz", email="dana@example.org")
    # No network is touched: a DNS claim only records what to check later.
    return claims.start(
        session=db, user=claimant, company=acme, method=ClaimMethod.DNS, verifier=Verifier()
    )


def audit_rows(db, claim_id) -> list[AuditEntry]:
    return list(
        db.exec(
            select(AuditEntry).where(
                AuditEntry.target_type == "claim", AuditEntry.target_id == claim_id
            )
        )
    )


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/claims", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_non_admins_get_403_on_every_admin_page(client, db, pending_claim):
    login(client, make_user(db))
    assert client.get("/admin").status_code == 403
    assert client.get("/admin/claims").status_code == 403
    token = csrf_from(client, "/")
    for decision in ("approve", "reject"):
        response = client.post(
            f"/admin/claims/{pending_claim.id}/{decision}",
            data={"note": "looks fine", "csrf_token": token},
        )
        assert response.status_code == 403
    db.refresh(pending_claim)
    assert pending_claim.status is ClaimStatus.PENDING


def test_admin_list_shows_pending_claims_with_context(client, db, acme, pending_claim):
    login(client, make_user(db, is_admin=True))
    assert 'href="/admin"' in client.get("/").text  # the nav link, for admins only
    page = client.get("/admin/claims").text
    assert "Acme Widgets" in page and "acme.test" in page
    assert "Dana Ortiz" in page and "dana@example.org" in page
    assert "Approve by hand" in page and "Reject" in page


def test_admin_approves_by_hand(client, db, acme, pending_claim):
    admin = make_user(db, is_admin=True)
    login(client, admin)
    response = post_form(
        client,
        f"/admin/claims/{pending_claim.id}/approve",
        {"note": "Checked the company register"},
        page="/admin/claims",
    )
    assert response.status_code == 303
    db.refresh(pending_claim)
    assert pending_claim.status is ClaimStatus.VERIFIED
    assert pending_claim.method is ClaimMethod.MANUAL
    assert pending_claim.decided_by_id == admin.id
    claimant = db.get(User, pending_claim.user_id)
    assert members.require_owner(session=db, company_id=acme.id, user=claimant).role is Role.OWNER
    [entry] = [r for r in audit_rows(db, pending_claim.id) if r.action == "claim.verified"]
    assert entry.actor_id == admin.id and "approved by hand" in entry.detail
    assert "Claimed, verified by Outcry staff" in client.get(f"/companies/{acme.slug}").text
    assert "Acme Widgets" not in client.get("/admin/claims").text  # no longer pending


def test_admin_rejects_with_a_reason(client, db, pending_claim):
    admin = make_user(db, is_admin=True)
    login(client, admin)
    missing = post_form(
        client, f"/admin/claims/{pending_claim.id}/reject", {"note": "  "}, page="/admin/claims"
    )
    assert missing.status_code == 422 and "Say why" in missing.text
    db.refresh(pending_claim)
    assert pending_claim.status is ClaimStatus.PENDING

    response = post_form(
        client,
        f"/admin/claims/{pending_claim.id}/reject",
        {"note": "The domain belongs to a reseller"},
        page="/admin/claims",
    )
    assert response.status_code == 303
    db.refresh(pending_claim)
    assert pending_claim.status is ClaimStatus.REJECTED
    assert pending_claim.note == "The domain belongs to a reseller"
    [entry] = [r for r in audit_rows(db, pending_claim.id) if r.action == "claim.rejected"]
    assert entry.actor_id == admin.id and entry.detail == "The domain belongs to a reseller"
    mail = db.exec(select(Job).where(Job.key == f"mail:claim-rejected:{pending_claim.id}")).one()
    assert mail.payload["to"] == "dana@example.org"
    assert "reseller" in mail.payload["text"]


def test_admin_forms_need_a_csrf_token(client, db, pending_claim):
    login(client, make_user(db, is_admin=True))
    response = client.post(f"/admin/claims/{pending_claim.id}/approve", data={"note": ""})
    assert response.status_code == 403
    db.refresh(pending_claim)
    assert pending_claim.status is ClaimStatus.PENDING


def test_approving_a_second_claim_of_a_claimed_company_is_refused(client, db, acme, pending_claim):
    admin = make_user(db, is_admin=True)
    decisions.approve(session=db, claim=pending_claim, admin=admin)
    # A claim opened before the company was claimed, decided after it.
    rival = Claim(
        company_id=acme.id,
        user_id=make_user(db).id,
        domain="acme.test",
        method=ClaimMethod.DNS,
        token="rival",
        expires_at=utcnow() + timedelta(days=7),
    )
    db.add(rival)
    db.flush()
    login(client, admin)
    response = post_form(
        client, f"/admin/claims/{rival.id}/approve", {"note": "sure"}, page="/admin/claims"
    )
    assert response.status_code == 409 and "already been claimed" in response.text
    db.refresh(rival)
    assert rival.status is ClaimStatus.PENDING


def test_expired_claims_cannot_be_decided(db, pending_claim):
    admin = make_user(db, is_admin=True)
    with pytest.raises(Conflict, match="expired"):
        decisions.approve(
            session=db, claim=pending_claim, admin=admin, now=utcnow() + timedelta(days=8)
        )
