"""Mail delivery through a real SMTP server on loopback: one message per event, retries with
backoff when the server is down, dead letters, and no SMTP in development vs production."""

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.complaints import company as company_side
from app.config import get_settings
from app.jobs.queue import retry_dead
from app.jobs.worker import drain
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.job import Job, JobAttempt, JobState
from app.models.user import User
from tests.support.factories import make_complaint, make_rep, make_user

if TYPE_CHECKING:
    from tests.support.smtp_server import SmtpServer


def _replied(engine: Engine, *, email: str = "ann@example.org", body: str = "") -> dict:
    """A consumer's complaint, answered by a verified rep of the company; all committed."""
    with Session(engine, expire_on_commit=False) as session:
        author = make_user(session, email=email, name="Ann Consumer")
        complaint = make_complaint(session, author, company_name="Acme Energy")
        company = session.get(Company, complaint.company_id)
        rep = make_rep(session, company, public_name="Dana Ortiz", job_title="Relations Lead")
        rep_user = session.get(User, rep.user_id)
        rep_user.notify_assignments = False  # only the consumer's mail in these tests
        session.commit()
        company_side.reply(
            session=session,
            complaint=complaint,
            user=rep_user,
            body=body or "We are refunding the **second** charge <today>.",
        )
        session.commit()
        return {"author": author, "complaint": complaint, "company": company}


def _mail_jobs(engine: Engine) -> list[Job]:
    with Session(engine) as session:
        return list(session.exec(select(Job).where(Job.kind == "mail").order_by(col(Job.id))).all())


def _attempts(engine: Engine, job_id: int) -> list[JobAttempt]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(JobAttempt).where(JobAttempt.job_id == job_id).order_by(col(JobAttempt.id))
            ).all()
        )


def _make_due(engine: Engine, job_id: int) -> None:
    """Time passes: the job's backoff is over."""
    with Session(engine) as session:
        job = session.get(Job, job_id)
        job.run_after = utcnow()
        session.add(job)
        session.commit()


