"""A claimed company chooses to answer by email: only its owners switch it, each change is in
the audit log, the page says what it means, and the effect shows: complaints are mailed to its
complaints address (or not), its reps see it on their queue and consumers on its public page."""

import pytest
from sqlmodel import Session, col, select

from app.config import get_settings
from app.models.audit import AuditEntry
from app.models.company import Company
from app.models.mail import MailOutbound, MailThread
from app.models.membership import Role
from app.models.user import User
from tests.conftest import post_form
from tests.factories import login, make_complaint, make_rep
from tests.mailchannel_helpers import MAIL_DOMAIN


@pytest.fixture(autouse=True)
def mail_domain(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OUTCRY_MAIL_DOMAIN", MAIL_DOMAIN)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _claimed(db: Session) -> tuple[Company, User, User]:
    company = db.get(Company, make_complaint(db, company_name="Choice Widgets").company_id)
    company.contact_email = "complaints@choice.example"
    company.domain = "choice.example"
    db.add(company)
    owner = db.get(User, make_rep(db, company, role=Role.OWNER).user_id)
    agent = db.get(User, make_rep(db, company, role=Role.AGENT).user_id)
    db.flush()
    return company, owner, agent


def _mailed(db: Session, complaint_id: int) -> list[str]:
    return list(
        db.exec(
            select(MailThread.recipient)
            .join(MailOutbound, col(MailOutbound.thread_id) == MailThread.id)
            .where(MailThread.complaint_id == complaint_id)
        )
    )


def _main(html: str) -> str:
    return html[html.find("<main") :]


def _save(client, company: Company, form: dict[str, str]) -> str:
    """Post the choice and follow the redirect back to the page, as a browser does."""
    saved = post_form(client, f"/dashboard/{company.slug}/email", form)
    assert saved.status_code == 303, saved.text
    return _main(client.get(saved.headers["location"]).text)


def test_an_owner_switches_email_on_and_complaints_are_mailed(client, db: Session) -> None:
    company, owner, _agent = _claimed(db)
    before = make_complaint(db, company_name="Choice Widgets")
    assert _mailed(db, before.id) == []  # claimed: its reps answer on Outcry

    login(client, owner)
    page = client.get(f"/dashboard/{company.slug}/email")
    assert page.status_code == 200
    text = _main(page.text)
    assert "What it means" in text and "published at once" in text
    assert "Off: complaints reach you on Outcry only" in text
    assert "complaints@choice.example" in text  # the address that would be used

    saved = _save(client, company, {"answers_by_email": "on"})
    assert "now answers by email too" in saved
    db.refresh(company)
    assert company.answers_by_email
    (entry,) = db.exec(
        select(AuditEntry).where(AuditEntry.action == "company.answers_by_email")
    ).all()
    assert (entry.actor_id, entry.target_id, entry.detail) == (owner.id, company.id, "on")

    after = make_complaint(db, company_name="Choice Widgets")
    assert _mailed(db, after.id) == ["complaints@choice.example"]
    ticket = client.get(f"/complaints/{after.id}").text
    assert "chose to get each complaint and follow-up by email" in ticket

    queue = _main(client.get(f"/dashboard/{company.slug}").text)
    assert "also answers by email" in queue and "complaints@choice.example" in queue
    public = client.get(f"/companies/{company.slug}").text
    assert "answers complaints on Outcry and by email" in public

    # Saving the same choice again records nothing new.
    _save(client, company, {"answers_by_email": "on"})
    audited = select(AuditEntry).where(AuditEntry.action == "company.answers_by_email")
    assert len(db.exec(audited).all()) == 1


def test_switching_it_off_stops_the_mail_and_says_so(client, db: Session) -> None:
    company, owner, _agent = _claimed(db)
    company.answers_by_email = True
    db.add(company)
    db.flush()
    login(client, owner)
    assert "now answers on Outcry only" in _save(client, company, {})
    db.refresh(company)
    assert not company.answers_by_email
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "company.answers_by_email")).one()
    assert entry.detail == "off"
    complaint = make_complaint(db, company_name="Choice Widgets")
    assert _mailed(db, complaint.id) == []
    queue = _main(client.get(f"/dashboard/{company.slug}").text)
    assert "here only, not by email" in queue
    public = client.get(f"/companies/{company.slug}").text
    assert "answers complaints on Outcry." in public
    assert "and by email" not in public


def test_a_rep_who_is_not_an_owner_sees_the_channel_but_cannot_change_it(
    client, db: Session
) -> None:
    company, _owner, agent = _claimed(db)
    company.answers_by_email = True
    db.add(company)
    db.flush()
    login(client, agent)
    assert client.get(f"/dashboard/{company.slug}/email").status_code == 403
    refused = post_form(client, f"/dashboard/{company.slug}/email", {})
    assert refused.status_code == 403
    db.refresh(company)
    assert company.answers_by_email
    queue = _main(client.get(f"/dashboard/{company.slug}").text)
    assert "also answers by email" in queue
    assert f'href="/dashboard/{company.slug}/email"' not in queue


def test_the_page_says_when_nothing_can_be_mailed(client, db: Session) -> None:
    company, owner, _agent = _claimed(db)
    company.contact_email = None
    db.add(company)
    db.flush()
    login(client, owner)
    text = _save(client, company, {"answers_by_email": "on"})
    assert "Nothing is mailed until there is a complaints address" in text
    queue = _main(client.get(f"/dashboard/{company.slug}").text)
    assert "nothing is mailed yet: there is no complaints address" in queue
