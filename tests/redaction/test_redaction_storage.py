"""Public text is stored redacted; what was typed is kept for the author and moderators only.
Filing through the form previews the masks first; the API redacts silently and says how many."""

import re
from html import unescape

import pytest
from sqlmodel import func, select

from app.complaints import company as company_side
from app.complaints import service as complaints
from app.models.complaint import Complaint, Message
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import CSRF_RE

EMAIL = "jane.doe84@gmail.com"
PHONE = "07700 900482"
CARD = "4111 1111 1111 1111"
# The date of the charge stays (it is the story); the date of birth goes.
BODY = (
    f"I was born 3 March 1984. My card {CARD} was charged twice on 3 March 2025. "
    f"Call me on {PHONE} or write to {EMAIL}. Order 4512 cost £49.99."
)
PUBLIC_BODY = (
    "I was born [date] [year of birth]. My card [card] was charged twice on 3 March 2025. "
    "Call me on [phone] or write to [email]. Order 4512 cost £49.99."
)


@pytest.fixture
def jane(db):
    return make_user(db, name="Jane Doe", email="jane.d@example.org")


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


# The service -----------------------------------------------------------------------------------


def test_filing_stores_the_redacted_text_and_keeps_the_typed_one_privately(db, jane):
    complaint = make_complaint(db, jane, title=f"Ring {PHONE} please", body=BODY)

    assert complaint.body == PUBLIC_BODY
    assert complaint.original_body == BODY
    assert complaint.title == "Ring [phone] please"
    assert complaint.original_title == f"Ring {PHONE} please"
    assert complaint.original_desired_outcome is None  # nothing was masked there


def test_nothing_to_mask_keeps_no_original(db, jane):
    complaint = make_complaint(db, jane)
    assert complaint.original_title is None
    assert complaint.original_body is None


def test_a_long_title_still_fits_after_masking(db, jane):
    title = ("Born 3 May " * 13)[:139]  # "3 May" (5) becomes "[date]" (6): longer
    complaint = make_complaint(db, jane, title=title)
    assert len(complaint.title) <= 140
    assert "3 May" not in complaint.title


def test_messages_are_masked_both_ways_but_public_names_stay(db, jane):
    complaint = make_complaint(db, jane)
    follow = complaints.follow_up(
        session=db, complaint=complaint, user=jane, body=f"New number: {PHONE}."
    )
    company = complaint_company(db, complaint)
    rep = make_rep(db, company).user_id
    company_side.reply(
        session=db,
        complaint=complaint,
        user=db.get(type(jane), rep),
        body="Dear Jane Doe, we are sorry. Please email refunds@northwind.example.",
    )

    assert follow.body == "New number: [phone]."
    assert follow.original_body == f"New number: {PHONE}."
    reply = db.exec(select(Message).where(Message.side == "company")).one()
    # "Jane Doe" signs the complaint publicly: masking it in a reply would hide nothing.
    assert reply.body == "Dear Jane Doe, we are sorry. Please email [email]."
    assert reply.original_body.startswith("Dear Jane Doe")


def complaint_company(db, complaint):
    from app.models.company import Company

    return db.get(Company, complaint.company_id)


# Public surfaces -------------------------------------------------------------------------------


def test_public_page_api_and_feed_show_only_the_masked_text(client, db, jane):
    complaint = make_complaint(db, jane, body=BODY)
    db.commit()

    page = client.get(f"/complaints/{complaint.id}").text
    api = client.get(f"/api/v1/complaints/{complaint.id}").text
    feed = client.get("/feeds/complaints.atom").text
    for shown in (page, api, feed):
        # The display name signs the complaint (the author chose it); the body does not repeat it.
        for secret in (EMAIL, PHONE, CARD, "born 3 March"):
            assert secret not in unescape(shown)
    assert "[card]" in unescape(page)
    assert "Order 4512 cost £49.99" in unescape(page)


def test_the_author_and_moderators_see_what_was_typed_others_do_not(client, other_client, db, jane):
    complaint = make_complaint(db, jane, body=BODY)
    stranger, admin = make_user(db), make_user(db, is_admin=True)
    db.commit()
    path = f"/complaints/{complaint.id}/original"

    assert client.get(path, follow_redirects=False).status_code == 303  # log in first
    login(client, jane)
    mine = client.get(path)
    assert mine.status_code == 200
    assert EMAIL in unescape(mine.text) and PUBLIC_BODY in unescape(mine.text)
    assert "no-store" in mine.headers["cache-control"]
    login(other_client, stranger)
    refused = other_client.get(path)
    assert refused.status_code == 404  # as for a complaint that does not exist
    assert EMAIL not in refused.text
    login(other_client, admin)
    assert EMAIL in unescape(other_client.get(path).text)


# Filing through the form: the preview step -----------------------------------------------------

