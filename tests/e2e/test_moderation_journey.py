"""Moderation in a real browser: a reader reports a complaint, a moderator hides it with a
reason from the queue, and the public sees the tombstone instead of the text."""

from collections.abc import Callable

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.models.complaint import Complaint, Visibility
from app.models.moderation import Report, ReportStatus
from app.models.user import User
from tests.e2e.helpers import NewContext, log_in
from tests.support.factories import make_complaint, make_user

pytestmark = pytest.mark.browser

TITLE = "Zephyrcorp engineer lied about the Quimby upgrade"
BODY = "The Zephyrcorp engineer told me lies about the Quimby upgrade and my contract."
REASON = "Names a private person and his home address"


def test_report_hide_and_the_public_tombstone(
    new_context: NewContext, seed: Callable, make_account: Callable[..., User], engine: Engine
) -> None:
    complaint = seed(lambda s: make_complaint(s, make_user(s), title=TITLE, body=BODY))

    def _moderator(s: Session) -> User:
        user = make_user(s, name="Mo Derator")
        user.is_moderator = True
        s.add(user)
        return user

    moderator = seed(_moderator)
    reader = make_account(name="Careful Reader")

    # A reader reports it from the complaint's page.
    page = new_context().new_page()
    log_in(page, reader, next_path=f"/complaints/{complaint.id}")
    page.goto(f"/complaints/{complaint.id}")
    page.get_by_role("link", name="Report this complaint").click()
    page.get_by_label("Personal data").check()
    page.get_by_label("Explain").fill("It names a private person.")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("report #")
    expect(page.get_by_role("heading", level=1)).to_contain_text("received")

    # The moderator finds it in the queue and hides it with a public reason.
    mod_page = new_context().new_page()
    log_in(mod_page, moderator)
    nav = mod_page.get_by_role("navigation", name="Main")
    nav.locator("summary").click()  # the account menu
    nav.get_by_role("link", name="Moderation").click()
    expect(mod_page.get_by_text("1 report", exact=True)).to_be_visible()
    mod_page.get_by_role("link", name=f"Complaint #{complaint.id}").click()
    expect(mod_page.locator(".moderated-content")).to_contain_text(BODY)
    mod_page.locator("#reason").fill(REASON)
    mod_page.get_by_role("button", name="Hide with this reason").click()
    expect(mod_page.get_by_role("status")).to_contain_text("statement of reasons")
    expect(mod_page.locator("#visibility")).to_contain_text("hidden")

    # The public sees why, never what.
    public = new_context().new_page()
    public.goto(f"/complaints/{complaint.id}")
    expect(public.get_by_role("heading", level=1)).to_have_text(
        "This complaint was hidden by Outcry's moderators"
    )
    expect(public.locator("#tombstone-reason")).to_have_text(f"Reason: {REASON}")
    assert "Quimby" not in public.content()
    assert "Zephyrcorp engineer" not in public.content()
    public.get_by_role("link", name="moderation log").click()
    expect(public.get_by_role("cell", name=REASON)).to_be_visible()

    with Session(engine) as session:
        assert session.get(Complaint, complaint.id).visibility == Visibility.HIDDEN
        report = session.exec(select(Report)).one()
        assert report.status == ReportStatus.ACTIONED
