"""A consumer's whole journey, in a real browser: sign up, file, get a "me too", withdraw."""

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Dialog, Locator, Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.complaints import service as complaints
from app.models.company import Company
from app.models.complaint import Complaint, ComplaintState, CoSign
from app.models.job import Job
from app.models.user import User
from tests.e2e.helpers import Latency, NewContext, fill_complaint, log_in
from tests.support.factories import PASSWORD, make_complaint

pytestmark = pytest.mark.browser

COMPLAINT_URL = re.compile(r"/complaints/(\d+)$")


def _facts(page: Page, term: str) -> Locator:
    """The value next to a term in the complaint's facts list ("Before filing", "Me too")."""
    return page.locator("dl.facts dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def test_sign_up_file_cosign_and_withdraw(
    page: Page,
    new_context: NewContext,
    comcast: Company,
    make_account: Callable[..., User],
    engine: Engine,
) -> None:
    neighbour = make_account(name="Jonas P.")

    # A visitor signs up through the form: the page says the same for every address (a link is
    # mailed), and her password works at once.
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    page.get_by_label("Email address").fill("maria@example.org")
    page.get_by_label("Display name").fill("Maria K.")
    page.get_by_label("Password").fill("a long enough phrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("stay hidden until you use that link")
    page.get_by_role("main").get_by_role("link", name="log in").click()
    page.get_by_label("Email address").fill("maria@example.org")
    page.get_by_label("Password").fill("a long enough phrase")
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("button", name="Log out (Maria K.)", include_hidden=True)
    ).to_be_attached()

    # She files a complaint, mistyping the company; the as-you-type hint puts it right.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="File a complaint").click()
    expect(page.get_by_role("heading", name="File a complaint")).to_be_visible()
    company = page.get_by_label("Company name")
    company.press_sequentially("Comcats", delay=20)
    hint = page.get_by_role("button", name="Did you mean Comcast (comcast.example)?")
    hint.click()
    expect(company).to_have_value("Comcast")
    expect(hint).to_be_hidden()
    fill_complaint(
        page,
        company=None,
        title="Internet down for nine days",
        category="Service outage",
        body="The line has been dead since the storm. Every call ends with *we will call you back*.",
    )
    page.get_by_label("Phone calls").fill("4")
    page.get_by_label("Chats").fill("2")
    page.get_by_label("Trying since").fill("2025-11-03")
    page.get_by_role("button", name="Publish complaint").click()

    # Until she proves her address, only she sees it; the link from her mail publishes it.
    expect(page).to_have_url(COMPLAINT_URL)
    complaint_path = urlsplit(page.url).path
    expect(page.locator("#waiting")).to_contain_text("Verify your email to publish")
    with Session(engine) as session:
        mail = session.exec(select(Job).where(col(Job.key).like("mail:verify-email:%"))).one()
    link = re.search(r"/account/verify/[\w-]+", mail.payload["text"])
    assert link, mail.payload["text"]
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm my email address").click()
    # Straight to the complaint that just went public.
    expect(page.locator("#published")).to_contain_text("Your email address is confirmed")
    assert urlsplit(page.url).path == complaint_path
    page.goto(complaint_path)

    # The public ticket: title, company, state, the running clock, what she tried before.
    expect(page.get_by_role("heading", level=1)).to_have_text("Internet down for nine days")
    expect(page.locator(".crumbs")).to_have_text(re.compile(r"Complaint #\d+ against Comcast"))
    expect(page.locator(".crumbs").get_by_role("link", name="Comcast")).to_be_visible()
    expect(page.locator(".status")).to_have_text("open")
    expect(page.locator(".clock")).to_have_text("Open for less than a minute")
    expect(_facts(page, "Before filing")).to_have_text(
        "Tried 4 times by phone and 2 times by chat since 3 November 2025"
    )
    expect(_facts(page, "Me too")).to_have_text("0 people have the same problem")
    expect(page.locator(".body")).to_contain_text("we will call you back")
    expect(page.locator(".timeline")).to_contain_text("Maria K. filed this complaint")
    # Her own complaint offers her no "me too".
    expect(page.get_by_role("button", name=re.compile("Me too"))).to_have_count(0)

    # Someone else, in another browser, logs in from the ticket and co-signs it.
    other = new_context().new_page()
    other.goto(complaint_path)
    other.get_by_role("link", name="Log in", exact=True).last.click()
    expect(other).to_have_url(re.compile(r"/login\?next="))
    other.get_by_label("Email address").fill(neighbour.email)
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Log in").click()
    expect(other).to_have_url(COMPLAINT_URL)
    other.get_by_role("button", name="Me too — I have this problem").click()
    expect(_facts(other, "Me too")).to_have_text("1 person has the same problem")
    expect(other.get_by_role("button", name="Remove my “me too”")).to_be_visible()

    page.reload()
    expect(_facts(page, "Me too")).to_have_text("1 person has the same problem")

    # She withdraws it. The confirm() dialog: "Cancel" changes nothing, "OK" withdraws.
    answers = [False, True]
    seen: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        seen.append(dialog.message)
        if answers.pop(0):
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    page.get_by_label("Withdraw this complaint (optional reason)").fill("They fixed it at last.")
    page.get_by_role("button", name="Withdraw complaint").click()
    expect(page.locator(".status")).to_have_text("open")
    expect(page).to_have_url(re.compile(re.escape(complaint_path) + "$"))

    page.get_by_role("button", name="Withdraw complaint").click()
    expect(page.locator(".status")).to_have_text("withdrawn")
    assert seen == ["Withdraw this complaint? It stays public, marked withdrawn."] * 2
    expect(page.locator(".clock")).to_have_text("Withdrawn after less than a minute")
    expect(page.locator(".timeline")).to_contain_text("Maria K. withdrew the complaint")
    expect(page.locator(".timeline")).to_contain_text("They fixed it at last.")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("button", name="Withdraw complaint")).to_have_count(0)
    expect(_facts(page, "Me too")).to_have_text("1 person has the same problem")

    # The co-signer sees it withdrawn, and can no longer add or remove a "me too".
    other.reload()
    expect(other.locator(".status")).to_have_text("withdrawn")
    expect(other.get_by_role("button", name=re.compile("me too", re.IGNORECASE))).to_have_count(0)

    with Session(engine) as session:
        (complaint,) = session.exec(select(Complaint)).all()
        assert complaint.state == ComplaintState.WITHDRAWN
        assert complaint.cosign_count == 1
        assert session.exec(select(Company.name)).all() == ["Comcast"]