TYPED = {
    "company_name": "Northwind Telecom",
    "company_domain": "northwind.example",
    "title": "Charged twice for March",
    "category": "billing",
    "body": BODY,
    "desired_outcome": "Refund to my card please.",
    "tried_phone": "4",
    "private_reference": "ACCT-7731",
    "accept_new_company": "",
}


def open_form(client) -> dict[str, str]:
    page = client.get("/complaints/new")
    key = re.search(r'name="submission_key" value="([^"]+)"', page.text).group(1)
    return {"csrf_token": CSRF_RE.search(page.text).group(1), "submission_key": key}


def hidden_inputs(html: str) -> dict[str, str]:
    return {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }


def test_publishing_text_with_personal_data_shows_the_preview_first(client, db, jane):
    login(client, jane)
    preview = client.post(
        "/complaints/new", data={**open_form(client), **TYPED}, follow_redirects=False
    )

    assert preview.status_code == 200
    assert count(db, Complaint) == 0  # nothing published yet
    text = unescape(preview.text)
    assert "we will hide" in text and "5 pieces" in text
    assert '<mark class="redacted" title="card: hides “4111 1111 1111 1111”">[card]</mark>' in text
    # Nothing typed is lost: the preview carries every field to "Publish complaint".
    carried = hidden_inputs(preview.text)
    assert carried["body"] == BODY and carried["private_reference"] == "ACCT-7731"
    assert carried["tried_phone"] == "4"

    published = client.post(
        "/complaints/new", data={**carried, "step": "publish"}, follow_redirects=False
    )
    assert published.status_code == 303
    complaint = db.exec(select(Complaint)).one()
    assert complaint.body == PUBLIC_BODY
    assert complaint.private_reference == "ACCT-7731"  # private, not masked, for the company


def test_publishing_the_preview_twice_files_once(client, db, jane):
    login(client, jane)
    preview = client.post("/complaints/new", data={**open_form(client), **TYPED})
    carried = hidden_inputs(preview.text)
    for _ in range(2):
        client.post("/complaints/new", data={**carried, "step": "publish"})
    assert count(db, Complaint) == 1


def test_change_something_returns_to_the_form_with_everything_typed(client, db, jane):
    login(client, jane)
    preview = client.post("/complaints/new", data={**open_form(client), **TYPED})
    back = client.post("/complaints/new", data={**hidden_inputs(preview.text), "step": "edit"})
    assert back.status_code == 200
    assert 'name="title"' in back.text and "Charged twice for March" in back.text
    assert unescape(BODY) in unescape(back.text)
    assert count(db, Complaint) == 0


def test_text_without_personal_data_publishes_at_once(client, db, jane):
    login(client, jane)
    clean = {**TYPED, "body": "They charged me twice for March and will not refund it."}
    response = client.post(
        "/complaints/new", data={**open_form(client), **clean}, follow_redirects=False
    )
    assert response.status_code == 303


def test_the_preview_button_says_when_nothing_will_be_hidden(client, db, jane):
    login(client, jane)
    clean = {**TYPED, "body": "They charged me twice for March and will not refund it."}
    page = client.post("/complaints/new", data={**open_form(client), **clean, "step": "preview"})
    assert page.status_code == 200
    assert "We found no personal information to hide" in page.text
    assert count(db, Complaint) == 0


def test_changing_the_text_after_the_preview_shows_a_new_preview(client, db, jane):
    login(client, jane)
    preview = client.post("/complaints/new", data={**open_form(client), **TYPED})
    carried = hidden_inputs(preview.text)
    carried["body"] = BODY + " Also try 0161 496 0000."
    again = client.post("/complaints/new", data={**carried, "step": "publish"})
    assert again.status_code == 200 and "6 pieces" in again.text
    assert count(db, Complaint) == 0


# The API -----------------------------------------------------------------------------------------


def test_the_api_redacts_silently_and_counts(client, db, jane):
    login(client, jane)
    response = client.post(
        "/api/v1/complaints",
        json={
            "title": "Charged twice",
            "body": BODY,
            "category": "billing",
            "company_name": "Northwind Telecom",
            "accept_new_company": True,
            "submission_key": "api-1",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["body"] == PUBLIC_BODY
    assert response.json()["redactions"] == 5
    assert EMAIL not in response.text


def test_the_author_is_pointed_to_the_original_and_the_public_is_not(client, other_client, db):
    author = make_user(db, name="Priya Shah")
    complaint = make_complaint(
        db, author=author, body="Call me on 07700 900123 about the double charge on my bill."
    )
    assert complaint.original_body is not None
    login(client, author)
    own = client.get(f"/complaints/{complaint.id}").text
    assert f'href="/complaints/{complaint.id}/original"' in own
    public = other_client.get(f"/complaints/{complaint.id}").text
    assert "/original" not in public and "07700 900123" not in public
