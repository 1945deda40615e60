"""Who is told what: reps of new and reassigned complaints, the consumer of replies, requests for
information and resolutions, the 7-day reminder, the unclaimed company's notice, /dev/mail."""

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.clock import utcnow
from app.complaints import company as company_side
from app.config import get_settings
from app.events import ComplaintCreated, emit
from app.jobs.worker import drain
from app.main import create_app
from app.models.company import Company
from app.models.complaint import Complaint, ResolutionType
from app.models.job import Job, JobState
from app.models.user import User
from app.notify import reminders
from tests.support.factories import make_complaint, make_rep, make_user
from tests.support.mail import queued_mails

if TYPE_CHECKING:
    from tests.support.smtp_server import SmtpServer


def _company(db: Session, name: str = "Acme Energy", **fields) -> Company:
    company = db.exec(select(Company).where(Company.name == name)).first()
    if company is None:
        make_complaint(db, company_name=name)  # the first complaint creates the company
        company = db.exec(select(Company).where(Company.name == name)).one()
    for field, value in fields.items():
        setattr(company, field, value)
    db.add(company)
    db.flush()
    return company


def _rep_user(db: Session, company: Company, **member) -> User:
    return db.get(User, make_rep(db, company, **member).user_id)


# Reps ----------------------------------------------------------------------------------------


def test_active_reps_who_want_it_are_told_of_a_new_complaint(db: Session) -> None:
    company = _company(db, contact_email="help@acme.example")
    keen = _rep_user(db, company)
    quiet = _rep_user(db, company)
    quiet.notify_assignments = False
    gone = make_rep(db, company)
    gone.revoked_at = utcnow()
    db.add_all([quiet, gone])
    db.flush()
    before = len(queued_mails(db))

    complaint = make_complaint(db, company_name="Acme Energy", title="Meter read wrong")

    new = queued_mails(db)[before:]
    assert [m["to"] for m in new] == [keen.email]  # not the opted-out rep, not the revoked one
    assert new[0]["subject"] == "New complaint about Acme Energy: Meter read wrong"
    assert f"/dashboard/{company.slug}/complaints/{complaint.id}" in new[0]["text"]
    assert "/one-click>" in new[0]["headers"]["List-Unsubscribe"]


def test_the_new_assignee_is_told_unless_they_took_it_themselves(db: Session) -> None:
    company = _company(db)
    dana = _rep_user(db, company, public_name="Dana Ortiz")
    sam = _rep_user(db, company, public_name="Sam Lee")
    complaint = make_complaint(db, company_name="Acme Energy")
    before = len(queued_mails(db))

    company_side.assign(session=db, complaint=complaint, user=dana, assignee_id=dana.id)
    assert queued_mails(db)[before:] == []

    company_side.assign(session=db, complaint=complaint, user=dana, assignee_id=sam.id)
    (mail,) = queued_mails(db)[before:]
    assert mail["to"] == sam.email
    assert mail["subject"] == f"Assigned to you: {complaint.title}"
    assert f"{dana.display_name} handed you the complaint" in mail["text"]


def test_reps_who_turned_assignments_off_hear_nothing(db: Session) -> None:
    company = _company(db)
    dana = _rep_user(db, company)
    sam = _rep_user(db, company)
    sam.notify_assignments = dana.notify_assignments = False
    db.add_all([sam, dana])
    db.flush()
    before = len(queued_mails(db))
    complaint = make_complaint(db, company_name="Acme Energy")
    company_side.assign(session=db, complaint=complaint, user=dana, assignee_id=sam.id)
    assert queued_mails(db)[before:] == []


# The consumer --------------------------------------------------------------------------------


def test_the_consumer_hears_of_a_reply_a_request_and_a_resolution(db: Session) -> None:
    company = _company(db)
    rep = _rep_user(db, company, public_name="Dana Ortiz", job_title="Relations Lead")
    rep.notify_assignments = False
    author = make_user(db, email="ann@example.org")
    complaint = make_complaint(db, author, company_name="Acme Energy", title="Meter read wrong")
    before = len(queued_mails(db))

    company_side.reply(session=db, complaint=complaint, user=rep, body="Looking into it.")
    company_side.reply(
        session=db,
        complaint=complaint,
        user=rep,
        body="Which meter number is on your bill?",
        info_request=True,
    )
    company_side.resolve(
        session=db,
        complaint=complaint,
        user=rep,
        resolution_type=ResolutionType.MONETARY,
        body="Refunded 42 EUR.",
    )

    mails = queued_mails(db)[before:]
    # The request for information is the consumer's turn: its mail is batched (test_turn.py).
    assert [m["to"] for m in mails] == ["ann@example.org"] * 2
    assert [m["subject"] for m in mails] == [
        "Acme Energy replied to your complaint: Meter read wrong",
        "Acme Energy says your complaint is resolved: Meter read wrong",
    ]
    resolved = mails[1]["text"]
    assert "Dana Ortiz, Relations Lead wrote:" in resolved and "Refunded 42 EUR." in resolved
    assert "(monetary relief)" in resolved
    assert re.search(r"http://testserver/r/[\w-]{40,}", resolved)


