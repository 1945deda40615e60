"""The email channel behind a real mail server: Postfix (a private instance on loopback) relays
our domain to `outcry mail-in` over LMTP with the transport map of docs/email-channel.md. A
DKIM-signed reply goes through Postfix and is published; a reply to an unknown address is
bounced by Postfix to its sender, or refused during the SMTP conversation when Postfix verifies
recipients with our receiver. Nothing is dropped in silence."""

import asyncio
import smtplib
import time

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.clock import utcnow
from app.jobs.worker import drain
from app.mailchannel.receiver import Receiver
from app.models.company import Company
from app.models.complaint import Complaint, Message, Side
from app.models.mail import InboundState, MailInbound
from tests.factories import make_complaint, make_user
from tests.mailchannel_helpers import MAIL_DOMAIN, Channel, channel, reply, signed
from tests.postfix_instance import postfix_for
from tests.smtp_server import SmtpServer, free_port, live_engine, smtp_server

__all__ = ["channel", "live_engine", "postfix_for", "smtp_server"]

UNKNOWN = f"reply+{'b' * 26}@{MAIL_DOMAIN}"


def _file(engine: Engine) -> int:
    with Session(engine, expire_on_commit=False) as session:
        author = make_user(session, email="ann@example.org")
        first = make_complaint(session, author, company_name="Acme Widgets")
        company = session.get(Company, first.company_id)
        company.contact_email = "support@acme.test"
        company.domain = "acme.test"
        company.domain_confirmed_at = utcnow()
        session.add(company)
        session.commit()
        complaint = make_complaint(session, author, company_name="Acme Widgets")
        session.commit()
        return complaint.id


def _send(port: int, raw: bytes, recipient: str) -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        return client.sendmail("support@acme.test", [recipient], raw)


def _rcpt(port: int, recipient: str) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo()
        client.mail("support@acme.test")
        answer = client.rcpt(recipient)
        client.rset()
        return answer


async def _until(what: str, check, log, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, f"{what} within {seconds} s\n{log()[-3000:]}"
        await asyncio.sleep(0.2)
    return found


def _stored(engine: Engine) -> list[MailInbound]:
    with Session(engine) as session:
        return list(session.exec(select(MailInbound)))


async def test_postfix_relays_a_signed_reply_that_is_published_and_bounces_unknown_addresses(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel, postfix_for
) -> None:
    complaint_id = _file(live_engine)
    await drain(engine=live_engine)
    (mail,) = [m for m in smtp_server.received if m.rcpt_tos == ["support@acme.test"]]
    reply_to = str(mail.message["Reply-To"])
    receiver = Receiver(live_engine, host="127.0.0.1", port=free_port(), lmtp=True)
    receiver.start()
    try:
        postfix = postfix_for(
            domain=MAIL_DOMAIN, lmtp_port=receiver.port, senders_port=smtp_server.port
        )
        answer = reply(to=reply_to, message_id="<postfix-1@acme.test>")
        raw = signed(answer, channel.company_key)
        started = time.perf_counter()
        assert await asyncio.to_thread(_send, postfix.smtp_port, raw, reply_to) == {}
        (stored,) = await _until(
            "Postfix delivers to mail-in", lambda: _stored(live_engine), postfix.log
        )
        await drain(engine=live_engine)
        elapsed = time.perf_counter() - started

        # Postfix added its Received line; the DKIM signature still verifies and aligns.
        with Session(live_engine) as session:
            stored = session.get(MailInbound, stored.id)
            assert stored.received_via == "lmtp"
            assert b"(Postfix) with ESMTP" in stored.raw.split(b"\r\n\r\n")[0].replace(b"\n", b" ")
            assert stored.state == InboundState.PUBLISHED, (stored.outcome, stored.auth_detail)
            assert stored.verified, stored.auth_detail
            answered = session.exec(
                select(Message).where(
                    Message.complaint_id == complaint_id, Message.side == Side.COMPANY
                )
            ).one()
            assert answered.body.startswith("We have refunded the second charge today.")
            assert session.get(Complaint, complaint_id).first_response_at is not None
        print(f"\nmail through Postfix to published answer: {elapsed * 1000:.0f} ms")

        # An unknown reply address: Postfix takes the message, our receiver refuses it at
        # RCPT, and Postfix returns it to the sender's server with a delivery status report.
        assert await asyncio.to_thread(_send, postfix.smtp_port, raw, UNKNOWN) == {}

        def bounced():
            return [
                m
                for m in smtp_server.received
                if m.rcpt_tos == ["support@acme.test"]
                and m.message.get_content_type() == "multipart/report"
            ]

        (dsn,) = await _until("the bounce reaches the sender", bounced, postfix.log)
        report = dsn.raw.decode(errors="replace")
        assert f"Final-Recipient: rfc822; {UNKNOWN}" in report
        assert "Status: 5.1.1" in report and "No such reply address" in report
        assert len(_stored(live_engine)) == 1  # nothing stored for it

        # Verifying recipients first: the sender's server is refused during the conversation.
        code, text = await asyncio.to_thread(_rcpt, postfix.verifying_port, UNKNOWN)
        assert code == 550, (code, text, postfix.log()[-2000:])
        code, text = await asyncio.to_thread(_rcpt, postfix.verifying_port, reply_to)
        assert code == 250, (code, text, postfix.log()[-2000:])
    finally:
        receiver.stop()
    assert elapsed < 60
