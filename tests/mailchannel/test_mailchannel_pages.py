"""The email channel's pages: anyone signed in suggests a complaints address, moderators
approve it and work the holding pen (publish labelled, reject, spam)."""

from sqlmodel import Session, select

from app.mailchannel import process, store, tokens
from app.models.audit import AuditEntry
from app.models.company import Company
from app.models.complaint import Message, Side
from app.models.mail import AddressStatus, InboundState, MailAddress, MailInbound
from tests.support.factories import login, make_complaint, make_user
from tests.support.forms import post_form
from tests.support.mailchannel_helpers import channel, reply

__all__ = ["channel"]


def _moderator(db: Session):
    moderator = make_user(db)
    moderator.is_moderator = True
    db.add(moderator)
    db.flush()
    return moderator


def _held(db: Session, sender: str = "someone@elsewhere.test") -> tuple[int, MailInbound]:
    complaint = make_complaint(db, company_name="Pen Widgets")
    thread = tokens.open_thread(
        session=db, complaint=complaint, side="company", recipient="help@pen.test"
    )
    raw = reply(to=tokens.address(tokens.token_for(thread)), sender=sender).as_bytes()
    inbound, _new = store.accept(
        session=db,
        raw=raw,
        via="http",
        envelope_from=sender,
        recipient=tokens.address(tokens.token_for(thread)),
    )
    process.process(db, inbound)
    db.add(inbound)
    db.flush()
    assert inbound.state == InboundState.HELD
    return complaint.id, inbound


def test_a_suggested_address_waits_for_a_moderator(client, db: Session) -> None:
    company = make_complaint(db, company_name="Suggest Widgets").company_id
    slug = db.get(Company, company).slug
    login(client, make_user(db))
    page = f"/companies/{slug}/complaints-address"
    bad = post_form(
        client, page, {"address": "complaints@widgets.example.org", "source_url": "widgets"}
    )
    assert bad.status_code == 409, bad.text[bad.text.find("<main") :][:800]
    assert "Please give the web page" in bad.text, bad.text[bad.text.find("<main") :][:1500]
    assert "complaints@widgets.example.org" in bad.text
    ok = post_form(
        client,
        page,
        {
            "address": "Complaints@Widgets.example.org",
            "source_url": "https://widgets.example.org/contact",
        },
    )
    assert ok.status_code == 200 and "A moderator will check" in ok.text, ok.text[
        ok.text.find("alert") :
    ][:300]
    row = db.exec(select(MailAddress).where(MailAddress.company_id == company)).one()
    assert (row.address, row.status) == ("complaints@widgets.example.org", AddressStatus.SUGGESTED)

    assert client.get("/moderation/mail").status_code == 403
    client.cookies.clear()
    login(client, _moderator(db))
    listing = client.get("/moderation/mail")
    assert (
        "complaints@widgets.example.org" in listing.text
        and "https://widgets.example.org/contact" in listing.text
    )
    response = post_form(
        client, f"/moderation/mail-addresses/{row.id}/approve", {}, page="/moderation/mail"
    )
    assert response.status_code == 303
    db.refresh(row)
    assert row.status == AddressStatus.APPROVED


def test_the_holding_pen_publishes_labelled_rejects_and_marks_spam(
    client, db: Session, channel
) -> None:
    complaint_id, held = _held(db)
    _other, spam = _held(db, sender="bulk@spam.test")
    login(client, _moderator(db))
    pen = client.get("/moderation/mail")
    assert f"held-mail-{held.id}" in pen.text and "the company has no verified domain" in pen.text
    assert "We have refunded the second charge today." in pen.text
    assert (
        post_form(
            client, f"/moderation/mail/{held.id}/approve", {}, page="/moderation/mail"
        ).status_code
        == 303
    )
    assert (
        post_form(
            client, f"/moderation/mail/{spam.id}/spam", {}, page="/moderation/mail"
        ).status_code
        == 303
    )
    again = post_form(client, f"/moderation/mail/{held.id}/reject", {}, page="/moderation/mail")
    assert again.status_code == 409  # already decided: nothing changes
    db.refresh(held)
    db.refresh(spam)
    assert (held.state, spam.state) == (InboundState.PUBLISHED, InboundState.SPAM)
    message = db.exec(
        select(Message).where(Message.complaint_id == complaint_id, Message.side == Side.COMPANY)
    ).one()
    assert message.signature == "by email from someone@elsewhere.test, sender not verified"
    logged = db.exec(
        select(AuditEntry.action).where(AuditEntry.target_type == "mail_inbound")
    ).all()
    assert sorted(logged) == ["mail.approve", "mail.spam"]
    ticket = client.get(f"/complaints/{complaint_id}").text
    assert "by email from someone@elsewhere.test, sender not verified — Pen Widgets" in ticket
    assert "We have refunded the second charge today." in ticket
