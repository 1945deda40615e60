"""Delivery rules of the email channel on real SMTP: the reference only when allowed, exactly
once, the hourly allowance per recipient domain, LMTP per-recipient answers, and reply
addresses that die after their complaint closed."""

import asyncio
import email.policy
import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from app.clock import utcnow
from app.jobs.worker import drain
from app.mailchannel.receiver import Receiver
from app.models.company import Company
from app.models.complaint import Complaint, ComplaintState
from app.models.job import Job, JobState
from app.models.mail import MailInbound
from tests.support.factories import make_complaint, make_user
from tests.support.mailchannel_helpers import MAIL_DOMAIN, Channel, channel, reply
from tests.support.smtp_server import SmtpServer, free_port, live_engine, smtp_server

__all__ = ["channel", "live_engine", "smtp_server"]


def _company(session: Session, name: str = "Acme Widgets", address: str = "support@acme.test"):
    author = make_user(session)
    first = make_complaint(session, author, company_name=name)
    company = session.get(Company, first.company_id)
    company.contact_email = address
    session.add(company)
    session.commit()
    return author


def _sent_jobs(engine: Engine) -> list[Job]:
    with Session(engine) as session:
        return list(session.exec(select(Job).where(Job.kind == "mailchannel.send")))


async def test_the_reference_goes_only_when_allowed_and_each_mail_goes_once(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel
) -> None:
    with Session(live_engine, expire_on_commit=False) as session:
        author = _company(session)
        make_complaint(
            session,
            author,
            company_name="Acme Widgets",
            private_reference="ACC-42",
            reference_by_email=True,
        )
        session.commit()
    await drain(engine=live_engine)
    (mail,) = smtp_server.received
    assert "ACC-42" in mail.part("plain")
    # A retry of the finished job (a worker that died before recording) sends nothing more.
    (job,) = _sent_jobs(live_engine)
    with Session(live_engine) as session:
        session.execute(
            update(Job).where(Job.id == job.id).values(state=JobState.PENDING, run_after=utcnow())
        )
        session.commit()
    await drain(engine=live_engine)
    assert len(smtp_server.received) == 1


async def test_a_recipient_domain_gets_its_hourly_allowance_and_the_rest_waits(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel, monkeypatch
) -> None:
    from app.config import get_settings

    monkeypatch.setenv("OUTCRY_MAIL_PER_DOMAIN_PER_HOUR", "1")
    get_settings.cache_clear()
    with Session(live_engine, expire_on_commit=False) as session:
        author = _company(session)
        make_complaint(session, author, company_name="Acme Widgets", title="First of two")
        make_complaint(session, author, company_name="Acme Widgets", title="Second of two")
        session.commit()
    await drain(engine=live_engine)
    assert len(smtp_server.received) == 1
    waiting = [job for job in _sent_jobs(live_engine) if job.state == JobState.PENDING]
    assert len(waiting) == 1 and waiting[0].attempts == 0  # waiting costs no attempt
    assert waiting[0].run_after > utcnow() + timedelta(minutes=50)


def _lmtp(port: int, recipients: list[str], raw: bytes) -> dict:
    with smtplib.LMTP("127.0.0.1", port) as client:
        return client.sendmail("support@acme.test", recipients, raw)


async def test_lmtp_refuses_unknown_addresses_at_rcpt_and_stores_the_rest(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel
) -> None:
    with Session(live_engine, expire_on_commit=False) as session:
        author = _company(session)
        complaint = make_complaint(session, author, company_name="Acme Widgets")
        session.commit()
    await drain(engine=live_engine)
    reply_to = str(smtp_server.received[0].message["Reply-To"])
    receiver = Receiver(live_engine, host="127.0.0.1", port=free_port(), lmtp=True)
    receiver.start()
    try:
        unknown = f"reply+{'c' * 26}@{MAIL_DOMAIN}"
        raw = reply(to=reply_to).as_bytes(policy=email.policy.SMTP)
        refused = await asyncio.to_thread(_lmtp, receiver.port, [reply_to, unknown], raw)
        assert set(refused) == {unknown} and refused[unknown][0] == 550
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            await asyncio.to_thread(_lmtp, receiver.port, [unknown], raw)
        # Closed for longer than OUTCRY_MAIL_TOKEN_DAYS: the address no longer works.
        with Session(live_engine) as session:
            session.execute(
                update(Complaint)
                .where(Complaint.id == complaint.id)
                .values(state=ComplaintState.WITHDRAWN, closed_at=utcnow() - timedelta(days=181))
            )
            session.commit()
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            await asyncio.to_thread(_lmtp, receiver.port, [reply_to], raw)
    finally:
        receiver.stop()
    with Session(live_engine) as session:
        (stored,) = session.exec(select(MailInbound)).all()
        assert stored.received_via == "lmtp" and stored.raw.rstrip() == raw.rstrip()


async def test_a_25_mb_reply_through_the_webhook_is_stored_whole_and_read(
    live_engine: Engine, smtp_server: SmtpServer, channel: Channel
) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.support.mailchannel_helpers import SECRET

    with Session(live_engine, expire_on_commit=False) as session:
        author = _company(session)
        make_complaint(session, author, company_name="Acme Widgets")
        session.commit()
    await drain(engine=live_engine)
    reply_to = str(smtp_server.received[0].message["Reply-To"])
    message = reply(
        to=reply_to, sender="clerk@elsewhere.example.org", text="The scans are attached."
    )
    message.add_attachment(
        b"\x00" * 18_800_000, maintype="application", subtype="zip", filename="scans.zip"
    )
    raw = message.as_bytes()
    assert len(raw) > 25_000_000
    auth = {"Authorization": f"Bearer {SECRET}"}
    with TestClient(create_app()) as client:
        assert client.post("/inbound/email", content=raw, headers=auth).status_code == 202
        too_big = raw + b"x" * 16_000_000
        assert client.post("/inbound/email", content=too_big, headers=auth).status_code == 413
    await drain(engine=live_engine)
    with Session(live_engine) as session:
        (stored,) = session.exec(select(MailInbound)).all()
        assert stored.raw == raw and stored.size == len(raw)
        assert stored.text == "The scans are attached."
        assert stored.state.value == "held"
