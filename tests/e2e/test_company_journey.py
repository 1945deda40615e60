"""A company's journey, in a real browser: a rep claims it by publishing the well-known file on a
real local HTTPS server, answers and resolves a complaint from the dashboard, and the consumer
confirms the resolution through the link in the mail."""

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.claims.verifier import WELL_KNOWN_PATH, Verifier, get_verifier
from app.companies import service as companies
from app.jobs import worker
from app.models.company import Company
from app.models.complaint import Complaint, ComplaintState, ResolutionType
from app.models.job import Job
from app.models.membership import Claim, ClaimMethod, ClaimStatus, CompanyMember, Role
from app.models.user import User
from app.text.humanize import day
from tests.e2e.helpers import NewContext, log_in
from tests.support import dns_https_servers as servers
from tests.support.dns_https_servers import LocalNet, Reply
from tests.support.factories import confirm_domain, make_complaint

pytestmark = pytest.mark.browser


CLAIM_URL = re.compile(r"/claims/(\d+)$")
ANSWER_LINK = re.compile(r"https?://\S+(/r/[A-Za-z0-9_\-]+)")


@pytest.fixture
def verifier(local_net: LocalNet, live_app: FastAPI) -> Verifier:
    """The live app's verifier: DNS from LocalDNS, the file from LocalHTTPS (trusting its test
    CA), and 127.0.0.1 allowed, since that is where the local servers are."""
    verifier = Verifier(
        resolver=local_net.dns.resolver(),
        https_port=local_net.https.port,
        tls=local_net.https.client_context(),
        policy=servers.allow_loopback,
        timeout=3.0,
    )
    live_app.dependency_overrides[get_verifier] = lambda: verifier
    return verifier


