"""In the browser: personal data typed into the filing form is shown masked before publishing,
and only the masked text reaches the public page."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.models.complaint import Complaint
from app.models.user import User
from tests.e2e.helpers import fill_complaint, log_in

pytestmark = pytest.mark.browser

BODY = "Charged twice on 3 March 2025. Call me on 07700 900482 or mail maria.k@example.org please."


def test_the_preview_shows_the_masks_then_publishes_the_masked_text(
    page: Page, make_account: Callable[..., User], engine: Engine
) -> None:
    user = make_account()
    log_in(page, user, next_path="/complaints/new")
    fill_complaint(page, body=BODY)
    page.get_by_role("button", name="Publish complaint").click()

    expect(page.get_by_role("heading", name="Check before publishing")).to_be_visible()
    expect(page.locator("#redaction-summary")).to_contain_text("hide 2 pieces")
    expect(page.locator(".redaction-preview mark.redacted")).to_have_text(["[phone]", "[email]"])

    page.get_by_role("button", name="Change something").click()
    expect(page.get_by_label("What happened", exact=True)).to_have_value(BODY)
    page.get_by_role("button", name="Publish complaint").click()
    page.get_by_role("button", name="Publish complaint").click()  # on the preview

    expect(page).to_have_url(re.compile(r"/complaints/\d+$"))
    expect(page.locator("main")).to_contain_text("Call me on [phone] or mail [email] please.")
    expect(page.locator("main")).not_to_contain_text("07700 900482")
    with Session(engine) as session:
        complaint = session.exec(select(Complaint)).one()
        assert complaint.original_body == BODY