@pytest.mark.parametrize(
    ("choice", "filed_against", "companies"),
    [
        ("Comcast (comcast.example)", "Comcast", ["Comcast"]),
        ("No, “Comcats” is a different company", "Comcats", ["Comcast", "Comcats"]),
    ],
    ids=["accept-suggestion", "different-company"],
)
def test_server_asks_did_you_mean_on_submit(
    page: Page,
    comcast: Company,
    make_account: Callable[..., User],
    engine: Engine,
    choice: str,
    filed_against: str,
    companies: list[str],
) -> None:
    """Without the as-you-type hint, the server itself asks before creating a near-duplicate."""
    user = make_account()
    log_in(page, user, next_path="/complaints/new")
    fill_complaint(page, company="Comcats", title="Router never arrived")
    page.get_by_role("button", name="Publish complaint").click()

    question = page.locator("#company-choice")
    expect(question).to_contain_text("Did you mean Comcast (comcast.example)?")
    expect(page.get_by_role("radio", name="Comcast (comcast.example)")).to_be_checked()
    expect(page.get_by_role("radio", name="different company")).not_to_be_checked()
    expect(page.get_by_label("Title")).to_have_value("Router never arrived")
    expect(page.get_by_label("Company name")).to_have_value("Comcats")

    page.get_by_role("radio", name=choice).check()
    page.get_by_role("button", name="Publish complaint").click()
    expect(page).to_have_url(COMPLAINT_URL)
    expect(page.locator(".crumbs")).to_have_text(
        re.compile(rf"Complaint #\d+ against {filed_against}$")
    )
    expect(page.locator(".status")).to_have_text("open")

    with Session(engine) as session:
        assert sorted(session.exec(select(Company.name)).all()) == companies
        assert len(session.exec(select(Complaint)).all()) == 1


