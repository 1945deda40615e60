"""A rep works the queue in a real browser: finds a complaint by the consumer's private
reference, bulk-assigns five, answers one with a saved reply whose placeholders are filled in,
and reaches it again among the resolved; the queue fits and passes axe at 390 and 1,280 px."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.companies import service as companies
from app.models.complaint import SavedReply
from app.models.membership import Role
from app.models.user import User
from tests.e2e.helpers import AXE, RUN_AXE, WCAG_TAGS, NewContext, log_in
from tests.support.factories import make_complaint, make_rep, make_user

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def _world(session):
    acme = companies.create(session=session, name="Acme Telecom", domain="acme.example")
    owner = make_rep(session, acme, role=Role.OWNER, public_name="Dana Ortiz", job_title="Lead")
    sam = make_rep(session, acme, public_name="Sam Lee", job_title="Support Agent")
    wanted = make_complaint(
        session,
        make_user(session, name="Maria Kowalski"),
        company_name="Acme Telecom",
        title="Charged twice for my March bill",
        private_reference="ACC-445566",
    )
    five = [
        make_complaint(session, make_user(session), company_name="Acme Telecom", title=t)
        for t in (
            "Router keeps dropping every evening",
            "Engineer never came on Tuesday",
            "Cancelled but still billed",
            "Refund promised in May not paid",
            "Speed far below the contract",
        )
    ]
    session.add(
        SavedReply(
            company_id=acme.id,
            author_id=owner.user_id,
            title="Looking into it",
            body="Hello {first_name}, we found your account {reference}. {company} will fix it.",
        )
    )
    session.flush()
    return {
        "owner": session.get(User, owner.user_id),
        "sam": session.get(User, sam.user_id),
        "wanted": wanted.id,
        "five": [c.id for c in five],
    }


def _fits_and_passes_axe(page: Page, name: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: {overflow}px wider than the screen"
    assert page.evaluate(RUN_AXE, WCAG_TAGS) == [], name
    if folder := os.environ.get("OUTCRY_E2E_SCREENSHOTS"):
        page.screenshot(path=Path(folder) / f"{name}.png", full_page=True)


def test_a_rep_finds_bulk_assigns_answers_and_reaches_the_resolved(
    new_context: NewContext, seed
) -> None:
    world = seed(_world)
    context = new_context(viewport=VIEWPORTS["desktop"])
    context.add_init_script(script=AXE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, world["owner"], next_path="/dashboard/acme-telecom")
    page.goto("/dashboard/acme-telecom")
    for name, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        _fits_and_passes_axe(page, f"rep-queue-{name}")

    # The consumer phones with their account number.
    page.get_by_label("Search").fill("ACC-445566")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("tr.queue-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Charged twice for my March bill")
    _fits_and_passes_axe(page, "rep-queue-search-desktop")

    # Five at once to Sam.
    page.goto("/dashboard/acme-telecom?queue=unassigned")
    for complaint_id in world["five"]:
        page.locator(f"#pick-{complaint_id}").check()
    page.get_by_label("Assign to").select_option(label="Sam Lee")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator("#bulk-result")).to_contain_text("5 changed")
    page.goto(f"/dashboard/acme-telecom?queue=all&assignee={world['sam'].id}")
    expect(page.locator("tr.queue-row")).to_have_count(5)

    # A saved reply, personalised, then resolved.
    page.goto(f"/dashboard/acme-telecom/complaints/{world['wanted']}")
    page.get_by_label("Saved reply").select_option(label="Looking into it")
    page.get_by_role("button", name="Insert").click()
    box = page.locator("textarea[name=body]").first
    expect(box).to_have_value(
        "Hello Maria, we found your account ACC-445566. Acme Telecom will fix it."
    )
    box.fill("Hello Maria, we found your account. Acme Telecom will fix it.")
    page.get_by_role("button", name="Post reply", exact=True).click()
    expect(page.get_by_text("Acme Telecom will fix it.").first).to_be_visible()
    page.goto("/dashboard/acme-telecom")
    page.locator(f"#pick-{world['wanted']}").check()
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#bulk-result")).to_contain_text("1 changed")
    page.get_by_role("link", name="Resolved, awaiting confirmation").click()
    expect(page.locator("tr.queue-row")).to_have_count(1)
    page.locator("tr.queue-row a[data-open]").click()
    expect(page.get_by_text("Charged twice for my March bill").first).to_be_visible()
    assert errors == []
