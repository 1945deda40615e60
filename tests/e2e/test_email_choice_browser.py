"""In the browser: a claimed company's owner reads what answering by email means, switches it on,
and the queue and the public page say so. The page passes axe-core at 390 and 1,280 px without
sideways scrolling."""

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.config import get_settings
from app.models.company import Company
from app.models.membership import Role
from app.models.user import User
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.helpers import log_in
from tests.e2e.test_every_page import AXE, RUN_AXE, WCAG_TAGS
from tests.e2e.test_layout import VIEWPORTS
from tests.factories import make_complaint, make_rep

pytestmark = pytest.mark.browser


def _check(page: Page, name: str, viewport: str, folder: Path) -> None:
    assert page.evaluate(RUN_AXE, WCAG_TAGS) == [], (name, viewport)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, (name, viewport, overflow)
    page.screenshot(path=folder / f"email-choice-{name}-{viewport}.png", full_page=True)


def _company(session, owner: User, viewport: str) -> Company:
    name = f"Maple Post {viewport}"
    company = session.get(Company, make_complaint(session, company_name=name).company_id)
    company.contact_email = f"complaints@maple-{viewport}.example"
    company.domain = f"maple-{viewport}.example"
    session.add(company)
    make_rep(session, company, user=session.merge(owner), role=Role.OWNER)
    return company


def test_an_owner_switches_answering_by_email_on(
    browser: Browser,
    live_server: str,
    seed: Callable,
    make_account: Callable[..., User],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OUTCRY_MAIL_DOMAIN", "mail.outcry.test")
    get_settings.cache_clear()
    folder = Path(os.environ.get("OUTCRY_E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    owner = make_account(name="Dana Ortiz", email="dana@maple.example")
    for viewport, options in VIEWPORTS.items():
        company: Company = seed(lambda s, v=viewport: _company(s, owner, v))
        context = browser.new_context(base_url=live_server, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(script=AXE)
        page = context.new_page()
        settings = f"/dashboard/{company.slug}/email"
        log_in(page, owner, next_path=settings)
        page.goto(settings)
        expect(page.locator("#email-choice")).to_contain_text("Off")
        _check(page, "off", viewport, folder)
        page.get_by_label("Also mail us each complaint").check()
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#email-saved")).to_contain_text("now answers by email too")
        expect(page.locator("#email-address")).to_have_text(f"complaints@maple-{viewport}.example")
        _check(page, "on", viewport, folder)
        page.goto(f"/dashboard/{company.slug}")
        expect(page.locator("#email-channel")).to_contain_text("also answers by email")
        page.goto(f"/companies/{company.slug}")
        expect(page.locator("#how-it-answers")).to_contain_text("on Outcry and by email")
        context.close()
    get_settings.cache_clear()