def test_validation_error_keeps_everything_typed(
    page: Page, make_account: Callable[..., User], engine: Engine
) -> None:
    user = make_account()
    log_in(page, user, next_path="/complaints/new")
    fill_complaint(page, company="Northwind Telecom", title="Charged twice", body="Too short.")
    page.get_by_label("Company website (optional)").fill("northwind.example")
    page.get_by_label("What outcome do you want?").fill("A refund of the second charge.")
    page.get_by_label("Phone calls").fill("3")
    page.get_by_label("Emails").fill("1")
    page.get_by_label("Trying since").fill("2025-11-03")
    page.get_by_label("Account or order number (private)").fill("ACC-12345")
    page.get_by_label("Share updates about this complaint").check()
    page.get_by_role("button", name="Publish complaint").click()

    summary = page.locator("#error-summary")
    expect(summary).to_contain_text(
        "Please correct the 1 field marked below. Everything you typed is still here."
    )
    expect(summary).to_be_focused()  # a screen reader starts at the list of errors
    expect(
        summary.get_by_role("link", name="Please write at least 20 characters.")
    ).to_have_attribute("href", "#body")
    body = page.get_by_label("What happened", exact=True)
    body_field = page.locator(".field", has=body)
    expect(body_field.locator(".error")).to_have_text("Please write at least 20 characters.")
    expect(body).to_have_accessible_description(
        re.compile(r"Please write at least 20 characters\.$")
    )
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(body).to_have_value("Too short.")
    expect(page.get_by_label("Company name")).to_have_value("Northwind Telecom")
    expect(page.get_by_label("Company website (optional)")).to_have_value("northwind.example")
    expect(page.get_by_label("Title")).to_have_value("Charged twice")
    expect(page.get_by_label("Category")).to_have_value("billing")
    expect(page.get_by_label("What outcome do you want?")).to_have_value(
        "A refund of the second charge."
    )
    expect(page.get_by_label("Phone calls")).to_have_value("3")
    expect(page.get_by_label("Emails")).to_have_value("1")
    expect(page.get_by_label("Chats")).to_have_value("")
    expect(page.get_by_label("Trying since")).to_have_value("2025-11-03")
    expect(page.get_by_label("Account or order number (private)")).to_have_value("ACC-12345")
    expect(page.get_by_label("Share updates about this complaint")).to_be_checked()

    body.fill("Charged twice for March, and the refund they promised never came.")
    page.get_by_role("button", name="Publish complaint").click()
    expect(page).to_have_url(COMPLAINT_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Charged twice")
    expect(_facts(page, "Before filing")).to_have_text(
        "Tried 3 times by phone and 1 time by email since 3 November 2025"
    )
    expect(page.get_by_role("textbox", name="Your private reference")).to_have_value("ACC-12345")

    with Session(engine) as session:
        (complaint,) = session.exec(select(Complaint)).all()
        assert complaint.broadcast_opt_in is True
        assert complaint.private_reference == "ACC-12345"


def test_double_click_on_publish_files_one_complaint(
    page: Page, make_account: Callable[..., User], latency: Latency, engine: Engine
) -> None:
    """On a slow connection the second click sends the form again; it must not file it twice."""
    user = make_account()
    log_in(page, user, next_path="/complaints/new")
    fill_complaint(page, title="Clicked twice, filed once")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    latency.post_delay = 2.0  # long enough for the second click to land on a loaded machine
    publish = page.get_by_role("button", name="Publish complaint")
    publish.scroll_into_view_if_needed()
    box = publish.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # A person's double click, ~100 ms apart: the first POST is on its way when the second click
    # lands. (Playwright's instant dblclick() is merged into one submission by Chromium, and a
    # locator click waits for the pending navigation, so these are raw mouse clicks.)
    with page.expect_request(lambda r: r.method == "POST"):
        page.mouse.click(x, y)
    page.wait_for_timeout(100)
    page.mouse.click(x, y)
    expect(page).to_have_url(COMPLAINT_URL, timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Clicked twice, filed once")
    assert len(posts) == 2, posts  # the browser really did send the form twice

    with Session(engine) as session:
        assert len(session.exec(select(Complaint)).all()) == 1


def test_me_too_from_a_page_opened_before_the_withdrawal_is_refused(
    page: Page, seed: Callable, make_account: Callable[..., User], engine: Engine
) -> None:
    """A tab left open shows the button; clicking it after the withdrawal must not co-sign."""
    author = make_account(name="Maria K.")
    complaint = seed(lambda s: make_complaint(s, author, title="Gym membership never cancelled"))
    log_in(page, make_account(), next_path=f"/complaints/{complaint.id}")
    me_too = page.get_by_role("button", name="Me too — I have this problem")
    expect(me_too).to_be_visible()

    seed(lambda s: complaints.withdraw(session=s, complaint=s.merge(complaint), user=author))
    me_too.click()

    expect(page.get_by_role("alert")).to_have_text("This complaint was withdrawn.")
    expect(page.locator(".status")).to_have_text("withdrawn")
    expect(_facts(page, "Me too")).to_have_text("0 people have the same problem")
    with Session(engine) as session:
        assert session.exec(select(CoSign)).all() == []
