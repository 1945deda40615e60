"""The masking preview before every public text: follow-ups and replies that would be masked are
shown first as published (Markdown rendered, masks highlighted); nothing typed is lost; the filing
preview's HTML is the published ticket's HTML but for the highlights."""

import re

from sqlmodel import Session, col, select

from app.models.company import Company
from app.models.complaint import Complaint, Message
from app.models.user import User
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import post_form

TYPED = "**Still** waiting. Call me on 07700 900482 or mail priya.j@example.org & *soon*."
PUBLISHED = (
    "<strong>Still</strong> waiting. Call me on [phone] or mail [email] &amp; <em>soon</em>."
)


def _scene(db: Session):
    author = make_user(db, name="Priya J.")
    complaint = make_complaint(db, author, company_name="Maple Post", title="Parcel lost")
    company = db.get(Company, complaint.company_id)
    rep = db.get(User, make_rep(db, company, public_name="Dana Ortiz").user_id)
    db.commit()
    return author, complaint, company, rep


def _key(html: str) -> str:
    return re.search(r'name="submission_key" value="(\w+)"', html).group(1)


def _unmarked(html: str) -> str:
    return re.sub(r'<mark class="redacted" title="[^"]*">([^<]*)</mark>', r"\1", html)


def _messages(db: Session, complaint: Complaint) -> list[Message]:
    db.expire_all()
    query = select(Message).where(Message.complaint_id == complaint.id)
    return list(db.exec(query.order_by(col(Message.id))))


def _preview_then_publish(client, db, complaint, page: str, action: str, extra: dict) -> None:
    key = _key(client.get(page).text)
    data = {"body": TYPED, "submission_key": key, **extra}
    shown = post_form(client, action, data, page=page)
    assert shown.status_code == 200, shown.text
    assert "Check before publishing" in shown.text
    assert PUBLISHED in _unmarked(shown.text)  # rendered, not raw Markdown
    assert '<mark class="redacted" title="phone: hides “07700 900482”">[phone]</mark>' in shown.text
    assert _messages(db, complaint) == []  # nothing posted yet

    edit = post_form(client, action, {**data, "step": "edit"}, page=page)
    assert TYPED.replace("&", "&amp;") in edit.text and key in edit.text  # nothing typed lost

    fingerprint = re.search(r'name="previewed" value="(\w+)"', shown.text).group(1)
    publish = {**data, "step": "publish", "previewed": fingerprint}
    for _ in range(2):  # Publish as shown, Back, and Publish as shown again: one message
        assert post_form(client, action, publish, page=page).status_code == 303
    [message] = _messages(db, complaint)
    assert message.original_body == TYPED and "[phone]" in message.body
    ticket = client.get(f"/complaints/{complaint.id}").text
    assert PUBLISHED in ticket  # what the preview showed is what the page shows


def test_a_follow_up_that_would_be_masked_is_previewed_first(db: Session, client) -> None:
    author, complaint, _, _ = _scene(db)
    login(client, author)
    ticket = f"/complaints/{complaint.id}"
    _preview_then_publish(client, db, complaint, ticket, f"{ticket}/follow-up", {})


def test_a_reply_that_would_be_masked_is_previewed_first(db: Session, client) -> None:
    _, complaint, company, rep = _scene(db)
    login(client, rep)
    view = f"/dashboard/{company.slug}/complaints/{complaint.id}"
    _preview_then_publish(client, db, complaint, view, f"{view}/reply", {})


def test_clean_text_posts_at_once_and_preview_shows_on_request(db: Session, client) -> None:
    author, complaint, _, _ = _scene(db)
    login(client, author)
    ticket = f"/complaints/{complaint.id}"
    asked = post_form(
        client, f"{ticket}/follow-up", {"body": "Any *news*?", "step": "preview"}, page=ticket
    )
    assert asked.status_code == 200 and "We found no personal information" in asked.text
    assert "<p>Any <em>news</em>?</p>" in asked.text
    sent = post_form(client, f"{ticket}/follow-up", {"body": "Any *news*?"}, page=ticket)
    assert sent.status_code == 303 and len(_messages(db, complaint)) == 1


def test_a_private_message_skips_the_preview(db: Session, client) -> None:
    author, complaint, _, _ = _scene(db)
    login(client, author)
    ticket = f"/complaints/{complaint.id}"
    sent = post_form(client, f"{ticket}/follow-up", {"body": TYPED, "private": "on"}, page=ticket)
    assert sent.status_code == 303
    [message] = _messages(db, complaint)
    assert message.private and message.body == TYPED
    asked = post_form(
        client,
        f"{ticket}/follow-up",
        {"body": TYPED, "private": "on", "step": "preview"},
        page=ticket,
    )
    assert asked.status_code == 200 and "It is not published, so nothing" in asked.text
    assert "07700 900482" in asked.text and "<mark" not in asked.text.split("<main")[1]
    assert len(_messages(db, complaint)) == 1  # asking to preview posts nothing


def test_the_filing_preview_is_the_published_ticket_but_for_the_highlights(
    db: Session, client
) -> None:
    author = make_user(db, name="Priya J.")
    db.commit()
    login(client, author)
    form = {
        "company_name": "Maple Post",
        "title": "Parcel lost",
        "body": "# Lost\n\n- mail priya.j@example.org\n- **call** 07700 900482\n\n> quoted & kept",
        "category": "billing",
        "company_pick": "",
    }
    shown = post_form(client, "/complaints/new", form, page="/complaints/new")
    assert shown.status_code == 200 and "Check before publishing" in shown.text
    section = re.search(
        r"<h2>What happened</h2>\s*<div class=\"preview-text\">(.*?)</div>", shown.text, re.S
    ).group(1)
    assert "<mark" in section and "<h3>Lost</h3>" in section and "**call**" not in section
    fingerprint = re.search(r'name="previewed" value="(\w+)"', shown.text).group(1)
    filed = post_form(
        client, "/complaints/new", {**form, "previewed": fingerprint}, page="/complaints/new"
    )
    assert filed.status_code == 303, filed.text
    complaint = db.exec(select(Complaint)).one()
    ticket = client.get(f"/complaints/{complaint.id}").text
    body = re.search(
        r'<section class="body">.*?</h2>\s*(.*?)\s*(?:<h3>Outcome|<form|</section>)', ticket, re.S
    ).group(1)
    assert _unmarked(section).strip() == body.strip()
