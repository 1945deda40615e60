"""The filing form and the complaint page on a phone and on a desktop: nothing spills sideways.

Set ``OUTCRY_E2E_SCREENSHOTS=/some/dir`` to also save full-page screenshots for a human to look at.
"""

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.complaints import cosigns
from app.models.company import Company
from app.models.complaint import Category
from app.models.user import User
from tests.e2e.helpers import VIEWPORTS, NewContext, fill_complaint, log_in
from tests.support.factories import make_complaint

pytestmark = pytest.mark.browser


def _check_layout(page: Page, name: str, viewport: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} is {overflow}px wider than the {viewport} screen"
    if folder := os.environ.get("OUTCRY_E2E_SCREENSHOTS"):
        page.screenshot(path=Path(folder) / f"e2e-{name}-{viewport}.png", full_page=True)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_pages_fit_the_screen(
    new_context: NewContext,
    seed: Callable,
    comcast: Company,
    make_account: Callable[..., User],
    viewport: str,
) -> None:
    author = make_account(name="Maria K.")
    complaint = seed(
        lambda s: make_complaint(
            s,
            author,
            title="Internet down for nine days after the storm",
            category=Category.OUTAGE,
            company_name="Comcast",
            body="The line has been dead since the storm.\n\n"
            "- 4 calls, each *we will call you back*\n- 2 chats that ended mid-sentence",
            desired_outcome="A working line and a refund for the days without service.",
            contact_attempts=[{"channel": "phone", "count": 4}, {"channel": "chat", "count": 2}],
            contact_since=date(2025, 11, 3),
            private_reference="ACC-00012345",
        )
    )
    fan = make_account()  # its own transaction: SQLite writers take turns
    seed(lambda s: cosigns.cosign(session=s, complaint=s.merge(complaint), user=s.merge(fan)))
    page = new_context(**VIEWPORTS[viewport]).new_page()
    log_in(page, author, next_path=f"/complaints/{complaint.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(complaint.title)
    _check_layout(page, "complaint", viewport)

    page.goto("/complaints/new")
    page.get_by_label("Company name").press_sequentially("Comcats", delay=20)
    expect(
        page.get_by_role("button", name="Did you mean Comcast (comcast.example)?")
    ).to_be_visible()
    _check_layout(page, "form-suggestion", viewport)

    fill_complaint(page, company=None, body="Too short.")
    page.get_by_role("button", name="Publish complaint").click()
    expect(page.locator(".field.has-error")).to_have_count(1)
    _check_layout(page, "form-error", viewport)


LONG_WORD = "Refund" + "x" * 150 + "https://example.org/" + "a" * 120


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_one_long_unbroken_word_wraps_everywhere(
    new_context: NewContext,
    seed: Callable,
    make_account: Callable[..., User],
    viewport: str,
) -> None:
    author = make_account(name="Maria K.")
    complaint = seed(
        lambda s: make_complaint(
            s,
            author,
            title=LONG_WORD[:140],
            company_name="Northwind Telecom",
            body=f"It started here: {LONG_WORD} and never stopped.",
        )
    )
    page = new_context(**VIEWPORTS[viewport]).new_page()
    for name, path in (
        ("home-long-word", "/"),
        ("ticket-long-word", f"/complaints/{complaint.id}"),
        ("company-long-word", "/companies/northwind-telecom"),
        ("search-long-word", "/search"),
    ):
        page.goto(path)
        _check_layout(page, name, viewport)
