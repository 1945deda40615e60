"""Email as a channel, end to end on real SMTP: a complaint against an unclaimed company is
mailed from its reply address (DKIM-signed, threaded), the company answers by mail through the
mail-in receiver or the inbound webhook, and the answer lands on the ticket, verified or held."""

import time
from datetime import timedelta

import aiosmtplib
import dkim
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.jobs.worker import drain
from app.mailchannel import authenticate, pen
from app.mailchannel.receiver import Receiver
from app.models.company import Company
from app.models.complaint import Complaint, ComplaintState, Message, Side, TimelineEvent
from app.models.mail import AddressStatus, InboundState, MailAddress, MailInbound
from tests.support.factories import make_complaint, make_user
from tests.support.mailchannel_helpers import MAIL_DOMAIN, SECRET, Channel, channel, reply, signed
from tests.support.smtp_server import (
    SmtpServer,
    free_port,
    live_client,
    live_engine,
    smtp_server,
)

__all__ = ["channel", "live_client", "live_engine", "smtp_server"]


def _file(engine: Engine) -> Complaint:
    with Session(engine, expire_on_commit=False) as session:
        author = make_user(session, email="ann@example.org")
        first = make_complaint(session, author, company_name="Acme Widgets")
        company = session.get(Company, first.company_id)
        company.contact_email = "support@acme.test"
        company.domain = "acme.test"
        company.domain_confirmed_at = utcnow()
        session.add(company)
        session.commit()
        complaint = make_complaint(
            session,
            author,
            company_name="Acme Widgets",
            private_reference="ACC-991",
        )
        session.commit()
        return complaint


@pytest.fixture
def receiver(live_engine: Engine, channel: Channel):
    server = Receiver(live_engine, host="127.0.0.1", port=free_port(), lmtp=False)
    server.start()
    yield server
    server.stop()


async def _mailed(live_engine: Engine, smtp_server: SmtpServer, complaint: Complaint):
    await drain(engine=live_engine)
    mails = [m for m in smtp_server.received if m.rcpt_tos == ["support@acme.test"]]
    assert mails, [m.rcpt_tos for m in smtp_server.received]
    return [m for m in mails if f"#{complaint.id} " in str(m.message["Subject"])]


async def test_a_complaint_is_mailed_from_its_reply_address_and_a_verified_answer_is_published(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel, receiver: Receiver
) -> None:
    complaint = _file(live_engine)
    (mail,) = await _mailed(live_engine, smtp_server, complaint)
    reply_to = str(mail.message["Reply-To"])
    assert reply_to.startswith("reply+") and reply_to.endswith(f"@{MAIL_DOMAIN}")
    assert mail.mail_from == reply_to  # bounces come back to the thread
    text = mail.part("plain")
    assert f"http://testserver/complaints/{complaint.id}" in text
    assert "reply to this email" in text.lower()
    assert "ACC-991" not in text  # the consumer did not allow the reference in the mail
    assert dkim.verify(mail.raw, dnsfunc=authenticate.txt)

    answer = reply(to=reply_to, message_id="<answer-1@acme.test>")
    answer["In-Reply-To"] = str(mail.message["Message-ID"])
    raw = signed(answer, channel.company_key)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await aiosmtplib.send(
            raw,
            sender="support@acme.test",
            recipients=[f"reply+{'a' * 26}@{MAIL_DOMAIN}"],
            hostname=receiver.hostname,
            port=receiver.port,
        )
    started = time.perf_counter()
    await aiosmtplib.send(
        raw,
        sender="support@acme.test",
        recipients=[reply_to],
        hostname=receiver.hostname,
        port=receiver.port,
    )
    await drain(engine=live_engine)
    elapsed = time.perf_counter() - started
    with Session(live_engine) as session:
        (stored,) = session.exec(select(MailInbound)).all()
        assert stored.state == InboundState.PUBLISHED, stored.outcome
        assert stored.verified and "aligned" in stored.auth_detail
        ticket = session.get(Complaint, complaint.id)
        assert ticket.state == ComplaintState.ANSWERED
        assert ticket.first_response_at is not None
        message = session.exec(
            select(Message).where(
                Message.complaint_id == complaint.id, Message.side == Side.COMPANY
            )
        ).one()
        assert message.body == "We have refunded the second charge today. Sorry for the trouble."
        assert message.signature == "by email from support@acme.test"
        address = session.exec(
            select(MailAddress).where(MailAddress.address == "support@acme.test")
        ).one()
        assert (address.sent_count, address.answered_count) == (1, 1)
    print(f"\ninbound mail to published answer: {elapsed * 1000:.0f} ms (SMTP in, worker drain)")
    assert elapsed < 60