async def test_a_company_reply_sends_exactly_one_mail(
    live_engine: Engine,
    smtp_server: "SmtpServer",
) -> None:
    made = _replied(live_engine)
    await drain(engine=live_engine)

    (received,) = smtp_server.received
    (job,) = _mail_jobs(live_engine)
    message = received.message
    assert received.rcpt_tos == ["ann@example.org"]
    assert message["To"] == "ann@example.org"
    assert message["Subject"] == "Acme Energy replied to your complaint: Charged twice for March"
    assert message["Message-ID"] == f"<outcry-job-{job.id}@outcry.invalid>"
    assert message.get_content_type() == "multipart/alternative"

    text, html = received.part("plain"), received.part("html")
    assert "Dana Ortiz, Relations Lead replied" in text
    assert "We are refunding the **second** charge <today>." in text
    assert "<strong>second</strong> charge &lt;today&gt;" in html  # Markdown, and escaped
    assert f"http://testserver/complaints/{made['complaint'].id}" in text

    one_click = message["List-Unsubscribe"]
    assert one_click.startswith("<http://testserver/unsubscribe/u") and one_click.endswith(
        "/one-click>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On the wire the URL is plain, not folded into encoded words mail clients cannot follow.
    assert f"\r\nList-Unsubscribe: {one_click}\r\n".encode() in received.raw
    assert received.mail_from == "no-reply@outcry.invalid"
    page = one_click.strip("<>").removesuffix("/one-click")
    assert page in text and page in html

    # The worker runs again: nothing new is due, nothing is sent twice.
    assert await drain(engine=live_engine) == 0
    assert len(smtp_server.received) == 1
    assert _mail_jobs(live_engine)[0].state == JobState.DONE


async def test_smtp_down_keeps_the_job_pending_then_it_is_sent(
    live_engine: Engine,
    smtp_server: "SmtpServer",
    slow_backoff: None,
) -> None:
    smtp_server.stop()
    _replied(live_engine)
    await drain(engine=live_engine)

    (job,) = _mail_jobs(live_engine)
    assert job.state == JobState.PENDING and job.attempts == 1
    assert job.last_error.startswith("SMTPConnectError: Error connecting to 127.0.0.1")
    assert job.run_after > utcnow()  # backing off
    assert [a.ok for a in _attempts(live_engine, job.id)] == [False]
    assert smtp_server.received == []

    smtp_server.start()
    assert await drain(engine=live_engine) == 0  # still backing off: not yet
    _make_due(live_engine, job.id)
    await drain(engine=live_engine)

    (job,) = _mail_jobs(live_engine)
    assert (job.state, job.attempts, job.last_error) == (JobState.DONE, 2, None)
    assert [a.ok for a in _attempts(live_engine, job.id)] == [False, True]
    assert len(smtp_server.received) == 1


async def test_a_mail_goes_dead_after_max_attempts_and_an_admin_can_retry_it(
    live_engine: Engine,
    smtp_server: "SmtpServer",
    slow_backoff: None,
) -> None:
    smtp_server.stop()
    _replied(live_engine)
    (job,) = _mail_jobs(live_engine)
    with Session(live_engine) as session:
        session.get(Job, job.id).max_attempts = 3
        session.commit()

    for _ in range(3):
        _make_due(live_engine, job.id)
        await drain(engine=live_engine)

    (job,) = _mail_jobs(live_engine)
    assert job.state == JobState.DEAD and job.attempts == 3 and job.last_error
    assert len(_attempts(live_engine, job.id)) == 3
    _make_due(live_engine, job.id)
    assert await drain(engine=live_engine) == 0  # dead letters are not picked up again

    smtp_server.start()
    with Session(live_engine) as session:
        retry_dead(session=session, job=session.get(Job, job.id))
        session.commit()
    await drain(engine=live_engine)
    assert _mail_jobs(live_engine)[0].state == JobState.DONE
    assert len(smtp_server.received) == 1


async def test_a_refused_recipient_is_not_retried(
    live_engine: Engine,
    smtp_server: "SmtpServer",
) -> None:
    smtp_server.recorder.refuse.add("gone@example.org")
    _replied(live_engine, email="gone@example.org")
    await drain(engine=live_engine)

    (job,) = _mail_jobs(live_engine)
    assert job.state == JobState.DEAD and job.attempts == 1
    assert "550" in job.last_error
    assert smtp_server.received == []


async def test_without_smtp_mail_is_kept_for_the_development_mailbox(
    live_engine: Engine,
) -> None:
    assert get_settings().smtp_host is None
    _replied(live_engine)
    await drain(engine=live_engine)
    (job,) = _mail_jobs(live_engine)
    assert job.state == JobState.DONE
    assert [a.detail for a in _attempts(live_engine, job.id)] == [
        "kept in the development mailbox (no SMTP configured)"
    ]


async def test_in_production_a_missing_smtp_server_is_an_error_not_a_silent_success(
    live_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    slow_backoff: None,
) -> None:
    _replied(live_engine)
    monkeypatch.setenv("OUTCRY_ENVIRONMENT", "production")
    get_settings.cache_clear()
    try:
        await drain(engine=live_engine)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    (job,) = _mail_jobs(live_engine)
    assert job.state == JobState.PENDING
    assert job.last_error == "no SMTP server configured (set OUTCRY_SMTP_HOST)"


async def test_the_company_is_recorded_as_notified_only_once_the_mail_is_out(
    live_engine: Engine,
    smtp_server: "SmtpServer",
    slow_backoff: None,
) -> None:
    with Session(live_engine, expire_on_commit=False) as session:
        author = make_user(session)
        first = make_complaint(session, author, company_name="Unclaimed Widgets")
        company = session.get(Company, first.company_id)
        company.contact_email = "help@widgets.example"
        session.add(company)
        session.commit()
        complaint = make_complaint(session, author, company_name="Unclaimed Widgets")
        session.commit()

    smtp_server.stop()
    await drain(engine=live_engine)
    with Session(live_engine) as session:
        assert session.get(Complaint, complaint.id).company_notified_at is None

    smtp_server.start()
    for job in _mail_jobs(live_engine):
        _make_due(live_engine, job.id)
    before = utcnow()
    await drain(engine=live_engine)
    with Session(live_engine) as session:
        notified = session.get(Complaint, complaint.id)
        assert notified.company_notified_to == "help@widgets.example"
        assert before <= notified.company_notified_at <= utcnow() + timedelta(seconds=1)
    (received,) = smtp_server.received
    assert received.rcpt_tos == ["help@widgets.example"]
