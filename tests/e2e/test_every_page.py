"""Every page type, on a phone and on a desktop: nothing spills sideways, axe-core finds no WCAG 2.2
A or AA violation, and the browser console stays free of errors (a CSP block, a failed script).

The world is the demo data set (smaller), its statistics and systemic issues, plus an admin.
axe-core is vendored in ``vendor/`` and added to each page as an init script, which the page's
Content-Security-Policy does not block, so a CSP violation of the page's own still shows up.
Set ``OUTCRY_E2E_SCREENSHOTS=/some/dir`` to also save each page for a human to look at.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from app import demo
from app.config import get_settings
from app.mailchannel import directory
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.mail import InboundState, MailInbound, MailThread
from app.models.membership import Claim, CompanyMember
from app.models.stats import LeaderboardSnapshot
from app.models.systemic import SystemicIssue
from app.models.user import User
from app.stats import dataset
from app.stats.jobs import refresh_all, snapshot_previous_month
from app.stats.leaderboard import COLUMNS
from app.systemic.jobs import rebuild
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_layout import VIEWPORTS
from tests.factories import make_complaint, make_user

pytestmark = pytest.mark.browser

EVERY_COLUMN = "&".join(f"cols={c.key}" for c in COLUMNS)
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
RUN_AXE = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}}).then(r =>
  r.violations.map(v => v.id + " (" + v.impact + "): " + v.help + " at " +
    v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))"""


@dataclass
class World:
    consumer: str  # emails; every account has the demo password
    rep: str
    admin: str
    pages: list[tuple[str | None, str, str, int]] = field(default_factory=list)


