"""Notice-and-takedown in a real browser: a company files a legal notice without an account, the
poster answers from the link in their mail and objects, and the company's status page shows the
poster's details they agreed to give."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine
from sqlmodel import Session

from app.models.user import User
from app.takedown import procedure
from tests.e2e.helpers import NewContext, log_in
from tests.support.factories import make_complaint
from tests.support.takedown_helpers import takedown_mails

pytestmark = pytest.mark.browser


def _tick(engine: Engine) -> None:
    """What the worker's periodic takedown.tick does."""
    with Session(engine) as session:
        procedure.tick(session=session)
        session.commit()


def _mail_link(engine: Engine, to: str, pattern: str) -> str:
    with Session(engine) as session:
        text = takedown_mails(session, to)[-1]["text"]
    return re.search(pattern, text).group(1)


def test_notice_objection_and_disclosure_with_consent(
    new_context: NewContext, seed: Callable, make_account: Callable[..., User], engine: Engine
) -> None:
    poster = make_account(email="pat@example.org", name="Pat Poster")
    complaint = seed(lambda s: make_complaint(s, s.get(User, poster.id)))

    company = new_context().new_page()
    company.goto(f"/complaints/{complaint.id}")
    company.get_by_role("link", name="Report defamation (legal notice)").click()
    company.get_by_role("button", name="Send the notice").click()  # empty: refused, explained
    expect(company.get_by_role("alert").first).to_contain_text("Please correct")
    company.get_by_label("Your name (or your company's)").fill("Northwind Telecom Ltd")
    company.get_by_label("Email address", exact=True).fill("legal@northwind.example")
    company.get_by_label("The statement you complain of").fill("Northwind steals on purpose.")
    company.get_by_label("What you say it means").fill("That Northwind commits theft deliberately.")
    company.get_by_label("What is wrong with it").select_option("factually_inaccurate")
    company.get_by_label("Which parts, and why").fill("It was a billing error, refunded in March.")
    company.get_by_label("Why it is defamatory of you").fill("It accuses us of a crime in public.")
    company.get_by_label("I confirm").check()
    company.get_by_role("button", name="Send the notice").click()
    expect(company.locator("#takedown-status")).to_contain_text("Received")
    status_url = company.url

    _tick(engine)
    answer_path = _mail_link(engine, "pat@example.org", r"http://[^/]+(/takedown/\d+/answer)")
    page = new_context().new_page()
    log_in(page, poster, next_path=answer_path)
    page.goto(answer_path)
    expect(page.locator(".takedown-notice")).to_contain_text("Northwind steals on purpose.")
    expect(page.locator(".takedown-notice")).not_to_contain_text("legal@northwind.example")
    page.get_by_label("Keep it published").check()
    page.get_by_label("Your full name").fill("Patricia Poster")
    page.get_by_label("Your postal address").fill("1 High Street\nLeeds LS1 1AA")
    page.get_by_label("The complainant may be given my name and address").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#your-answer")).to_contain_text("You objected")

    _tick(engine)
    company.goto(status_url)
    expect(company.locator("#poster-details")).to_contain_text("Patricia Poster")
    expect(company.locator("#poster-details")).to_contain_text("Leeds LS1 1AA")
    expect(company.locator(".takedown-events")).to_contain_text("Complainant told of the objection")
    public = new_context().new_page()
    public.goto(f"/complaints/{complaint.id}")
    assert "Patricia" not in public.content()