def test_claim_by_file_reply_resolve_and_consumer_confirms(
    page: Page,
    new_context: NewContext,
    seed: Callable,
    make_account: Callable[..., User],
    local_net: LocalNet,
    verifier: Verifier,
    engine: Engine,
) -> None:
    # An admin confirmed acme.test as the company's domain, so a proof on it is enough.
    acme: Company = seed(
        lambda s: confirm_domain(
            s, companies.create(session=s, name="Acme Widgets", domain="acme.test")
        )
    )
    consumer = make_account(name="Maria K.", email="maria@example.org")
    complaint: Complaint = seed(
        lambda s: make_complaint(
            s,
            s.merge(consumer),
            company_name="Acme Widgets",
            title="Widget broke after two days",
            body="The widget snapped in half on the second day and support never called back.",
        )
    )
    rep = make_account(name="Rita Reyes", email="rita@acme.test")
    local_net.dns.records["acme.test"] = {"A": ["127.0.0.1"]}

    # The rep finds the company page, which says it is unclaimed, and starts a claim.
    log_in(page, rep, next_path=f"/companies/{acme.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Widgets")
    expect(page.locator(".meta").first).to_have_text("acme.test · Unclaimed")
    page.get_by_role("link", name="Is this your company? Claim it").click()
    expect(page.get_by_role("heading", name="Claim Acme Widgets")).to_be_visible()
    page.get_by_role("radio", name=re.compile("File on your website")).check()
    page.get_by_role("button", name="Start my claim").click()

    # The claim page says what to publish, and where.
    expect(page).to_have_url(CLAIM_URL)
    expect(page.get_by_role("heading", name="Publish this file")).to_be_visible()
    expect(page.get_by_text(f"https://acme.test{WELL_KNOWN_PATH}", exact=True)).to_be_visible()
    token_code = page.locator("h2:has-text('Publish this file') ~ p > code").nth(1)
    token = token_code.inner_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9_\-]{16,64}", token), token

    # "Verify now" before the file is there: refused, with the reason.
    page.get_by_role("button", name="Verify now").click()
    expect(page.get_by_role("alert")).to_have_text(
        f"https://acme.test{WELL_KNOWN_PATH} answered HTTP 404; it must answer 200 with the file."
    )

    # Published on the (local) website: verified.
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(200, token + "\n")
    page.get_by_role("button", name="Verify now").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("dl.facts dt", has_text="Status").locator("+ dd")).to_have_text("Verified")
    expect(page.get_by_role("status")).to_contain_text(
        "Acme Widgets is claimed: you answer for it as an owner."
    )
    fetched = local_net.https.requests[-1]
    assert (fetched.path, fetched.host, fetched.sni) == (WELL_KNOWN_PATH, "acme.test", "acme.test")

    page.get_by_role("link", name="see its public page").click()
    expect(page.locator(".meta").first).to_have_text(
        f"acme.test · Claimed, verified by a file on its website on {_verified_day(engine)}"
    )
    expect(page.get_by_role("link", name=re.compile("Claim it"))).to_have_count(0)

    # The dashboard's queue lists the complaint; the rep opens it and replies in public.
    page.goto("/dashboard")
    page.get_by_role("link", name="Acme Widgets").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Widgets: complaints")
    page.get_by_role("link", name=f"#{complaint.id} Widget broke after two days").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"#{complaint.id} Widget broke after two days"
    )
    expect(page.locator(".status .state")).to_have_text("open")
    page.get_by_label("Your reply (Markdown)").fill(
        "Sorry, Maria. A replacement widget is on its way, and we refunded the first one."
    )
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".status .state")).to_have_text("answered")
    expect(page.locator("#assignee")).to_have_text("Rita Reyes (you)")

    # The public page shows the reply, signed by the rep under the company's name.
    page.get_by_role("link", name="Public page").click()
    expect(page).to_have_url(re.compile(rf"/complaints/{complaint.id}$"))
    reply = page.locator(".timeline li.event-answer")
    expect(reply.locator(".what strong")).to_have_text("Rita Reyes — Acme Widgets")
    expect(reply.locator(".what")).to_contain_text("replied")
    # The consumer's display name is public on the complaint: a reply may greet them by it.
    expect(reply.locator(".message")).to_have_text(
        "Sorry, Maria. A replacement widget is on its way, and we refunded the first one."
    )

    # Back on the dashboard, the rep marks it resolved.
    page.go_back()
    page.get_by_label("How was it resolved?").select_option(label="Monetary relief")
    page.get_by_label("Message to the consumer (optional, public)").fill(
        "The refund of 49.90 EUR went out today."
    )
    page.get_by_role("button", name="Mark resolved").click()
    expect(page.locator(".status .state")).to_have_text("resolved by the company")
    expect(page.locator(".timeline")).to_contain_text("marked it resolved (monetary relief)")

    # The worker sends the mail (kept, with no SMTP in tests); the consumer's has the link.
    _run_worker(engine)
    with Session(engine) as session:
        mails = session.exec(select(Job).where(Job.kind == "mail")).all()
    (resolved_mail,) = [
        job
        for job in mails
        if job.payload["to"] == "maria@example.org" and "resolved" in job.payload["subject"]
    ]
    assert resolved_mail.payload["subject"] == (
        "Acme Widgets says your complaint is resolved: Widget broke after two days"
    )
    assert "The refund of 49.90 EUR went out today." in resolved_mail.payload["text"]
    match = ANSWER_LINK.search(resolved_mail.payload["text"])
    assert match, resolved_mail.payload["text"]
    answer_path = urlsplit(match.group(0)).path
    assert answer_path == match.group(1)

    # The consumer opens it in a browser where nobody is logged in, and confirms.
    consumer_page = new_context().new_page()
    consumer_page.goto(answer_path)
    expect(consumer_page.get_by_role("heading", level=1)).to_have_text(
        "Is your complaint resolved?"
    )
    expect(consumer_page.locator(".summary")).to_contain_text("Acme Widgets marked it resolved on")
    expect(consumer_page.locator(".summary")).to_contain_text("(monetary relief)")
    expect(consumer_page.locator(".summary .message")).to_have_text(
        "The refund of 49.90 EUR went out today."
    )
    expect(
        consumer_page.get_by_role("button", name=re.compile(r"^Log out"), include_hidden=True)
    ).to_have_count(0)
    consumer_page.get_by_role("button", name="Yes, it is resolved").click()
    expect(consumer_page.get_by_role("status")).to_have_text(
        "You confirmed that “Widget broke after two days” is resolved. "
        "The complaint is now closed, and its page says so."
    )
    consumer_page.get_by_role("link", name="See the complaint").click()
    expect(consumer_page.locator(".status .state")).to_have_text("confirmed resolved")
    expect(consumer_page.locator(".clock")).to_have_text(re.compile(r"^Confirmed resolved after "))
    expect(consumer_page.locator(".timeline")).to_contain_text("Maria K. confirmed it is resolved")

    # The link worked once: opening it again says so.
    consumer_page.goto(answer_path)
    expect(consumer_page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    expect(consumer_page.get_by_role("alert")).to_have_text(
        "This link has already been used. Each link works once."
    )
    expect(consumer_page.get_by_role("button", name="Yes, it is resolved")).to_have_count(0)

    with Session(engine) as session:
        (claim,) = session.exec(select(Claim)).all()
        assert (claim.method, claim.status, claim.domain) == (
            ClaimMethod.WELL_KNOWN,
            ClaimStatus.VERIFIED,
            "acme.test",
        )
        assert claim.user_id == rep.id and claim.token == token
        (member,) = session.exec(select(CompanyMember)).all()
        assert (member.user_id, member.company_id, member.role) == (rep.id, acme.id, Role.OWNER)
        done = session.get(Complaint, complaint.id)
        assert done.state == ComplaintState.CONFIRMED
        assert done.resolution_type == ResolutionType.MONETARY
        assert done.assignee_id == rep.id
        assert done.closed_at is not None


def _verified_day(engine: Engine) -> str:
    """The day the claim was verified, as the pages write it."""
    with Session(engine) as session:
        verified_at = session.exec(select(Claim.verified_at)).one()
    return day(verified_at)


def _run_worker(engine: Engine) -> int:
    """Run every due job, as ``outcry worker --once`` would. In a thread of its own: Playwright's
    sync API keeps an event loop running in this one, so asyncio.run() is refused here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(worker.drain(engine=engine))).result(timeout=60)
