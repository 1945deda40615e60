"""The claim-takeover journey fails in the browser: a stranger who names a company with their own
website and proves control of it gets "claim pending review", not the company's private data."""

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from app.claims.verifier import WELL_KNOWN_PATH, Verifier, get_verifier
from app.companies import service as companies
from app.models.complaint import Complaint
from app.models.user import User
from tests.e2e.helpers import NewContext, log_in
from tests.support import dns_https_servers as servers
from tests.support.dns_https_servers import LocalNet, Reply
from tests.support.factories import make_complaint

pytestmark = pytest.mark.browser


VICTIM_REF = "VICTIM-ACCT-5566-0042"


@pytest.fixture
def verifier(local_net: LocalNet, live_app: FastAPI) -> Verifier:
    verifier = Verifier(
        resolver=local_net.dns.resolver(),
        https_port=local_net.https.port,
        tls=local_net.https.client_context(),
        policy=servers.allow_loopback,
        timeout=3.0,
    )
    live_app.dependency_overrides[get_verifier] = lambda: verifier
    return verifier


def test_a_stranger_proving_their_own_domain_sees_claim_pending_review(
    page: Page,
    new_context: NewContext,
    seed: Callable,
    make_account: Callable[..., User],
    local_net: LocalNet,
    verifier: Verifier,
) -> None:
    attacker = make_account(name="Mallory Quinn", email="mallory@example.org")
    victim = make_account(name="Maria K.", email="maria@example.org")
    admin = make_account(name="Ada Admin", email="ada@example.org", is_admin=True)
    # The attacker names the company first, typing a website they own (delta.test).
    seed(
        lambda s: make_complaint(
            s,
            s.merge(attacker),
            company_name="Globex Corporation",
            company_domain="delta.test",
        )
    )
    victims: Complaint = seed(
        lambda s: make_complaint(
            s,
            s.merge(victim),
            company_name="Globex Corporation",
            title="Refund never arrived",
            private_reference=VICTIM_REF,
        )
    )
    slug = seed(lambda s: companies.get_by_slug(session=s, slug="globex-corporation")).slug
    local_net.dns.records["delta.test"] = {"A": ["127.0.0.1"]}

    log_in(page, attacker, next_path=f"/companies/{slug}/claim")
    page.get_by_role("radio", name=re.compile("File on your website")).check()
    page.get_by_role("button", name="Start my claim").click()
    expect(page).to_have_url(re.compile(r"/claims/\d+$"))
    token = page.locator("h2:has-text('Publish this file') ~ p > code").nth(1).inner_text()
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(200, token.strip() + "\n")
    page.get_by_role("button", name="Verify now").click()

    # Control of the domain is proven, but the domain was only typed by whoever filed first.
    expect(page.locator("dl.facts dt", has_text="Status").locator("+ dd")).to_have_text(
        "Pending review"
    )
    expect(page.get_by_role("status")).to_contain_text("Claim pending review.")
    expect(page.get_by_role("link", name="Open its dashboard")).to_have_count(0)

    dashboard = page.goto(f"/dashboard/{slug}/complaints/{victims.id}")
    assert dashboard is not None and dashboard.status == 403
    expect(page.get_by_text(VICTIM_REF)).to_have_count(0)
    page.goto(f"/complaints/{victims.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Refund never arrived")
    expect(page.get_by_text(VICTIM_REF)).to_have_count(0)

    # Everyone sees that a claim is waiting, not a verified company.
    visitor = new_context().new_page()
    visitor.goto(f"/companies/{slug}")
    expect(visitor.locator(".meta").first).to_have_text(
        "delta.test · Unclaimed: claim pending review"
    )

    # An admin sees the proof and what it does not prove, and rejects it.
    staff = new_context().new_page()
    log_in(staff, admin, next_path="/admin/claims")
    row = staff.locator("li", has_text="Globex Corporation")
    expect(row).to_contain_text("claim pending review")
    expect(row).to_contain_text("typed by whoever named the company, unconfirmed")
    row.get_by_label("Reason for rejecting").fill("delta.test is not Globex's domain.")
    row.get_by_role("button", name="Reject").click()
    expect(staff.get_by_role("status")).to_have_text("Claim rejected.")
    visitor.reload()
    expect(visitor.locator(".meta").first).to_have_text("delta.test · Unclaimed")