async def test_an_unsigned_answer_is_held_and_published_labelled_when_approved(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel, live_client
) -> None:
    complaint = _file(live_engine)
    (mail,) = await _mailed(live_engine, smtp_server, complaint)
    reply_to = str(mail.message["Reply-To"])
    raw = reply(to=reply_to, sender="dana@gmail.test", message_id="<held@gmail.test>").as_bytes()

    auth = {"Authorization": f"Bearer {SECRET}"}
    assert live_client.post("/inbound/email", content=raw).status_code == 403
    first = live_client.post("/inbound/email", content=raw, headers=auth)
    assert first.status_code == 202, first.text
    again = live_client.post("/inbound/email", content=raw, headers=auth)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    unknown = live_client.post(
        f"/inbound/email?to=reply%2B{'b' * 26}%40{MAIL_DOMAIN}", content=raw, headers=auth
    )
    assert unknown.status_code == 404
    await drain(engine=live_engine)
    with Session(live_engine, expire_on_commit=False) as session:
        (held,) = session.exec(select(MailInbound)).all()  # the replay was recorded once
        assert held.state == InboundState.HELD
        assert "not acme.test" in held.auth_detail
        assert session.get(Complaint, complaint.id).state == ComplaintState.OPEN
        moderator = make_user(session)
        pen.decide(
            session=session, inbound_id=held.id, moderator=moderator, decision=pen.Decision.APPROVE
        )
        session.commit()
        message = session.exec(
            select(Message).where(
                Message.complaint_id == complaint.id, Message.side == Side.COMPANY
            )
        ).one()
        assert message.signature == "by email from dana@gmail.test, sender not verified"
    page = live_client.get(f"/complaints/{complaint.id}").text
    assert "by email from dana@gmail.test, sender not verified" in page


async def test_a_bad_signature_is_held(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel, live_client
) -> None:
    complaint = _file(live_engine)
    (mail,) = await _mailed(live_engine, smtp_server, complaint)
    raw = signed(reply(to=str(mail.message["Reply-To"])), channel.company_key)
    tampered = raw.replace(b"refunded", b"rejected")
    auth = {"Authorization": f"Bearer {SECRET}"}
    assert live_client.post("/inbound/email", content=tampered, headers=auth).status_code == 202
    await drain(engine=live_engine)
    with Session(live_engine) as session:
        (held,) = session.exec(select(MailInbound)).all()
        assert held.state == InboundState.HELD
        assert "DKIM fail" in held.auth_detail


async def test_auto_replies_and_bounces_show_on_the_ticket_and_are_never_an_answer(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel, live_client
) -> None:
    complaint = _file(live_engine)
    (mail,) = await _mailed(live_engine, smtp_server, complaint)
    reply_to = str(mail.message["Reply-To"])
    auth = {"Authorization": f"Bearer {SECRET}"}
    away = reply(to=reply_to, headers={"Auto-Submitted": "auto-replied"}, text="I am away.")
    assert (
        live_client.post(
            "/inbound/email", content=signed(away, channel.company_key), headers=auth
        ).status_code
        == 202
    )
    for n in (1, 2):
        dsn = (
            "From: Mail Delivery System <MAILER-DAEMON@mx.acme.test>\r\n"
            f"To: {reply_to}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            f"Message-ID: <bounce-{n}@mx.acme.test>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
            "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.acme.test\r\n\r\n"
            "Final-Recipient: rfc822; support@acme.test\r\nAction: failed\r\n"
            "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
            "--b--\r\n"
        ).encode()
        assert live_client.post("/inbound/email", content=dsn, headers=auth).status_code == 202
    await drain(engine=live_engine)
    with Session(live_engine) as session:
        ticket = session.get(Complaint, complaint.id)
        assert ticket.state == ComplaintState.OPEN and ticket.first_response_at is None
        kinds = [
            e.kind
            for e in session.exec(
                select(TimelineEvent)
                .where(TimelineEvent.complaint_id == complaint.id)
                .order_by(col(TimelineEvent.id))
            )
        ]
        assert kinds.count("email_auto_reply") == 1 and kinds.count("email_bounced") == 2
        address = session.exec(
            select(MailAddress).where(MailAddress.address == "support@acme.test")
        ).one()
        assert address.status == AddressStatus.RETIRED
    page = live_client.get(f"/complaints/{complaint.id}").text
    today = utcnow()
    assert f"Could not be delivered to support@acme.test on {today.day} {today:%B %Y}" in page
    assert "automatic reply received" in page
    # Retired after two bounces: the next complaint is not mailed there.
    with Session(live_engine, expire_on_commit=False) as session:
        author = session.get(Complaint, complaint.id).author_id
        from app.models.user import User

        later = make_complaint(session, session.get(User, author), company_name="Acme Widgets")
        session.commit()
    assert not await _mailed_or_none(live_engine, smtp_server, later)


