"""In the browser: a follow-up and a rep's reply that would be masked are shown first as they will
be published, masks highlighted; "Edit" keeps the text; "Publish as shown" posts it masked. The
preview pages pass axe-core at 390 and 1,280 px without sideways scrolling."""

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.models.company import Company
from app.models.complaint import Complaint
from app.models.user import User
from tests.e2e.helpers import AXE, RUN_AXE, TIMEOUT_MS, VIEWPORTS, WCAG_TAGS, log_in
from tests.support.factories import make_complaint, make_rep

pytestmark = pytest.mark.browser

TYPED = "**Still** nothing. Call me on 07700 900482 or write to priya.j@example.org."


def _check(page: Page, name: str, viewport: str, folder: Path) -> None:
    assert page.evaluate(RUN_AXE, WCAG_TAGS) == [], (name, viewport)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, (name, viewport, overflow)
    page.screenshot(path=folder / f"preview-{name}-{viewport}.png", full_page=True)


def _preview_edit_publish(page: Page, field: str, send: str) -> None:
    page.get_by_label(field).fill(TYPED)
    page.get_by_role("button", name=send, exact=True).click()
    expect(page.get_by_role("heading", name="Check before publishing")).to_be_visible()
    expect(page.locator(".redaction-preview mark.redacted")).to_have_text(["[phone]", "[email]"])
    expect(page.locator(".redaction-preview strong")).to_have_text("Still")  # rendered


def test_follow_up_and_reply_previews(
    browser: Browser,
    live_server: str,
    seed: Callable,
    make_account: Callable[..., User],
    tmp_path: Path,
) -> None:
    folder = Path(os.environ.get("OUTCRY_E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    consumer = make_account(name="Priya J.", email="priya@example.org")
    rep = make_account(name="Dana Ortiz", email="dana@maplepost.example")
    for viewport, options in VIEWPORTS.items():
        complaint: Complaint = seed(
            lambda s, viewport=viewport: make_complaint(
                s,
                s.merge(consumer),
                company_name="Maple Post",
                title=f"Suitcase never arrived ({viewport})",
                body="My suitcase did not arrive after my flight and nobody answers.",
            )
        )
        company: Company = seed(lambda s, c=complaint: s.get(Company, c.company_id))
        if viewport == "phone":
            seed(lambda s, c=company: make_rep(s, c, user=s.merge(rep), public_name="Dana Ortiz"))

        context = browser.new_context(base_url=live_server, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(script=AXE)
        page = context.new_page()
        ticket = f"/complaints/{complaint.id}"
        log_in(page, consumer, next_path=ticket)
        page.goto(ticket)
        page.get_by_label(re.compile("^Private: only")).set_checked(False)
        _preview_edit_publish(page, "Add a follow-up", "Send")
        _check(page, "follow-up", viewport, folder)
        page.get_by_role("button", name="Edit").click()
        expect(page.get_by_label("Add a follow-up")).to_have_value(TYPED)
        page.get_by_role("button", name="Send", exact=True).click()
        page.get_by_role("button", name="Publish as shown").click()
        expect(page).to_have_url(re.compile(f"{ticket}$"))
        message = page.locator(".timeline .message").last
        expect(message).to_contain_text("Call me on [phone] or write to [email].")
        context.close()

        context = browser.new_context(base_url=live_server, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(script=AXE)
        page = context.new_page()
        view = f"/dashboard/{company.slug}/complaints/{complaint.id}"
        log_in(page, rep, next_path=view)
        page.goto(view)
        _preview_edit_publish(page, "Your reply (Markdown)", "Post reply")
        _check(page, "reply", viewport, folder)
        page.get_by_role("button", name="Publish as shown").click()
        expect(page.locator(".timeline")).to_contain_text("Call me on [phone]")
        context.close()