def _build_world(engine: Engine) -> World:
    with Session(engine) as session:
        demo.load(session=session, complaints_count=60)
        session.commit()
    refresh_all(engine)
    snapshot_previous_month(engine)
    with Session(engine) as session:
        company_ids = session.exec(select(Complaint.company_id).distinct()).all()
    for company_id in company_ids:
        rebuild(engine, company_id)
    dataset.build(engine)  # /data lists files, checksums and an archive
    with Session(engine, expire_on_commit=False) as session:
        admin = make_user(session, email="admin@example.org", name="Ada Admin", is_admin=True)
        session.commit()
        claimed = session.exec(
            select(Company).join(Claim, col(Claim.company_id) == Company.id).order_by(Company.id)
        ).first()
        unclaimed = session.exec(
            select(Company).where(col(Company.id).not_in(select(Claim.company_id)))
        ).first()
        rep = session.exec(
            select(User).where(col(User.email).like("rep%")).order_by(User.id)
        ).first()
        rep_company = session.exec(
            select(Company)
            .join(CompanyMember, col(CompanyMember.company_id) == Company.id)
            .where(CompanyMember.user_id == rep.id)
        ).one()
        # One unbroken word in a title and an address in the text must wrap, not widen pages.
        long_word = make_complaint(
            session,
            title="Refund" + "o" * 110,
            company_name=rep_company.name,
            body="See https://example.org/" + "very-long-path-" * 20 + " for the whole story.",
        )
        session.commit()
        answered = session.exec(
            select(Complaint).where(Complaint.company_id == rep_company.id).order_by(Complaint.id)
        ).first()
        busy_author = session.exec(
            select(Complaint.author_id).group_by(Complaint.author_id).order_by(func.count().desc())
        ).first()
        author = session.get(User, busy_author)
        own = session.exec(
            select(Complaint).where(Complaint.author_id == author.id).order_by(Complaint.id)
        ).first()
        issue = session.exec(select(SystemicIssue)).first()
        snapshot = session.exec(select(LeaderboardSnapshot)).first()
        world = World(consumer=author.email, rep=rep.email, admin=admin.email)
        slug = rep_company.slug
        world.pages = [
            (None, "home", "/", 200),
            (None, "companies", "/companies", 200),
            (None, "company", f"/companies/{claimed.slug}", 200),
            (None, "company-unclaimed", f"/companies/{unclaimed.slug}", 200),
            (None, "company-stats", f"/companies/{claimed.slug}/stats", 200),
            (None, "company-moderation-log", f"/companies/{claimed.slug}/moderation", 200),
            (None, "complaint", f"/complaints/{answered.id}", 200),
            (None, "complaint-long-word", f"/complaints/{long_word.id}", 200),
            (None, "search", "/search?q=refund", 200),
            (None, "leaderboards", "/leaderboards", 200),
            (None, "leaderboards-every-column", "/leaderboards?" + EVERY_COLUMN, 200),
            (None, "most-ignored", "/leaderboards/ignored", 200),
            (None, "snapshots", "/leaderboards/snapshots", 200),
            (None, "methodology", "/methodology", 200),
            (None, "data", "/data", 200),
            (None, "broadcasts", "/broadcasts", 200),
            (None, "login", "/login", 200),
            (None, "signup", "/signup", 200),
            (None, "forgot", "/account/forgot", 200),
            (None, "takedown", f"/takedown/new?complaint={answered.id}", 200),
            (None, "report", f"/reports/new?complaint={answered.id}", 200),
            (None, "not-found", "/no-such-page", 404),
            (None, "about", "/about", 200),
            (None, "privacy", "/privacy", 200),
            (None, "terms", "/terms", 200),
            (None, "contact", "/contact", 200),
            (None, "signup-sent", "/signup/sent", 200),
            (None, "login-link", "/login/link", 200),
            ("consumer", "not-found-signed-in", "/no-such-page", 404),
            ("consumer", "file-complaint", "/complaints/new", 200),
            ("consumer", "complaint-author", f"/complaints/{own.id}", 200),
            ("consumer", "my-complaints", "/me/complaints", 200),
            ("consumer", "settings", "/me/settings", 200),
            ("consumer", "account", "/me/account", 200),
            ("consumer", "claim", f"/companies/{unclaimed.slug}/claim", 200),
            ("rep", "dashboard", "/dashboard", 200),
            ("rep", "dashboard-queue", f"/dashboard/{slug}", 200),
            ("rep", "dashboard-complaint", f"/dashboard/{slug}/complaints/{answered.id}", 200),
            ("rep", "dashboard-members", f"/dashboard/{slug}/members", 200),
            ("rep", "dashboard-profile", f"/dashboard/{slug}/profile", 200),
            ("rep", "dashboard-email", f"/dashboard/{slug}/email", 200),
            ("rep", "dashboard-me", f"/dashboard/{slug}/me", 200),
            ("rep", "dashboard-integrations", f"/dashboard/{slug}/integrations", 200),
            ("rep", "dashboard-saved-replies", f"/dashboard/{slug}/saved-replies", 200),
            ("rep", "dashboard-team", f"/dashboard/{slug}/team", 200),
            ("rep", "dashboard-team-report", f"/dashboard/{slug}/team/report", 200),
            ("admin", "admin", "/admin", 200),
            ("admin", "admin-claims", "/admin/claims", 200),
            ("admin", "admin-jobs", "/admin/jobs", 200),
            ("admin", "admin-companies", "/admin/companies", 200),
            ("admin", "admin-dashboard-queue", f"/dashboard/{slug}", 200),
            ("admin", "admin-redaction", "/admin/redaction", 200),
            ("admin", "moderation", "/moderation", 200),
            ("admin", "moderation-complaint", f"/moderation/complaints/{answered.id}", 200),
            ("admin", "legal-notices", "/moderation/notices", 200),
            ("admin", "mail-holding-pen", "/moderation/mail", 200),
            ("consumer", "suggest-address", f"/companies/{unclaimed.slug}/complaints-address", 200),
        ]
        _mail_world(session, unclaimed, own)
        if issue:
            issue_company = session.get(Company, issue.company_id)
            world.pages.append(
                (None, "systemic-issue", f"/companies/{issue_company.slug}/issues/{issue.id}", 200)
            )
        if snapshot:
            world.pages.append((None, "snapshot", f"/leaderboards/{snapshot.month}", 200))
    return world