async def _mailed_or_none(live_engine, smtp_server, complaint):
    await drain(engine=live_engine)
    return [m for m in smtp_server.received if f"#{complaint.id} " in str(m.message["Subject"])]


async def test_follow_ups_go_on_the_same_thread(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel
) -> None:
    complaint = _file(live_engine)
    (first,) = await _mailed(live_engine, smtp_server, complaint)
    from app.complaints import service as complaints
    from app.models.user import User
    from tests.support.factories import run_queued_listeners

    with Session(live_engine, expire_on_commit=False) as session:
        ticket = session.get(Complaint, complaint.id)
        complaints.follow_up(
            session=session,
            complaint=ticket,
            user=session.get(User, ticket.author_id),
            body="Still no refund after a week.",
        )
        run_queued_listeners(session)
        session.commit()
    mails = await _mailed(live_engine, smtp_server, complaint)
    assert len(mails) == 2
    second = mails[1]
    assert second.message["Reply-To"] == first.message["Reply-To"]
    assert str(first.message["Message-ID"]) in str(second.message["References"])
    assert "Still no refund after a week." in second.part("plain")
    with Session(live_engine) as session:
        assert session.exec(select(MailInbound)).all() == []
    assert timedelta(0) <= utcnow() - complaint.created_at


async def test_the_consumer_answers_by_email_and_confirms_what_would_be_masked(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel, live_client
) -> None:
    from app.models.user import User
    from tests.support.factories import login
    from tests.support.forms import post_form

    complaint = _file(live_engine)
    (mail,) = await _mailed(live_engine, smtp_server, complaint)
    auth = {"Authorization": f"Bearer {SECRET}"}
    answer = signed(reply(to=str(mail.message["Reply-To"])), channel.company_key)
    assert live_client.post("/inbound/email", content=answer, headers=auth).status_code == 202
    await drain(engine=live_engine)
    (told,) = [m for m in smtp_server.received if m.rcpt_tos == ["ann@example.org"]]
    consumer_address = str(told.message["Reply-To"])
    assert consumer_address.startswith("reply+") and consumer_address != mail.message["Reply-To"]
    assert "answer by replying to this email" in told.part("plain")

    thanks = reply(
        to=consumer_address, sender="ann@example.org", text="Thanks, the refund arrived."
    )
    assert (
        live_client.post("/inbound/email", content=thanks.as_bytes(), headers=auth).status_code
        == 202
    )
    await drain(engine=live_engine)
    with Session(live_engine) as session:
        follow = session.exec(
            select(Message).where(
                Message.complaint_id == complaint.id, Message.side == Side.CONSUMER
            )
        ).one()
        assert follow.body == "Thanks, the refund arrived."
    # The company hears of it on its own thread.
    assert any(
        "Thanks, the refund arrived." in m.part("plain")
        for m in smtp_server.received
        if m.rcpt_tos == ["support@acme.test"]
    )

    private = reply(
        to=consumer_address,
        sender="ann@example.org",
        text="You can call me on 020 7946 0018 about it.",
        message_id="<private@example.org>",
    )
    assert (
        live_client.post("/inbound/email", content=private.as_bytes(), headers=auth).status_code
        == 202
    )
    await drain(engine=live_engine)
    with Session(live_engine) as session:
        waiting = session.exec(
            select(MailInbound).where(MailInbound.state == InboundState.CONFIRM)
        ).one()
        assert (
            session.exec(
                select(Message).where(
                    Message.complaint_id == complaint.id, Message.side == Side.CONSUMER
                )
            )
            .all()
            .__len__()
            == 1
        )  # nothing published yet
        ann = session.exec(select(User).where(User.email == "ann@example.org")).one()
    (confirm_mail,) = [
        m for m in smtp_server.received if "Confirm your reply" in str(m.message["Subject"])
    ]
    assert "020 7946 0018" not in confirm_mail.part("plain")
    path = f"/complaints/{complaint.id}/mail/{waiting.id}"
    assert path in confirm_mail.part("plain")
    login(live_client, ann)
    page = live_client.get(path)
    assert page.status_code == 200 and "020 7946 0018" not in page.text
    assert post_form(live_client, path, {}).status_code == 303
    with Session(live_engine) as session:
        bodies = [
            m.body
            for m in session.exec(
                select(Message)
                .where(Message.complaint_id == complaint.id, Message.side == Side.CONSUMER)
                .order_by(col(Message.id))
            )
        ]
        assert len(bodies) == 2 and "020 7946 0018" not in bodies[1]