def test_nothing_is_queued_for_a_consumer_who_turned_updates_off(db: Session) -> None:
    company = _company(db)
    rep = _rep_user(db, company)
    author = make_user(db)
    author.notify_complaint_updates = False
    db.add(author)
    complaint = make_complaint(db, author, company_name="Acme Energy")
    company_side.reply(session=db, complaint=complaint, user=rep, body="Hello.")
    company_side.reply(session=db, complaint=complaint, user=rep, body="More?", info_request=True)
    company_side.resolve(
        session=db, complaint=complaint, user=rep, resolution_type=ResolutionType.EXPLANATION
    )
    assert [m for m in queued_mails(db) if m["to"] == author.email] == []


def test_the_consumers_own_actions_send_them_nothing(db: Session) -> None:
    from app.complaints import service as complaints

    author = make_user(db)
    complaint = make_complaint(db, author)
    before = len(queued_mails(db))
    complaints.follow_up(session=db, complaint=complaint, user=author, body="Any news?")
    complaints.withdraw(session=db, complaint=complaint, user=author)
    assert queued_mails(db)[before:] == []


# The 7-day reminder (committed data: the worker runs it) -------------------------------------


def _filed(engine: Engine, *, days_ago: float, answered_days_ago: float | None = None) -> int:
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        author = make_user(session, email="ann@example.org")
        complaint = make_complaint(
            session, author, company_name="Slow Co", now=now - timedelta(days=days_ago)
        )
        if answered_days_ago is not None:
            company = session.get(Company, complaint.company_id)
            rep = _rep_user(session, company)
            company_side.reply(
                session=session,
                complaint=complaint,
                user=rep,
                body="On it.",
                now=now - timedelta(days=answered_days_ago),
            )
        session.commit()
        return complaint.id


def _reminder_job(engine: Engine, complaint_id: int) -> Job:
    with Session(engine) as session:
        return session.exec(select(Job).where(Job.key == f"reminder:{complaint_id}")).one()


async def test_the_reminder_goes_out_after_7_days_without_an_answer(
    live_engine: Engine,
    smtp_server: "SmtpServer",
) -> None:
    complaint_id = _filed(live_engine, days_ago=7.5)
    job = _reminder_job(live_engine, complaint_id)
    with Session(live_engine) as session:
        filed = session.get(Complaint, complaint_id).created_at
    assert job.run_after == filed + timedelta(days=reminders.REMINDER_DAYS)

    await drain(engine=live_engine)
    (received,) = smtp_server.received
    assert received.message["Subject"] == "Still no answer from Slow Co: Charged twice for March"
    assert "It has been 7 days since you filed" in received.part("plain")
    assert _reminder_job(live_engine, complaint_id).state == JobState.DONE

    await drain(engine=live_engine)
    assert len(smtp_server.received) == 1


async def test_no_reminder_before_7_days(
    live_engine: Engine,
    smtp_server: "SmtpServer",
) -> None:
    complaint_id = _filed(live_engine, days_ago=6.9)
    await drain(engine=live_engine)
    assert _reminder_job(live_engine, complaint_id).state == JobState.PENDING
    assert smtp_server.received == []


async def test_no_reminder_once_the_company_answered(
    live_engine: Engine,
    smtp_server: "SmtpServer",
) -> None:
    complaint_id = _filed(live_engine, days_ago=8, answered_days_ago=2)
    await drain(engine=live_engine)
    subjects = [r.message["Subject"] for r in smtp_server.received]
    assert subjects == ["Slow Co replied to your complaint: Charged twice for March"]
    job = _reminder_job(live_engine, complaint_id)
    assert job.state == JobState.DONE  # it ran, looked, and did nothing


async def test_no_reminder_for_a_withdrawn_complaint_or_an_opted_out_consumer(
    live_engine: Engine,
    smtp_server: "SmtpServer",
) -> None:
    from app.complaints import service as complaints

    withdrawn = _filed(live_engine, days_ago=8)
    with Session(live_engine) as session:
        complaint = session.get(Complaint, withdrawn)
        author = session.get(User, complaint.author_id)
        complaints.withdraw(session=session, complaint=complaint, user=author)
        session.commit()
    with Session(live_engine, expire_on_commit=False) as session:
        quiet = make_user(session)
        quiet.notify_complaint_updates = False
        opted_out = make_complaint(session, quiet, now=utcnow() - timedelta(days=8))
        session.commit()

    await drain(engine=live_engine)
    assert smtp_server.received == []
    assert _reminder_job(live_engine, withdrawn).state == JobState.DONE
    assert _reminder_job(live_engine, opted_out.id).state == JobState.DONE