def _mail_world(session: Session, company: Company, complaint: Complaint) -> None:
    """A suggested address, and a reply held for moderators, so those pages show their forms."""
    directory.suggest(
        session=session,
        company=company,
        address="complaints@shop.example.org",
        source_url="https://shop.example.org/contact",
        user=None,
    )
    thread = MailThread(
        complaint_id=complaint.id,
        side="company",
        recipient="complaints@shop.example.org",
        token_hash="0" * 64,
        root_message_id="<world@mail.outcry.test>",
    )
    session.add(thread)
    session.flush()
    session.add(
        MailInbound(
            dedupe_key="<held@shop.example.org>",
            received_via="http",
            header_from="someone@elsewhere.example.org",
            subject="Re: your complaint",
            raw=b"Subject: Re: your complaint\r\n\r\nWe are looking into it.\r\n",
            thread_id=thread.id,
            state=InboundState.HELD,
            auth_detail="sent from elsewhere.example.org, not shop.example.org",
            text="We are looking into it.",
        )
    )
    session.commit()


@pytest.fixture
def world(
    live_server: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> World:
    monkeypatch.setattr(get_settings(), "dataset_dir", str(tmp_path / "public"))
    return _build_world(engine)


def _log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def _problems(page: Page, path: str, status: int, errors: list[str]) -> list[str]:
    errors.clear()
    response = page.goto(path)
    found = []
    if response is None or response.status != status:
        found.append(f"answered {response and response.status}, not {status}")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        found.append(f"{overflow}px wider than the screen")
    found += page.evaluate(RUN_AXE, WCAG_TAGS)
    found += errors
    return found


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_page_fits_passes_axe_and_logs_no_error(
    browser: Browser, live_server: str, world: World, viewport: str
) -> None:
    accounts = {None: None, "consumer": world.consumer, "rep": world.rep, "admin": world.admin}
    pages: dict[str | None, Page] = {}
    errors: list[str] = []
    failures: list[str] = []

    def record(message: ConsoleMessage) -> None:
        # A failed load is reported below with its address; the console line has none.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"console: {message.text}")

    def record_failure(response: Response) -> None:
        if response.status >= 400 and not response.request.is_navigation_request():
            errors.append(f"{response.status} for {response.url}")

    def open_page(who: str | None) -> Page:
        if who not in pages:
            context = browser.new_context(
                base_url=live_server, locale="en-GB", **VIEWPORTS[viewport]
            )
            context.set_default_timeout(TIMEOUT_MS)
            context.add_init_script(script=AXE)
            page = context.new_page()
            page.on("console", record)
            page.on("response", record_failure)
            page.on("pageerror", lambda exc: errors.append(f"script error: {exc}"))
            if accounts[who]:
                _log_in(page, accounts[who])
            pages[who] = page
        return pages[who]

    folder = os.environ.get("OUTCRY_E2E_SCREENSHOTS")
    try:
        for who, name, path, status in world.pages:
            page = open_page(who)
            failures += [f"{name} ({path}): {p}" for p in _problems(page, path, status, errors)]
            if folder:
                page.screenshot(path=Path(folder) / f"page-{name}-{viewport}.png", full_page=True)
        # The account menu, opened: its links must pass too.
        page = open_page("consumer")
        page.goto("/")
        page.locator("details.menu > summary").click()
        failures += [f"open menu: {p}" for p in page.evaluate(RUN_AXE, WCAG_TAGS)]
    finally:
        for page in pages.values():
            page.context.close()
    assert not failures, f"{len(failures)} problems at {viewport}:\n" + "\n".join(failures)


def test_the_checks_catch_a_violation(browser: Browser, live_server: str, seed: Callable) -> None:
    """The axe injection really runs: a page with an unlabelled field is caught."""
    context = browser.new_context(base_url=live_server)
    context.add_init_script(script=AXE)
    page = context.new_page()
    page.goto("/login")
    page.evaluate("document.querySelector('label[for]').remove()")
    found = page.evaluate(RUN_AXE, WCAG_TAGS)
    context.close()
    assert any(v.startswith("label ") for v in found), found
