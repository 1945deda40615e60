"""Proving control of a domain does not prove the domain is the company's: a claim on a domain no
admin confirmed waits for review, and its claimant sees no private data until an admin approves."""

from sqlmodel import select

from app.claims import decisions
from app.claims.service import REVIEW_BADGE
from app.claims.verifier import WELL_KNOWN_PATH
from app.companies import members
from app.companies import service as companies
from app.models.audit import AuditEntry
from app.models.company import Company
from app.models.job import Job
from app.models.membership import Claim, ClaimStatus, Role
from tests.support.claims import mailed_code, start_claim, verify
from tests.support.dns_https_servers import Reply
from tests.support.factories import login, make_complaint, make_user
from tests.support.forms import post_form

VICTIM_REF = "VICTIM-ACCT-5566-0042"


def _company_actions(db, company_id: int) -> list[str]:
    rows = db.exec(
        select(AuditEntry).where(
            AuditEntry.target_type == "company", AuditEntry.target_id == company_id
        )
    ).all()
    return [row.action for row in rows]


def test_an_attackers_own_domain_typed_at_filing_gives_no_access(
    client, other_client, db, verifier
):
    attacker = make_user(db, name="Mallory Quinn")
    victim = make_user(db)
    # The attacker names the company first, with a website they own.
    make_complaint(
        db,
        attacker,
        company_name="Globex Corporation",
        company_domain="globex-complaints.com",
    )
    globex = companies.get_by_slug(session=db, slug="globex-corporation")
    victims = make_complaint(
        db, victim, company_name="Globex Corporation", private_reference=VICTIM_REF
    )
    db.commit()

    login(client, attacker)
    claim_id = start_claim(client, globex, method="email", email="ceo@globex-complaints.com")
    done = verify(client, claim_id, code=mailed_code(db, claim_id))
    assert done.status_code == 303

    claim = db.get(Claim, claim_id)
    assert claim.status is ClaimStatus.REVIEW
    page = client.get(f"/claims/{claim_id}").text
    assert "Claim pending review" in page and "Open its dashboard" not in page
    assert members.membership(session=db, company_id=globex.id, user=attacker) is None
    assert client.get(f"/dashboard/{globex.slug}").status_code == 403
    dash = client.get(f"/dashboard/{globex.slug}/complaints/{victims.id}")
    assert dash.status_code == 403 and VICTIM_REF not in dash.text
    assert VICTIM_REF not in client.get(f"/complaints/{victims.id}").text
    reply = post_form(
        client,
        f"/dashboard/{globex.slug}/complaints/{victims.id}/reply",
        {"body": "please email your card number to us"},
        page=f"/complaints/{victims.id}",
    )
    assert reply.status_code == 403
    # Trying again is no way around the review.
    assert verify(client, claim_id, code=mailed_code(db, claim_id)).status_code == 422

    public = other_client.get(f"/companies/{globex.slug}").text
    assert REVIEW_BADGE in public and "Claimed, verified" not in public


def test_a_claim_on_a_company_without_a_domain_waits_and_leaves_the_company_alone(
    client, db, local_net, verifier
):
    beta = companies.create(session=db, name="Beta Corp")
    companies.create(session=db, name="Gamma Corp", domain="gamma.test")
    login(client, make_user(db))
    taken = post_form(
        client, f"/companies/{beta.slug}/claim", {"method": "dns", "domain": "gamma.test"}
    )
    assert taken.status_code == 422 and "belongs to another company" in taken.text

    claim_id = start_claim(client, beta, method="dns", domain="https://www.Unrelated.test/x")
    claim = db.get(Claim, claim_id)
    assert claim.domain == "unrelated.test"
    local_net.dns.records["unrelated.test"] = {"TXT": [f"outcry-verification={claim.token}"]}
    assert verify(client, claim_id).status_code == 303
    db.refresh(claim)
    db.refresh(beta)
    assert claim.status is ClaimStatus.REVIEW
    assert beta.domain is None  # a claim is no way to give a company a domain
    assert client.get(f"/dashboard/{beta.slug}").status_code == 403


def test_well_known_claims_on_a_typed_domain_wait_too(client, db, local_net, verifier):
    company = companies.create(session=db, name="Acme Widgets", domain="acme.test")
    login(client, make_user(db))
    claim_id = start_claim(client, company, method="well_known")
    claim = db.get(Claim, claim_id)
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(200, claim.token)
    local_net.dns.records["acme.test"] = {"A": ["127.0.0.1"]}
    assert verify(client, claim_id).status_code == 303
    db.refresh(claim)
    assert claim.status is ClaimStatus.REVIEW


