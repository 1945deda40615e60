"""Claiming a company through the pages, with the verifier pointed at real local servers."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.claims import codes
from app.claims.verifier import WELL_KNOWN_PATH, Verifier, get_verifier
from app.clock import utcnow
from app.companies import members
from app.companies import service as companies
from app.models.audit import AuditEntry
from app.models.job import Job
from app.models.membership import Claim, ClaimMethod, ClaimStatus, CompanyMember, Role
from app.text.humanize import day
from tests.support.claims import mailed_code, start_claim, verify
from tests.support.dns_https_servers import Reply
from tests.support.factories import confirm_domain, login, make_user
from tests.support.forms import csrf_from, post_form


@pytest.fixture
def mailco(db):
    """Email needs a domain that can receive mail: .test cannot. Nothing is sent in tests."""
    return confirm_domain(
        db, companies.create(session=db, name="Mail Company", domain="mailco-widgets.com")
    )


def claim_page(client, claim_id):
    return client.get(f"/claims/{claim_id}").text


def audit_actions(db, claim_id) -> list[str]:
    rows = db.exec(
        select(AuditEntry).where(
            AuditEntry.target_type == "claim", AuditEntry.target_id == claim_id
        )
    ).all()
    return [row.action for row in rows]


# The company page -----------------------------------------------------------------------------


def test_company_page_offers_a_claim_until_it_is_claimed(client, db, acme, local_net, verifier):
    page = client.get(f"/companies/{acme.slug}").text
    assert "Unclaimed" in page and "Is this your company? Claim it" in page
    assert f'href="/companies/{acme.slug}/claim"' in page

    user = make_user(db, name="Dana Ortiz")
    login(client, user)
    claim_id = start_claim(client, acme, method="dns")
    claim = db.get(Claim, claim_id)
    local_net.dns.records["acme.test"] = {"TXT": [f"outcry-verification={claim.token}"]}
    assert verify(client, claim_id).status_code == 303

    page = client.get(f"/companies/{acme.slug}").text
    assert f"Claimed, verified by DNS on {day(utcnow())}" in page
    assert "Claim it" not in page


def test_anonymous_visitors_are_sent_to_log_in(client, acme):
    response = client.get(f"/companies/{acme.slug}/claim", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/companies/{acme.slug}/claim"
    token = csrf_from(client, "/login")
    posted = client.post(
        f"/companies/{acme.slug}/claim",
        data={"method": "dns", "csrf_token": token},
        follow_redirects=False,
    )
    assert posted.status_code == 303 and posted.headers["location"].startswith("/login")


def test_forms_without_a_csrf_token_are_refused(client, db, acme, verifier):
    user = make_user(db)
    login(client, user)
    response = client.post(f"/companies/{acme.slug}/claim", data={"method": "dns"})
    assert response.status_code == 403
    assert db.exec(select(Claim)).all() == []
    claim_id = start_claim(client, acme, method="dns")
    assert client.post(f"/claims/{claim_id}/verify").status_code == 403
    assert client.post(f"/claims/{claim_id}/send-code").status_code == 403


# DNS ------------------------------------------------------------------------------------------


def test_dns_claim_makes_the_first_claimant_an_owner(client, db, acme, local_net, verifier):
    user = make_user(db, name="Dana Ortiz")
    login(client, user)
    claim_id = start_claim(client, acme, method="dns")
    claim = db.get(Claim, claim_id)
    page = claim_page(client, claim_id)
    assert f"outcry-verification={claim.token}" in page and "Verify now" in page
    assert claim.expires_at - claim.created_at == timedelta(days=7)

    local_net.dns.records["acme.test"] = {"TXT": [f"outcry-verification={claim.token}"]}
    response = verify(client, claim_id)
    assert response.status_code == 303

    db.refresh(claim)
    assert claim.status is ClaimStatus.VERIFIED and claim.verified_at is not None
    member = members.require_owner(session=db, company_id=acme.id, user=user)
    assert (member.role, member.public_name) == (Role.OWNER, "Dana Ortiz")
    assert "claim.verified" in audit_actions(db, claim_id)
    page = claim_page(client, claim_id)
    assert "We re-check this proof every 7 days" in page


def test_wrong_or_missing_dns_record_is_explained_and_recorded(
    client, db, acme, local_net, verifier
):
    login(client, make_user(db))
    claim_id = start_claim(client, acme, method="dns")
    local_net.dns.records["acme.test"] = {"TXT": []}
    missing = verify(client, claim_id)
    assert missing.status_code == 422
    assert "There is no TXT record at acme.test yet" in missing.text

    local_net.dns.records["acme.test"] = {"TXT": ["outcry-verification=stolen-token"]}
    wrong = verify(client, claim_id)
    assert wrong.status_code == 422 and "different token" in wrong.text
    assert db.get(Claim, claim_id).status is ClaimStatus.PENDING
    assert audit_actions(db, claim_id).count("claim.check_failed") == 2


def test_tokens_are_random_per_claim(client, other_client, db, acme, verifier):
    login(client, make_user(db))
    login(other_client, make_user(db))
    first = db.get(Claim, start_claim(client, acme, method="dns"))
    second = db.get(Claim, start_claim(other_client, acme, method="dns"))
    assert first.token != second.token and len(first.token) >= 32


# The well-known file --------------------------------------------------------------------------


def test_well_known_file_claim(client, db, acme, local_net, verifier):
    login(client, make_user(db))
    claim_id = start_claim(client, acme, method="well_known")
    claim = db.get(Claim, claim_id)
    page = claim_page(client, claim_id)
    assert "https://acme.test/.well-known/outcry-verification.txt" in page
    assert claim.token in page and "do not follow redirects" in page

    local_net.dns.records["acme.test"] = {"A": ["127.0.0.1"]}
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(301, "", {"Location": "http://acme.test/x"})
    refused = verify(client, claim_id)
    assert refused.status_code == 422 and "redirect" in refused.text

    local_net.https.routes[WELL_KNOWN_PATH] = Reply(200, claim.token)
    assert verify(client, claim_id).status_code == 303
    assert db.get(Claim, claim_id).status is ClaimStatus.VERIFIED


def test_well_known_file_on_a_private_address_is_refused(client, db, acme, local_net, web_app):
    local_net.dns.records["acme.test"] = {"A": ["127.0.0.1"]}
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(200, "whatever")
    production_policy = Verifier(
        resolver=local_net.dns.resolver(),
        https_port=local_net.https.port,
        tls=local_net.https.client_context(),
    )
    web_app.dependency_overrides[get_verifier] = lambda: production_policy
    login(client, make_user(db))
    claim_id = start_claim(client, acme, method="well_known")
    response = verify(client, claim_id)
    assert response.status_code == 422
    assert "private, loopback or link-local" in response.text
    assert local_net.https.requests == []


# Email ----------------------------------------------------------------------------------------


def test_email_code_claim(client, db, mailco, verifier):
    login(client, make_user(db))
    claim_id = start_claim(client, mailco, method="email", email="Dana@mailco-widgets.com")
    page = claim_page(client, claim_id)
    assert "dana@mailco-widgets.com" in page and "6-digit code" in page
    code = mailed_code(db, claim_id)
    job = db.exec(select(Job).where(Job.key.like(f"mail:claim-code:{claim_id}:%"))).one()
    assert job.payload["to"] == "dana@mailco-widgets.com"

    assert verify(client, claim_id, code=code).status_code == 303
    assert db.get(Claim, claim_id).status is ClaimStatus.VERIFIED
    assert "are not re-checked automatically" in claim_page(client, claim_id)

    reused = verify(client, claim_id, code=code)
    assert reused.status_code == 422 and "already been used" in reused.text


def test_code_is_not_stored_in_clear(client, db, mailco, verifier):
    login(client, make_user(db))
    claim_id = start_claim(client, mailco, method="email", email="dana@mailco-widgets.com")
    code = mailed_code(db, claim_id)
    rows = db.exec(select(codes.OneTimeToken)).all()
    assert len(rows) == 1 and code not in rows[0].token_hash


def test_wrong_codes_are_counted_and_kill_the_code(client, db, mailco, verifier):
    login(client, make_user(db))
    claim_id = start_claim(client, mailco, method="email", email="dana@mailco-widgets.com")
    code = mailed_code(db, claim_id)
    wrong = "000000" if code != "000000" else "111111"
    first = verify(client, claim_id, code=wrong)
    assert first.status_code == 422 and "4 tries left" in first.text
    for _ in range(codes.CODE_ATTEMPTS - 1):
        last = verify(client, claim_id, code=wrong)
    assert "Too many wrong codes" in last.text
    after = verify(client, claim_id, code=code)  # the right code, too late
    assert after.status_code == 422 and "no longer works" in after.text
    assert db.get(Claim, claim_id).status is ClaimStatus.PENDING

    # A new code works.
    assert post_form(client, f"/claims/{claim_id}/send-code", {}, page=f"/claims/{claim_id}")
    assert verify(client, claim_id, code=mailed_code(db, claim_id)).status_code == 303


def test_expired_code_is_refused(client, db, mailco, verifier):
    login(client, make_user(db))
    claim_id = start_claim(client, mailco, method="email", email="dana@mailco-widgets.com")
    code = mailed_code(db, claim_id)
    token = db.exec(select(codes.OneTimeToken)).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.add(token)
    db.flush()
    response = verify(client, claim_id, code=code)
    assert response.status_code == 422 and "expired" in response.text
    assert db.get(Claim, claim_id).status is ClaimStatus.PENDING


@pytest.mark.parametrize(
    ("company_domain", "email", "message"),
    [
        ("gmail.com", "me@gmail.com", "gmail.com is a free email service"),
        ("mailco-widgets.com", "me@other.com", "The address must be at mailco-widgets.com"),
        ("mailco-widgets.com", "not an address", "Enter a work email address at"),
        ("acme.test", "me@acme.test", "Enter a work email address at acme.test"),
    ],
)
def test_unusable_email_addresses_are_refused_and_the_form_kept(
    client, db, verifier, company_domain, email, message
):
    company = companies.create(session=db, name="Some Company", domain=company_domain)
    login(client, make_user(db))
    response = post_form(
        client, f"/companies/{company.slug}/claim", {"method": "email", "email": email}
    )
    assert response.status_code == 422
    assert message in response.text
    assert f'value="{email}"' in response.text  # what was typed is still there
    assert db.exec(select(Claim)).all() == []
    assert db.exec(select(Job)).all() == []


# Companies without a domain -------------------------------------------------------------------


# Who gets what --------------------------------------------------------------------------------


def test_second_claimant_is_refused_and_pointed_to_an_invitation(
    client, other_client, db, acme, local_net, verifier
):
    first, second = make_user(db), make_user(db)
    login(client, first)
    login(other_client, second)
    first_claim = start_claim(client, acme, method="dns")
    second_claim = start_claim(other_client, acme, method="dns")
    local_net.dns.records["acme.test"] = {
        "TXT": [
            f"outcry-verification={db.get(Claim, c).token}" for c in (first_claim, second_claim)
        ]
    }
    assert verify(client, first_claim).status_code == 303
    late = verify(other_client, second_claim)
    assert late.status_code == 422
    assert "already been claimed" in late.text and "invite you" in late.text
    assert db.get(Claim, second_claim).status is ClaimStatus.REJECTED
    assert members.membership(session=db, company_id=acme.id, user=second) is None
    assert "claim.refused" in audit_actions(db, second_claim)

    again = other_client.get(f"/companies/{acme.slug}/claim")
    assert "already been claimed" in again.text and "Start my claim" not in again.text
    refused = post_form(other_client, f"/companies/{acme.slug}/claim", {"method": "dns"})
    assert refused.status_code == 409 and "invite you" in refused.text


def test_a_claim_is_private_to_its_claimant(client, other_client, db, acme, verifier):
    login(client, make_user(db))
    login(other_client, make_user(db))
    claim_id = start_claim(client, acme, method="dns")
    assert other_client.get(f"/claims/{claim_id}").status_code == 404
    response = post_form(
        other_client, f"/claims/{claim_id}/verify", {}, page=f"/companies/{acme.slug}/claim"
    )
    assert response.status_code == 404
    assert audit_actions(db, claim_id) == ["claim.started"]


def test_expired_claim_cannot_be_verified(client, db, acme, local_net, verifier):
    login(client, make_user(db))
    claim_id = start_claim(client, acme, method="dns")
    claim = db.get(Claim, claim_id)
    local_net.dns.records["acme.test"] = {"TXT": [f"outcry-verification={claim.token}"]}
    claim.expires_at = utcnow() - timedelta(minutes=1)
    db.add(claim)
    db.flush()
    response = verify(client, claim_id)
    assert response.status_code == 422 and "This claim expired" in response.text
    assert db.get(Claim, claim_id).status is ClaimStatus.EXPIRED
    assert local_net.dns.queries == []  # no check is run for an expired claim
    assert db.exec(select(CompanyMember)).all() == []


def test_starting_again_replaces_a_pending_claim(client, db, acme, verifier):
    login(client, make_user(db))
    first = start_claim(client, acme, method="dns")
    second = start_claim(client, acme, method="well_known")
    assert db.get(Claim, first).status is ClaimStatus.EXPIRED
    assert db.get(Claim, second).method is ClaimMethod.WELL_KNOWN
    assert f"/claims/{second}" in client.get(f"/companies/{acme.slug}/claim").text