# The unclaimed company's notice --------------------------------------------------------------


async def test_an_unclaimed_company_is_notified_once_and_the_page_says_so(
    live_engine: Engine,
    smtp_server: "SmtpServer",
    live_client: TestClient,
) -> None:
    with Session(live_engine, expire_on_commit=False) as session:
        _company(session, "Unclaimed Widgets", contact_email="help@widgets.example")
        session.commit()
        await drain(engine=live_engine)  # the notice of the complaint that created the company
        sent_before = len(smtp_server.received)
        complaint = make_complaint(
            session, company_name="Unclaimed Widgets", title="Widget <b>broke</b>"
        )
        session.commit()

    await drain(engine=live_engine)
    with Session(live_engine) as session:  # the same event again: still one notice
        emit(session=session, event=ComplaintCreated(complaint_id=complaint.id))
        session.commit()
    await drain(engine=live_engine)

    (received,) = smtp_server.received[sent_before:]
    assert received.rcpt_tos == ["help@widgets.example"]
    assert (
        received.message["Subject"] == "A customer filed a public complaint about Unclaimed Widgets"
    )
    assert f"http://testserver/complaints/{complaint.id}" in received.part("plain")
    assert "Widget &lt;b&gt;broke&lt;/b&gt;" in received.part("html")
    assert received.message["List-Unsubscribe"].startswith("<http://testserver/unsubscribe/c")

    page = live_client.get(f"/complaints/{complaint.id}").text
    today = utcnow()
    assert (
        f"Unclaimed Widgets was notified at help@widgets.example on "
        f"{today.day} {today:%B %Y}" in page
    )


def test_a_claimed_company_gets_no_contact_notice_its_reps_are_told(db: Session) -> None:
    company = _company(db, "Claimed Co", contact_email="help@claimed.example")
    rep = _rep_user(db, company)
    before = len(queued_mails(db))
    make_complaint(db, company_name="Claimed Co")
    assert [m["to"] for m in queued_mails(db)[before:]] == [rep.email]


def test_no_notice_without_a_contact_address_or_after_it_unsubscribed(db: Session) -> None:
    _company(db, "No Address Co")
    _company(db, "Opted Out Co", contact_email="x@optout.example", notices_unsubscribed_at=utcnow())
    before = len(queued_mails(db))
    make_complaint(db, company_name="No Address Co")
    make_complaint(db, company_name="Opted Out Co")
    assert queued_mails(db)[before:] == []


# The development mailbox ---------------------------------------------------------------------


def test_the_development_mailbox_is_not_there_outside_development(client: TestClient) -> None:
    assert get_settings().environment == "test"
    assert client.get("/dev/mail").status_code == 404
    assert client.get("/dev/mail/1").status_code == 404


@pytest.fixture
def development(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OUTCRY_ENVIRONMENT", "development")
    monkeypatch.setenv("OUTCRY_RUN_WORKER", "false")  # no in-process worker in this test
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_the_development_mailbox_shows_every_message_safely(
    live_engine: Engine,
    development: None,
) -> None:
    with Session(live_engine, expire_on_commit=False) as session:
        company = _company(
            session, "Evil <script>alert(1)</script> Inc", contact_email="a@evil.example"
        )
        make_complaint(session, company_name=company.name)
        session.commit()
    await drain(engine=live_engine)  # kept, not sent: no SMTP server configured

    # The mailbox answers only on this computer (tests/security/test_safe_defaults.py).
    loopback = ("127.0.0.1", 50000)
    with TestClient(create_app(), raise_server_exceptions=False, client=loopback) as browser:
        listing = browser.get("/dev/mail")
        assert listing.status_code == 200
        (job_id,) = re.findall(r'href="/dev/mail/(\d+)"', listing.text)
        assert "A customer filed a public complaint about Evil &lt;script&gt;" in listing.text

        page = browser.get(f"/dev/mail/{job_id}")
        html_part = browser.get(f"/dev/mail/{job_id}/html")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text  # never live, in any part
    assert "<script>alert(1)</script>" not in html_part.text
    assert (
        f'sandbox="allow-popups allow-popups-to-escape-sandbox" width="100%" height="480" src="/dev/mail/{job_id}/html"'
        in page.text
    )
    # The HTML part under its own policy: its inline styles apply, no script can run.
    policy = html_part.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in policy and "script-src" not in policy
    assert "default-src 'none'" in policy
    assert 'style="' in html_part.text
    assert "List-Unsubscribe" in page.text
    # The plain-text part's links are clickable.
    assert re.search(r'<a href="http://testserver/complaints/\d+">', page.text)
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert company.slug in page.text