def test_the_real_company_can_name_its_own_domain_instead_of_the_typed_one(
    client, db, local_net, verifier
):
    company = companies.create(session=db, name="Globex", domain="globex-complaints.test")
    login(client, make_user(db))
    form = client.get(f"/companies/{company.slug}/claim").text
    assert 'value="globex-complaints.test"' in form and "typed by whoever named" in form
    claim_id = start_claim(client, company, method="dns", domain="globex.test")
    assert db.get(Claim, claim_id).domain == "globex.test"


def test_an_admin_approves_a_proven_claim_and_confirms_the_domain(
    client, other_client, db, local_net, verifier
):
    beta = companies.create(session=db, name="Beta Corp")
    claimant = make_user(db, name="Dana Ortiz", email="dana@example.org")
    admin = make_user(db, is_admin=True)
    db.commit()
    login(client, claimant)
    claim_id = start_claim(client, beta, method="dns", domain="beta.test")
    claim = db.get(Claim, claim_id)
    local_net.dns.records["beta.test"] = {"TXT": [f"outcry-verification={claim.token}"]}
    verify(client, claim_id)

    login(other_client, admin)
    listing = other_client.get("/admin/claims").text
    assert "claim pending review" in listing and "Control of beta.test proven by dns" in listing
    approved = post_form(
        other_client,
        f"/admin/claims/{claim_id}/approve",
        {"note": "checked the company register"},
        page="/admin/claims",
    )
    assert approved.status_code == 303
    db.refresh(claim)
    db.refresh(beta)
    assert claim.status is ClaimStatus.VERIFIED and claim.method.value == "dns"
    assert beta.domain == "beta.test" and beta.domain_confirmed_at is not None
    assert "company.domain_changed" in _company_actions(db, beta.id)
    owner = members.require_owner(session=db, company_id=beta.id, user=claimant)
    assert owner.role is Role.OWNER
    assert client.get(f"/dashboard/{beta.slug}").status_code == 200
    mails = db.exec(select(Job).where(Job.key == f"mail:claim-approved:{claim_id}")).all()
    assert len(mails) == 1 and mails[0].payload["to"] == "dana@example.org"
    assert "Claimed, verified by DNS" in client.get(f"/companies/{beta.slug}").text


def test_changing_a_companys_domain_is_an_audited_admin_action(client, db):
    company = companies.create(session=db, name="Acme Widgets", domain="acme-typo.test")
    companies.create(session=db, name="Other", domain="other.test")
    admin = make_user(db, is_admin=True)
    db.commit()

    login(client, make_user(db))
    form = {"slug": company.slug, "domain": "acme.test"}
    assert post_form(client, "/admin/companies/domain", form, page="/").status_code == 403

    client.cookies.clear()
    login(client, admin)
    taken = post_form(
        client,
        "/admin/companies/domain",
        {"slug": company.slug, "domain": "other.test"},
        page="/admin/claims",
    )
    assert taken.status_code == 409 and "belongs to another company" in taken.text
    bad = post_form(
        client,
        "/admin/companies/domain",
        {"slug": company.slug, "domain": "not a domain"},
        page="/admin/claims",
    )
    assert bad.status_code == 422 and 'value="not a domain"' in bad.text
    db.refresh(company)
    assert (company.domain, company.domain_confirmed_at) == ("acme-typo.test", None)

    done = post_form(client, "/admin/companies/domain", form, page="/admin/claims")
    assert done.status_code == 303
    db.refresh(company)
    assert company.domain == "acme.test" and company.domain_confirmed_at is not None
    (entry,) = db.exec(
        select(AuditEntry).where(
            AuditEntry.target_type == "company", AuditEntry.target_id == company.id
        )
    ).all()
    assert (entry.action, entry.actor_id) == ("company.domain_changed", admin.id)
    assert "acme-typo.test -> acme.test" in entry.detail


def test_a_proven_claim_on_an_admin_confirmed_domain_is_granted_at_once(
    client, db, local_net, verifier
):
    company = companies.create(session=db, name="Acme Widgets", domain="acme.test")
    admin = make_user(db, is_admin=True)
    decisions.set_domain(
        session=db, company=company, domain="acme.test", admin=admin, now=company.created_at
    )
    assert _company_actions(db, company.id) == ["company.domain_confirmed"]
    user = make_user(db)
    login(client, user)
    claim_id = start_claim(client, company, method="dns")
    local_net.dns.records["acme.test"] = {
        "TXT": [f"outcry-verification={db.get(Claim, claim_id).token}"]
    }
    assert verify(client, claim_id).status_code == 303
    assert db.get(Claim, claim_id).status is ClaimStatus.VERIFIED
    assert members.membership(session=db, company_id=company.id, user=user) is not None
    assert db.get(Company, company.id).domain == "acme.test"
