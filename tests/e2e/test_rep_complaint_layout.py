"""A rep's complaint at desktop width reads like a helpdesk ticket: the conversation in the wide
column and, beside it, the facts, the private reference, the owner with "take it" and the
internal notes; on a phone the same page is one column (facts and owner first, then the
conversation, then the notes). Both fit the screen and pass axe. "Take it, then open the next"
lands on the next complaint of the queue the rep came from."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.companies import service as companies
from app.complaints import company as company_side
from app.models.membership import Role
from app.models.user import User
from tests.e2e.helpers import AXE, RUN_AXE, WCAG_TAGS, NewContext, log_in
from tests.support.factories import make_complaint, make_rep, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _world(session):
    acme = companies.create(session=session, name="Acme Telecom", domain="acme.example")
    owner = make_rep(session, acme, role=Role.OWNER, public_name="Dana Ortiz", job_title="Lead")
    sam = make_rep(session, acme, public_name="Sam Lee", job_title="Support Agent")
    owner_user = session.get(User, owner.user_id)
    first = make_complaint(
        session,
        make_user(session, name="Maria Kowalski"),
        company_name="Acme Telecom",
        title="Charged twice for my March bill",
        private_reference="ACC-445566",
    )
    second = make_complaint(
        session, make_user(session), company_name="Acme Telecom", title="Router keeps dropping"
    )
    for n in range(3):
        company_side.reply(
            session=session,
            complaint=first,
            user=owner_user,
            body=f"Update {n + 1}: we are checking the March invoice with billing and will "
            "come back to you with the refund date as soon as we have it.",
            private=n == 1,
        )
    company_side.add_note(
        session=session, complaint=first, user=owner_user, body="Billing ticket BIL-22 opened."
    )
    company_side.assign(
        session=session, complaint=first, user=owner_user, assignee_id=owner.user_id
    )
    company_side.add_note(
        session=session,
        complaint=first,
        user=session.get(User, sam.user_id),
        body="Called Maria, she sent the bank statement.",
    )
    session.flush()
    return {
        "sam": session.get(User, sam.user_id),
        "first": first.id,
        "second": second.id,
    }


def _box(page: Page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def _fits_and_passes_axe(page: Page, name: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: {overflow}px wider than the screen"
    assert page.evaluate(RUN_AXE, WCAG_TAGS) == [], name
    if folder := os.environ.get("OUTCRY_E2E_SCREENSHOTS"):
        page.screenshot(path=Path(folder) / f"{name}.png", full_page=True)


def test_the_complaint_in_columns_and_take_then_next(new_context: NewContext, seed) -> None:
    world = seed(_world)
    context = new_context(viewport=DESKTOP)
    context.add_init_script(script=AXE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, world["sam"], next_path="/dashboard/acme-telecom")
    page.goto(f"/dashboard/acme-telecom/complaints/{world['first']}?queue=open")

    # Desktop: the side column stands beside the conversation, starting level with it.
    side, talk, notes = _box(page, ".case-facts"), _box(page, ".case-conversation"), None
    notes = _box(page, "aside.notes")
    assert side["x"] > talk["x"] + talk["width"] - 1, "the facts sit to the right"
    assert abs(side["y"] - talk["y"]) < 2, "the facts start level with the conversation"
    assert notes["x"] == side["x"] and notes["y"] > side["y"], "the notes are under the facts"
    assert notes["y"] < talk["y"] + talk["height"], "the notes are beside the conversation"
    expect(page.locator(".case-facts #private-reference")).to_contain_text("ACC-445566")
    expect(page.locator(".case-facts")).to_contain_text("Dana Ortiz")
    expect(page.locator("aside.notes")).to_contain_text("BIL-22")
    expect(page.locator(".case-facts .history")).to_contain_text("Owner: Dana Ortiz")
    _fits_and_passes_axe(page, "rep-complaint-desktop")

    # Phone: one column, the facts and owner first, then the conversation, then the notes.
    page.set_viewport_size(PHONE)
    side, talk, notes = (
        _box(page, ".case-facts"),
        _box(page, ".case-conversation"),
        _box(page, "aside.notes"),
    )
    assert abs(side["x"] - talk["x"]) < 2 and side["y"] < talk["y"] < notes["y"]
    _fits_and_passes_axe(page, "rep-complaint-phone")

    # Take it, then straight on to the next one of the same queue (the "t" key, as listed).
    page.set_viewport_size(DESKTOP)
    page.get_by_text("Keyboard shortcuts").click()
    expect(page.locator("#shortcuts")).to_contain_text("Take it, then open the next")
    page.locator("h1").click()
    page.keyboard.press("t")
    expect(page).to_have_url(f"/dashboard/acme-telecom/complaints/{world['second']}?queue=open")
    expect(page.locator("h1")).to_contain_text("Router keeps dropping")
    page.goto(f"/dashboard/acme-telecom/complaints/{world['first']}")
    expect(page.locator("#assignee")).to_contain_text("Sam Lee (you)")
    expect(page.locator(".case-facts .history li").first).to_contain_text("Owner: Sam Lee")

    # Sam edits his own note in place; Dana's has no edit form for him.
    mine = page.locator("aside.notes li", has_text="bank statement")
    assert page.locator("aside.notes li", has_text="BIL-22").locator("summary").count() == 0
    mine.locator("summary").click()
    mine.get_by_label("Your note").fill("Called Maria: refund due on Friday.")
    mine.get_by_role("button", name="Save changes").click()
    expect(page.locator("aside.notes")).to_contain_text("refund due on Friday")
    expect(page.locator("aside.notes .edited")).to_contain_text("edited")
    assert errors == []
