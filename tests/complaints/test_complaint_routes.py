"""Filing a complaint through the form, the consumer's actions on it, and the public pages."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import func, select

from app.clock import utcnow
from app.companies import service as companies
from app.complaints import service as complaints
from app.models.company import Company
from app.models.complaint import (
    Category,
    Complaint,
    ComplaintState,
    ContactAttempt,
    CoSign,
    ResolutionType,
    TimelineEvent,
)
from app.models.user import User
from tests.support.factories import login, make_complaint, make_user
from tests.support.forms import CSRF_RE, csrf_from, post_form

# What a consumer types into /complaints/new: every field filled, so each can be checked later.
TYPED = {
    "company_name": "Northwind Telecom",
    "company_domain": "northwind.example",
    "title": "Charged twice for March",
    "category": "billing",
    "body": "My card was charged twice for the March bill and nobody will refund it.",
    "desired_outcome": "A refund of the second charge.",
    "tried_phone": "4",
    "tried_chat": "2",
    "contact_since": "2026-01-05",
    "private_reference": "ACCT-7731-PRIVATE",
    "broadcast_opt_in": "on",
}


# Helpers -------------------------------------------------------------------------------------


def count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def input_value(html: str, name: str) -> str:
    tag = re.search(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert tag, f"no input named {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else ""


def textarea_value(html: str, name: str) -> str:
    match = re.search(
        rf'<textarea\b[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</textarea>', html, re.S
    )
    assert match, f"no textarea named {name}"
    return unescape(match.group(1))


def selected_option(html: str, name: str) -> str | None:
    select_ = re.search(
        rf'<select\b[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S
    )
    assert select_, f"no select named {name}"
    chosen = re.search(r'<option value="([^"]*)"\s+selected', select_.group(1))
    return unescape(chosen.group(1)) if chosen else None


def is_checked(html: str, name: str) -> bool:
    tag = re.search(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert tag, f"no input named {name}"
    return re.search(r"\schecked\b", tag.group(0)) is not None


def field_error(html: str, name: str) -> str | None:
    """The error shown inside the form field that holds the input ``name``."""
    for block in re.findall(r'<div class="field has-error">(.*?)</div>', html, re.S):
        if f'name="{name}"' in block:
            message = re.search(r'<p class="error"[^>]*>(.*?)</p>', block, re.S)
            return unescape(message.group(1)).strip() if message else ""
    return None


def fieldset(html: str, legend: str) -> str:
    for block in re.findall(r"<fieldset>(.*?)</fieldset>", html, re.S):
        if f"<legend>{legend}</legend>" in block:
            return block
    raise AssertionError(f"no fieldset {legend!r}")


def notice_error(html: str) -> str | None:
    match = re.search(r'<(p|div) class="notice error" role="alert"[^>]*>(.*?)</\1>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", "", match.group(2))).strip() if match else None


def timeline_length(html: str) -> int:
    return len(re.findall(r'<li class="event event-', html))


def listed_titles(html: str) -> list[str]:
    """The titles a reader sees (search highlights matched words with <mark>)."""
    titles = re.findall(r'<a class="title" href="[^"]*">(.*?)</a>', html)
    return [unescape(re.sub(r"</?mark>", "", t)) for t in titles]


def section(html: str, heading: str) -> str:
    """The part of the page from an <h2> up to the next one."""
    start = html.index(f"<h2>{heading}</h2>")
    end = html.find("<h2>", start + 1)
    return html[start : end if end > 0 else len(html)]


def open_form(client) -> dict[str, str]:
    """GET the filing form and keep its hidden fields, as a browser does."""
    page = client.get("/complaints/new")
    assert page.status_code == 200, page.text
    return {
        "csrf_token": CSRF_RE.search(page.text).group(1),
        "submission_key": input_value(page.text, "submission_key"),
    }


def submit(client, hidden: dict[str, str], **fields):
    return client.post("/complaints/new", data={**hidden, **fields}, follow_redirects=False)


def file_via_form(client, **overrides) -> int:
    response = submit(client, open_form(client), **{**TYPED, **overrides})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def act(client, complaint_id: int, action: str, body: str = ""):
    return post_form(
        client,
        f"/complaints/{complaint_id}/{action}",
        {"body": body},
        page=f"/complaints/{complaint_id}",
    )


def state_of(db, complaint: Complaint) -> ComplaintState:
    db.refresh(complaint)
    return complaint.state


def events(db, complaint: Complaint) -> int:
    return count(db, TimelineEvent, TimelineEvent.complaint_id == complaint.id)


@pytest.fixture
def author(client, db):
    user = make_user(db, name="Maria K.")
    login(client, user)
    return user


@pytest.fixture
def comcast(db):
    company = companies.create(session=db, name="Comcast", domain="comcast.example")
    db.commit()
    return company


# Filing --------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in_first(client, db):
    page = client.get("/complaints/new?company=Comcast", follow_redirects=False)

    assert page.status_code == 303
    target = urlsplit(page.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == ["/complaints/new?company=Comcast"]

    token = csrf_from(client, "/login")
    response = client.post(
        "/complaints/new", data={**TYPED, "csrf_token": token}, follow_redirects=False
    )
    # A login form that keeps what was typed (tests/complaints/test_first_hour_filing.py follows it).
    assert response.status_code == 401
    assert "Log in to continue" in response.text
    assert '<input type="hidden" name="next" value="/complaints/new">' in response.text
    assert count(db, Complaint) == 0


def test_filing_publishes_the_complaint(client, db, author):
    response = submit(client, open_form(client), **TYPED)

    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/complaints/\d+", location)
    page = client.get(location)
    assert page.status_code == 200
    assert "Charged twice for March" in page.text
    assert "Northwind Telecom" in page.text
    assert "by Maria K." in page.text
    assert "Tried 4 times by phone and 2 times by chat since 5 January 2026" in page.text
    assert "A refund of the second charge." in page.text
    assert "filed this complaint" in page.text
    complaint = db.exec(select(Complaint)).one()
    assert complaint.state is ComplaintState.OPEN
    assert complaint.broadcast_opt_in is True
    assert db.get(Company, complaint.company_id).domain == "northwind.example"
    # It is public: a logged-out visitor finds it on the home page and its own address.
    assert "Charged twice for March" in listed_titles(client.get("/").text)


def test_the_form_prefills_the_company_from_the_link(client, author, comcast):
    page = client.get("/companies/comcast")
    link = re.search(r'href="(/complaints/new\?company=[^"]+)"', page.text).group(1)

    form = client.get(unescape(link))

    assert input_value(form.text, "company_name") == "Comcast"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "Hi"}, "title", "at least 5 characters"),
        ({"title": "   Hey   "}, "title", "at least 5 characters"),
        ({"body": "Too short."}, "body", "at least 20 characters"),
        ({"category": ""}, "category", "choose one of the options"),
        ({"category": "nonsense"}, "category", "choose one of the options"),
        ({"title": ""}, "title", "required"),
        ({"body": ""}, "body", "at least 20 characters"),
        ({"company_name": ""}, "company_name", "required"),
        ({"company_name": "X"}, "company_name", "at least 2 characters"),
        ({"company_domain": "not a domain"}, "company_domain", "does not look like a website"),
        ({"contact_since": "last spring"}, "contact_since", "date like"),
        ({"tried_phone": "abc"}, "contact_attempts", "whole number between 1 and 999"),
        ({"tried_chat": "-3"}, "contact_attempts", "whole number between 1 and 999"),
        ({"tried_email": "5000"}, "contact_attempts", "whole number between 1 and 999"),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, dict) else None,
)
def test_a_refused_form_explains_and_keeps_everything_typed(
    client, db, author, changes, field, message
):
    hidden = open_form(client)
    typed = {**TYPED, **changes}
    complaints_before, companies_before = count(db, Complaint), count(db, Company)

    response = submit(client, hidden, **typed)

    assert response.status_code == 422
    html = response.text
    if field == "contact_attempts":
        attempts = fieldset(html, "What you already tried")
        assert message in attempts
    else:
        error = field_error(html, field)
        assert error is not None, f"no error next to {field}"
        assert message in error.lower()
    assert "Everything you typed is still here" in (notice_error(html) or "")
    # Every value comes back exactly as typed, the private ones included.
    for name in ("company_name", "company_domain", "title", "contact_since", "private_reference"):
        assert input_value(html, name) == typed[name], name
    for name in ("tried_phone", "tried_chat", "tried_email"):
        assert input_value(html, name) == typed.get(name, ""), name
    assert textarea_value(html, "body") == typed["body"]
    assert textarea_value(html, "desired_outcome") == typed["desired_outcome"]
    valid_category = typed["category"] in {c.value for c in Category}
    assert selected_option(html, "category") == (typed["category"] if valid_category else None)
    assert is_checked(html, "broadcast_opt_in")
    assert input_value(html, "submission_key") == hidden["submission_key"]
    assert count(db, Complaint) == complaints_before
    assert count(db, Company) == companies_before


def test_several_mistakes_are_all_reported_at_once(client, db, author):
    response = submit(client, open_form(client), **{**TYPED, "title": "Hi", "body": "short"})

    assert response.status_code == 422
    assert field_error(response.text, "title")
    assert field_error(response.text, "body")
    assert field_error(response.text, "company_name") is None
    assert "correct the 2 fields" in notice_error(response.text)


def test_the_corrected_form_then_files_once(client, db, author):
    hidden = open_form(client)
    assert submit(client, hidden, **{**TYPED, "title": "Hi"}).status_code == 422

    response = submit(client, hidden, **TYPED)

    assert response.status_code == 303
    assert count(db, Complaint) == 1


def test_the_private_reference_is_only_shown_to_the_author(client, other_client, db, author):
    complaint_id = file_via_form(client)
    secret = TYPED["private_reference"]

    assert secret in client.get(f"/complaints/{complaint_id}").text

    for path in (f"/complaints/{complaint_id}", "/", "/search?q=charged", "/companies"):
        assert secret not in other_client.get(path).text, f"anonymous: {path}"
    login(other_client, make_user(db, name="Nosy Neighbour"))
    page = other_client.get(f"/complaints/{complaint_id}")
    assert page.status_code == 200
    assert "Charged twice for March" in page.text
    assert secret not in page.text
    for path in ("/", "/search?q=charged", "/companies/northwind-telecom"):
        assert secret not in other_client.get(path).text, f"other user: {path}"
    assert secret not in client.get("/me/complaints").text  # lists never show it either


def test_a_double_submission_files_one_complaint(client, db, author):
    hidden = open_form(client)

    first = submit(client, hidden, **TYPED)
    second = submit(client, hidden, **TYPED)

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert count(db, Complaint) == 1
    assert count(db, TimelineEvent) == 1
    assert count(db, ContactAttempt) == 2
    assert listed_titles(client.get("/me/complaints").text) == ["Charged twice for March"]


def test_two_separate_forms_file_two_complaints(client, db, author):
    file_via_form(client)
    # A second, different problem (the same text again is refused: tests/complaints/test_abuse_filing.py).
    file_via_form(
        client,
        title="Router never arrived",
        body="The replacement router I was promised in May never arrived at all.",
    )

    assert count(db, Complaint) == 2


# Which company? ------------------------------------------------------------------------------


def test_a_near_miss_company_name_asks_did_you_mean(client, db, author, comcast):
    hidden = open_form(client)

    response = submit(client, hidden, **{**TYPED, "company_name": "Comcats", "company_domain": ""})

    assert response.status_code == 409
    assert "Did you mean Comcast (comcast.example)?" in response.text
    assert re.search(r'name="company_pick" value="comcast"[^>]*checked', response.text)
    assert 'name="company_pick" value="new"' in response.text
    assert input_value(response.text, "company_name") == "Comcats"
    assert input_value(response.text, "title") == TYPED["title"]
    assert input_value(response.text, "private_reference") == TYPED["private_reference"]
    assert input_value(response.text, "submission_key") == hidden["submission_key"]
    assert count(db, Complaint) == 0
    assert count(db, Company) == 1


def test_picking_the_suggested_company_files_against_it(client, db, author, comcast):
    hidden = open_form(client)
    typed = {**TYPED, "company_name": "Comcats", "company_domain": ""}
    assert submit(client, hidden, **typed).status_code == 409

    response = submit(client, hidden, **typed, company_pick="comcast")

    assert response.status_code == 303
    complaint = db.exec(select(Complaint)).one()
    assert complaint.company_id == comcast.id
    assert count(db, Company) == 1
    page = client.get(response.headers["location"])
    assert 'against <a href="/companies/comcast">Comcast</a>' in page.text


def test_saying_it_is_a_different_company_creates_it(client, db, author, comcast):
    hidden = open_form(client)
    typed = {**TYPED, "company_name": "Comcats", "company_domain": ""}
    assert submit(client, hidden, **typed).status_code == 409

    response = submit(client, hidden, **typed, company_pick="new")

    assert response.status_code == 303
    complaint = db.exec(select(Complaint)).one()
    company = db.get(Company, complaint.company_id)
    assert company.name == "Comcats"
    assert company.id != comcast.id
    assert count(db, Company) == 2
    assert "Comcats" in client.get("/companies").text


@pytest.mark.parametrize("typed_name", ["comcast", "COMCAST", "  Comcast  "])
def test_the_exact_name_in_another_case_matches_without_asking(
    client, db, author, comcast, typed_name
):
    response = submit(
        client, open_form(client), **{**TYPED, "company_name": typed_name, "company_domain": ""}
    )

    assert response.status_code == 303
    assert db.exec(select(Complaint)).one().company_id == comcast.id
    assert count(db, Company) == 1


def test_the_same_domain_matches_the_company(client, db, author, comcast):
    response = submit(
        client,
        open_form(client),
        **{
            **TYPED,
            "company_name": "Xfinity",
            "company_domain": "https://www.Comcast.example/help",
        },
    )

    assert response.status_code == 303
    assert db.exec(select(Complaint)).one().company_id == comcast.id


def test_company_suggestions_while_typing(client, comcast):
    response = client.get("/companies/suggest", params={"q": "comcats"})

    assert response.status_code == 200
    assert response.json()[0] == {"name": "Comcast", "domain": "comcast.example", "slug": "comcast"}
    assert client.get("/companies/suggest", params={"q": "Verizon"}).json() == []
    assert client.get("/companies/suggest", params={"q": ""}).json() == []


# The consumer's actions ----------------------------------------------------------------------


@pytest.fixture
def rep(db):
    return make_user(db, name="Northwind Support")


def resolved(db, complaint: Complaint, rep) -> Complaint:
    complaints.answer(session=db, complaint=complaint, rep=rep, body="We are looking into it.")
    complaints.resolve(
        session=db,
        complaint=complaint,
        rep=rep,
        resolution_type=ResolutionType.MONETARY,
        body="Refunded the second charge.",
    )
    db.commit()
    return complaint


def test_a_follow_up_appears_on_the_timeline(client, db, author):
    complaint = make_complaint(db, author)
    db.commit()

    response = act(client, complaint.id, "follow-up", "Still charged twice, called again today.")

    assert response.status_code == 303
    assert response.headers["location"] == f"/complaints/{complaint.id}"
    page = client.get(f"/complaints/{complaint.id}").text
    assert timeline_length(page) == 2
    assert "added a follow-up" in page
    assert "Still charged twice, called again today." in section(page, "Timeline")
    assert state_of(db, complaint) is ComplaintState.OPEN


def test_an_empty_follow_up_is_refused(client, db, author):
    complaint = make_complaint(db, author)
    db.commit()

    response = act(client, complaint.id, "follow-up", "   ")

    assert response.status_code == 409
    assert notice_error(response.text) == "A follow-up needs some text."
    assert timeline_length(response.text) == 1
    assert events(db, complaint) == 1


def test_confirming_a_resolution(client, db, author, rep):
    complaint = resolved(db, make_complaint(db, author), rep)
    page = client.get(f"/complaints/{complaint.id}").text
    assert "Yes, it is resolved" in page
    assert "marked it resolved" in page
    assert "(monetary relief)" in page

    response = act(client, complaint.id, "confirm")

    assert response.status_code == 303
    assert state_of(db, complaint) is ComplaintState.CONFIRMED
    page = client.get(f"/complaints/{complaint.id}").text
    assert "confirmed it is resolved" in page
    assert 'class="state state-confirmed">confirmed resolved<' in page
    assert "Yes, it is resolved" not in page  # nothing left to confirm


def test_a_dispute_needs_a_reason(client, db, author, rep):
    complaint = resolved(db, make_complaint(db, author), rep)
    before = events(db, complaint)

    response = act(client, complaint.id, "dispute", "  ")

    assert response.status_code == 409
    assert notice_error(response.text) == "Please say why the problem is not resolved."
    assert state_of(db, complaint) is ComplaintState.RESOLVED
    assert events(db, complaint) == before
    assert timeline_length(response.text) == before


def test_disputing_reopens_with_the_reason_on_record(client, db, author, rep):
    complaint = resolved(db, make_complaint(db, author), rep)

    response = act(client, complaint.id, "dispute", "The refund never arrived.")

    assert response.status_code == 303
    assert state_of(db, complaint) is ComplaintState.DISPUTED
    page = client.get(f"/complaints/{complaint.id}").text
    assert "disputed the resolution" in page
    assert "The refund never arrived." in section(page, "Timeline")


def test_withdrawing_and_withdrawing_again(client, db, author):
    complaint = make_complaint(db, author)
    db.commit()

    response = act(client, complaint.id, "withdraw", "Sorted out on the phone.")

    assert response.status_code == 303
    assert state_of(db, complaint) is ComplaintState.WITHDRAWN
    page = client.get(f"/complaints/{complaint.id}").text
    assert "withdrew the complaint" in page
    assert "Withdraw complaint" not in page
    before = events(db, complaint)

    again = act(client, complaint.id, "withdraw")

    assert again.status_code == 409
    assert notice_error(again.text) == "A complaint that is withdrawn cannot be withdrawn."
    assert state_of(db, complaint) is ComplaintState.WITHDRAWN
    assert events(db, complaint) == before
    assert timeline_length(again.text) == before


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("confirm", "A complaint that is open cannot be confirmed."),
        ("dispute", "A complaint that is open cannot be disputed."),
    ],
)
def test_an_action_the_state_does_not_allow_is_refused(client, db, author, action, message):
    complaint = make_complaint(db, author)
    db.commit()

    response = act(client, complaint.id, action, "Not really fixed.")

    assert response.status_code == 409
    assert notice_error(response.text) == message
    assert state_of(db, complaint) is ComplaintState.OPEN
    assert events(db, complaint) == 1
    assert timeline_length(response.text) == 1
    # What they typed is kept in the form rather than lost.
    assert "Not really fixed." in response.text


@pytest.mark.parametrize("action", ["withdraw", "confirm", "dispute", "follow-up"])
def test_nobody_else_can_act_for_the_author(client, other_client, db, rep, action):
    owner = make_user(db, name="Maria K.")
    complaint = resolved(db, make_complaint(db, owner), rep)
    before = events(db, complaint)
    login(other_client, make_user(db, name="Mallory"))

    response = act(other_client, complaint.id, action, "I say so.")

    assert response.status_code == 403
    assert notice_error(response.text) == "Only the consumer who filed this complaint can do that."
    assert state_of(db, complaint) is ComplaintState.RESOLVED
    assert events(db, complaint) == before
    assert "Your actions" not in response.text


def test_anonymous_actions_go_to_login_and_change_nothing(client, db):
    complaint = make_complaint(db)
    db.commit()

    response = post_form(client, f"/complaints/{complaint.id}/withdraw", {}, page="/login")

    assert response.status_code == 303
    assert urlsplit(response.headers["location"]).path == "/login"
    assert state_of(db, complaint) is ComplaintState.OPEN


def test_cosigning_counts_each_person_once(client, other_client, db):
    complaint = make_complaint(db)
    db.commit()
    login(client, make_user(db, name="Ana"))
    login(other_client, make_user(db, name="Bo"))

    assert act(client, complaint.id, "cosign").status_code == 303
    assert act(client, complaint.id, "cosign").status_code == 303
    page = client.get(f"/complaints/{complaint.id}").text
    assert '<span id="cosign-count">1</span> person has' in page
    assert "Remove my “me too”" in page

    assert act(other_client, complaint.id, "cosign").status_code == 303
    assert '<span id="cosign-count">2</span>' in client.get(f"/complaints/{complaint.id}").text
    assert count(db, CoSign) == 2

    assert act(client, complaint.id, "uncosign").status_code == 303
    page = client.get(f"/complaints/{complaint.id}").text
    assert '<span id="cosign-count">1</span>' in page
    assert "Me too — I have this problem" in page
    # Taking back a "me too" twice does not take someone else's.
    assert act(client, complaint.id, "uncosign").status_code == 303
    assert '<span id="cosign-count">1</span>' in client.get(f"/complaints/{complaint.id}").text


def test_the_author_cannot_cosign(client, db, author):
    complaint = make_complaint(db, author)
    db.commit()
    assert "Me too — I have this problem" not in client.get(f"/complaints/{complaint.id}").text

    response = act(client, complaint.id, "cosign")

    assert response.status_code == 409
    assert notice_error(response.text) == "You filed this complaint, so you cannot co-sign it."
    assert '<span id="cosign-count">0</span>' in client.get(f"/complaints/{complaint.id}").text
    assert count(db, CoSign) == 0


def test_a_withdrawn_complaint_cannot_be_cosigned(client, other_client, db, author):
    complaint = make_complaint(db, author)
    db.commit()
    act(client, complaint.id, "withdraw")
    login(other_client, make_user(db))

    response = act(other_client, complaint.id, "cosign")

    assert response.status_code == 409
    assert count(db, CoSign) == 0


def test_an_unknown_action_or_complaint_is_not_found(client, db, author):
    complaint = make_complaint(db, author)
    db.commit()

    response = act(client, complaint.id, "delete", "gone")

    assert response.status_code == 404
    assert "There is no such action." in response.text
    assert state_of(db, complaint) is ComplaintState.OPEN
    missing = post_form(client, "/complaints/999999/withdraw", {}, page="/")
    assert missing.status_code == 404
    assert client.get("/complaints/999999").status_code == 404


# Overdue -------------------------------------------------------------------------------------


def test_home_shows_the_newest_and_the_most_overdue(client, db, rep):
    now = utcnow()
    old = make_complaint(db, title="Waiting since forever", now=now - timedelta(days=20))
    answered = make_complaint(db, title="Old but answered", now=now - timedelta(days=20))
    complaints.answer(session=db, complaint=answered, rep=rep, body="On it.", now=now)
    make_complaint(db, title="Filed just now")
    db.commit()

    page = client.get("/")

    assert page.status_code == 200
    newest = listed_titles(section(page.text, "Newest complaints"))
    overdue = listed_titles(section(page.text, "Most overdue"))
    assert newest == ["Filed just now", "Old but answered", "Waiting since forever"]
    assert overdue == ["Waiting since forever"]
    assert f"/complaints/{old.id}" in section(page.text, "Most overdue")


def test_nothing_overdue_says_so(client, db):
    make_complaint(db, title="Filed just now")
    db.commit()

    overdue = section(client.get("/").text, "Most overdue")

    assert listed_titles(overdue) == []
    assert "No complaint is overdue right now." in overdue


@pytest.mark.parametrize(
    ("days", "flag"),
    [(3, None), (20, "overdue"), (27, "overdue"), (29, "very overdue"), (60, "very overdue")],
)
def test_the_complaint_page_flags_overdue_and_very_overdue(client, db, days, flag):
    complaint = make_complaint(db, now=utcnow() - timedelta(days=days))
    db.commit()

    page = client.get(f"/complaints/{complaint.id}").text

    flags = [unescape(f) for f in re.findall(r'<span class="flag[^"]*">([^<]*)</span>', page)]
    assert flags == ([flag] if flag else [])


def test_an_answer_stops_the_overdue_flag(client, db, rep):
    complaint = make_complaint(db, now=utcnow() - timedelta(days=40))
    complaints.answer(session=db, complaint=complaint, rep=rep, body="Sorry, we are on it.")
    db.commit()

    page = client.get(f"/complaints/{complaint.id}").text

    assert "overdue" not in re.sub(r"<[^>]+>", " ", page.split("<h2>What happened</h2>")[0])
    assert "Sorry, we are on it." in page


# Search, company pages, pagination -----------------------------------------------------------


@pytest.fixture
def catalogue(db, rep):
    """A few complaints against two companies, in different states."""
    billing = make_complaint(
        db,
        title="Charged twice for March",
        body="The second charge of 49.99 never came back to my card.",
        company_name="Northwind Telecom",
    )
    outage = make_complaint(
        db,
        title="Internet down for a week",
        body="The router blinks red and support keeps rescheduling the engineer.",
        company_name="Northwind Telecom",
    )
    parcel = make_complaint(
        db,
        title="Parcel never delivered",
        body="Tracking says delivered but nothing arrived; the driver photo shows another door.",
        company_name="Contoso Parcels",
    )
    resolved(db, billing, rep)
    return {"billing": billing, "outage": outage, "parcel": parcel}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "router"}, ["Internet down for a week"]),  # a word of the text only
        ({"q": "PARCEL"}, ["Parcel never delivered"]),  # a title word, any case
        ({"q": "never"}, ["Parcel never delivered", "Charged twice for March"]),
        ({"q": "nothing like this"}, []),
        ({"state": "resolved"}, ["Charged twice for March"]),
        ({"state": "open"}, ["Parcel never delivered", "Internet down for a week"]),
        ({"company": "contoso-parcels"}, ["Parcel never delivered"]),
        ({"company": "no-such-company"}, []),
        ({"q": "never", "company": "northwind-telecom"}, ["Charged twice for March"]),
        ({"q": "", "state": "", "company": ""}, None),  # the form's "Any state"
    ],
)
def test_search_finds_by_words_state_and_company(client, catalogue, query, expected):
    page = client.get("/search", params=query)

    assert page.status_code == 200
    found = listed_titles(page.text)
    if expected is None:
        expected = [
            "Parcel never delivered",
            "Internet down for a week",
            "Charged twice for March",
        ]
    assert found == expected
    noun = "complaint" if len(expected) == 1 else "complaints"
    assert f"{len(expected)} {noun} found." in page.text


def test_the_search_form_keeps_the_query(client, catalogue):
    page = client.get("/search", params={"q": "router", "state": "open"}).text

    assert input_value(page, "q") == "router"
    assert selected_option(page, "state") == "open"


def test_a_bad_state_in_the_search_is_a_clear_error(client, catalogue):
    page = client.get("/search", params={"state": "bogus"})

    assert page.status_code == 400
    assert "state" in notice_error(page.text)


def test_the_company_page(client, db, catalogue, rep):
    make_complaint(
        db,
        title="Nobody answers",
        company_name="Northwind Telecom",
        now=utcnow() - timedelta(days=20),
    )
    billing = catalogue["billing"]
    complaints.confirm(session=db, complaint=billing, user=db.get(User, billing.author_id))
    db.commit()

    page = client.get("/companies/northwind-telecom")

    assert page.status_code == 200
    assert "<h1>Northwind Telecom</h1>" in page.text
    assert listed_titles(page.text) == [
        "Internet down for a week",
        "Charged twice for March",
        "Nobody answers",
    ]
    numbers = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section_numbers(page.text)))
    assert "3 complaints" in numbers
    assert "2 still open" in numbers
    # Due: the answered one and the overdue one; only the first was answered in time.
    assert "50% answered within 14 days (1 of 2 due)" in numbers
    assert "1 confirmed resolved by the consumer" in numbers


def section_numbers(html: str) -> str:
    match = re.search(r'<section class="numbers"[^>]*>(.*?)</section>', html, re.S)
    assert match, "no headline numbers"
    return match.group(1)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("resolved", ["Charged twice for March"]),
        ("open", ["Internet down for a week"]),
        ("withdrawn", []),
        ("", ["Internet down for a week", "Charged twice for March"]),
    ],
)
def test_the_company_page_filters_by_state(client, catalogue, state, expected):
    page = client.get("/companies/northwind-telecom", params={"state": state})

    assert page.status_code == 200
    assert listed_titles(page.text) == expected


def test_the_company_page_state_links_work(client, catalogue):
    page = client.get("/companies/northwind-telecom").text
    links = re.findall(r'<a href="(\?state=[^"]+)"', page)
    assert len(links) == len(ComplaintState)

    for link in links:
        response = client.get("/companies/northwind-telecom" + unescape(link))
        assert response.status_code == 200, link
        assert re.search(rf'<a href="{re.escape(link)}" aria-current="page">', response.text)


def test_an_unknown_company_is_not_found(client, db):
    page = client.get("/companies/no-such-company")

    assert page.status_code == 404
    assert "There is no company at this address." in page.text


def test_the_companies_list_and_its_search(client, db, catalogue, comcast):
    everyone = client.get("/companies").text
    names = re.findall(r'<th scope="row">.*?<a href="/companies/[^"]+">([^<]+)</a>', everyone)
    assert names == ["Comcast", "Contoso Parcels", "Northwind Telecom"]
    assert "comcast.example" in everyone

    found = client.get("/companies", params={"q": "con"}).text
    found_names = re.findall(r'<th scope="row">.*?<a href="/companies/[^"]+">([^<]+)</a>', found)
    assert found_names == ["Contoso Parcels"]
    assert input_value(found, "q") == "con"
    none = client.get("/companies", params={"q": "zzz"}).text
    assert "No company matches." in none


def pager_link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return unescape(match.group(1)) if match else None


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/search", {}),
        ("/search", {"q": "Complaint number"}),
        ("/search", {"state": "open"}),
        ("/me/complaints", {}),
    ],
)
def test_long_lists_are_paged(client, db, author, path, extra):
    start = utcnow() - timedelta(hours=30)
    for n in range(25):
        make_complaint(
            db,
            author,
            title=f"Complaint number {n:02}",
            company_name="Acme Widgets",
            now=start + timedelta(hours=n),
        )
    db.commit()

    first = client.get(path, params=extra)

    assert first.status_code == 200
    assert listed_titles(first.text) == [f"Complaint number {n:02}" for n in range(24, 4, -1)]
    assert "Page 1 of 2 (25 in all)" in first.text
    assert pager_link(first.text, "prev") is None
    older = pager_link(first.text, "next")
    assert older
    second = client.get(path + older)
    assert second.status_code == 200, second.text
    assert listed_titles(second.text) == [f"Complaint number {n:02}" for n in range(4, -1, -1)]
    assert "Page 2 of 2" in second.text
    assert pager_link(second.text, "next") is None
    newer = pager_link(second.text, "prev")
    assert newer
    back = client.get(path + newer)
    assert listed_titles(back.text) == listed_titles(first.text)
    for key, value in extra.items():
        assert parse_qs(urlsplit(older).query)[key] == [value]


@pytest.mark.parametrize("extra", [{}, {"state": "open"}])
def test_a_company_page_pages_from_where_the_last_page_stopped(client, db, author, extra):
    start = utcnow() - timedelta(hours=30)
    for n in range(25):
        make_complaint(
            db,
            author,
            title=f"Complaint number {n:02}",
            company_name="Acme Widgets",
            now=start + timedelta(hours=n),
        )
    db.commit()
    path = "/companies/acme-widgets"

    first = client.get(path, params=extra)

    assert listed_titles(first.text) == [f"Complaint number {n:02}" for n in range(24, 4, -1)]
    assert pager_link(first.text, "prev") is None
    older = pager_link(first.text, "next")
    second = client.get(path + older)
    assert listed_titles(second.text) == [f"Complaint number {n:02}" for n in range(4, -1, -1)]
    assert pager_link(second.text, "next") is None
    back = client.get(path + pager_link(second.text, "prev"))
    assert listed_titles(back.text) == listed_titles(first.text)
    assert pager_link(back.text, "prev") is None
    for key, value in extra.items():
        assert parse_qs(urlsplit(older).query)[key] == [value]
    # Links from before keyset pages still work.
    assert listed_titles(client.get(path, params={**extra, "page": 2}).text) == listed_titles(
        second.text
    )


def test_a_broken_company_page_link_says_so(client, db, author):
    make_complaint(db, author, title="Only one", company_name="Acme Widgets")
    db.commit()

    page = client.get("/companies/acme-widgets", params={"before": "yesterday"})

    assert page.status_code == 400
    assert "That page link is not valid" in page.text


def test_a_short_list_has_no_pager(client, catalogue):
    page = client.get("/search").text

    assert 'class="pager"' not in page
