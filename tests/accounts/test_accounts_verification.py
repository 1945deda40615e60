"""A complaint is published only once its author's email address is verified; the company hears
of it only then."""

import re
from datetime import timedelta

from sqlmodel import select

from app.accounts import verification
from app.clock import utcnow
from app.companies import service as companies
from app.complaints import gate
from app.models.complaint import Complaint, Visibility
from app.models.job import Job
from app.models.user import User
from tests.support.factories import (
    complaint_data,
    make_complaint,
    make_rep,
    make_user,
    run_queued_listeners,
)
from tests.support.forms import post_form
from tests.support.mail import queued_mails

FORM = {
    "company_pick": "",
    "company_name": "Northwind Telecom",
    "title": "Broadband down for three weeks",
    "category": "service_outage",
    "body": "My broadband has been down for three weeks and every engineer visit is cancelled.",
    "submission_key": "verify-1",
}


def _link(mail: dict, path: str) -> str:
    match = re.search(rf"(/account/{path}/[A-Za-z0-9_-]+)", mail["text"])
    assert match, mail["text"]
    return match.group(1)


def _sign_up(client, email: str = "new@example.org") -> None:
    response = post_form(
        client,
        "/signup",
        {"email": email, "display_name": "Maria K.", "password": "a quiet brown lake"},
    )
    assert response.status_code == 303, response.text
    # Not signed in until the link is used; the password works meanwhile.
    signed_in = post_form(client, "/login", {"email": email, "password": "a quiet brown lake"})
    assert signed_in.status_code == 303, signed_in.text


def test_signing_up_mails_a_verification_link_and_the_account_starts_unverified(client, db):
    _sign_up(client)
    user = db.exec(select(User).where(User.email == "new@example.org")).one()
    assert user.email_verified_at is None
    (mail,) = queued_mails(db, "new@example.org")
    assert mail["subject"] == "Confirm your email address for Outcry"
    assert "List-Unsubscribe" not in mail["headers"]  # transactional, asked for just now
    _link(mail, "verify")


def test_an_unverified_authors_complaint_waits_unseen_and_the_company_hears_nothing(
    client, other_client, db
):
    company = companies.create(session=db, name="Northwind Telecom", domain="northwind.example")
    rep = make_rep(db, company)
    db.commit()
    _sign_up(client)
    filed = post_form(client, "/complaints/new", {**FORM, "company_pick": company.slug})
    assert filed.status_code == 303
    complaint = db.exec(select(Complaint)).one()
    assert complaint.visibility == Visibility.PENDING
    assert complaint.visibility_reason == gate.VERIFY_REASON

    own = client.get(filed.headers["location"])
    assert "Verify your email to publish" in own.text
    assert "Broadband down for three weeks" in own.text  # the author reads their own

    # Nobody else sees it anywhere, and nothing went out about it.
    title = "Broadband down for three weeks"
    for path in (
        "/",
        "/search?q=Broadband",
        f"/companies/{company.slug}",
        "/feeds/complaints.atom",
        "/api/v1/complaints",
        f"/complaints/{complaint.id}",
    ):
        page = other_client.get(path)
        assert page.status_code < 500, path
        assert title not in page.text, path
        assert "engineer visit" not in page.text, path
    assert other_client.get(f"/api/v1/complaints/{complaint.id}").status_code == 404
    rep_user = db.get(User, rep.user_id)
    assert queued_mails(db, rep_user.email) == []
    assert db.exec(select(Job).where(Job.key == f"reminder:{complaint.id}")).first() is None


def test_verifying_publishes_the_waiting_complaints_and_only_then_tells_the_company(
    client, other_client, db
):
    company = companies.create(session=db, name="Northwind Telecom", domain="northwind.example")
    rep = make_rep(db, company)
    db.commit()
    _sign_up(client)
    post_form(client, "/complaints/new", {**FORM, "company_pick": company.slug})
    complaint = db.exec(select(Complaint)).one()
    link = _link(queued_mails(db, "new@example.org")[0], "verify")

    # Opening the link (as a mail scanner would) changes nothing; the button does.
    page = other_client.get(link)
    assert page.status_code == 200
    assert "Confirm my email address" in page.text
    db.refresh(complaint)
    assert complaint.visibility == Visibility.PENDING

    done = post_form(other_client, link, {})
    assert done.status_code == 303
    db.refresh(complaint)
    assert complaint.visibility == Visibility.PUBLIC
    assert complaint.visibility_reason == ""
    assert queued_mails(db, db.get(User, rep.user_id).email) == []  # the worker tells the company
    run_queued_listeners(db)
    rep_mail = queued_mails(db, db.get(User, rep.user_id).email, keys=True)
    assert [m["key"] for m in rep_mail] == [f"mail:new-complaint:{complaint.id}:{rep.user_id}"]
    assert "Broadband down for three weeks" in other_client.get("/").text
    assert other_client.get(f"/api/v1/complaints/{complaint.id}").status_code == 200

    # Single use.
    again = post_form(other_client, link, {}, page="/login")
    assert again.status_code == 410


def test_publication_starts_the_answer_clock(db):
    author = make_user(db, verified=False)
    filed_at = utcnow() - timedelta(days=3)
    complaint = make_complaint(db, author, now=filed_at)
    assert complaint.visibility == Visibility.PENDING
    verification.mark_verified(session=db, user=author)
    assert complaint.visibility == Visibility.PUBLIC
    assert complaint.created_at > filed_at + timedelta(days=2)


def test_a_held_complaint_stays_held_when_its_author_verifies(db):
    author = make_user(db, verified=False)
    complaint = make_complaint(db, author)
    complaint.visibility_reason = gate.HELD_REASON
    verification.mark_verified(session=db, user=author)
    assert complaint.visibility == Visibility.PENDING
    # A moderator releases it: then it publishes.
    assert gate.publish(session=db, complaint=complaint) is True
    assert complaint.visibility == Visibility.PUBLIC


def test_releasing_a_held_complaint_of_an_unverified_author_waits_for_verification(db):
    author = make_user(db, verified=False)
    complaint = make_complaint(db, author)
    complaint.visibility_reason = gate.HELD_REASON
    assert gate.publish(session=db, complaint=complaint) is False
    assert complaint.visibility_reason == gate.VERIFY_REASON
    verification.mark_verified(session=db, user=author)
    assert complaint.visibility == Visibility.PUBLIC


def test_a_moderated_complaint_is_not_republished_by_verification(db):
    author = make_user(db, verified=False)
    complaint = make_complaint(db, author)
    complaint.visibility, complaint.visibility_reason = Visibility.HIDDEN, "Defamatory"
    verification.mark_verified(session=db, user=author)
    assert complaint.visibility == Visibility.HIDDEN


def test_expired_and_unknown_links_are_refused(client, db):
    user = make_user(db, verified=False)
    verification.send_verification(session=db, user=user, now=utcnow() - timedelta(hours=49))
    db.commit()
    expired = _link(queued_mails(db, user.email)[0], "verify")
    assert client.get(expired).status_code == 410
    assert post_form(client, expired, {}, page="/login").status_code == 410
    assert client.get("/account/verify/not-a-token").status_code == 404
    db.refresh(user)
    assert user.email_verified_at is None


def test_a_new_link_replaces_the_old_and_resending_is_limited(client, db, monkeypatch):
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "rate_limits", {"verify_resend_user": "1/hour"})
    _sign_up(client)
    first = _link(queued_mails(db, "new@example.org")[0], "verify")
    page = client.get("/me/account")
    assert "not confirmed yet" in page.text
    assert post_form(client, "/me/account/verify", {}, page="/me/account").status_code == 303
    assert len(queued_mails(db, "new@example.org")) == 2
    assert client.get(first).status_code == 410  # retired by the new one
    refused = post_form(client, "/me/account/verify", {}, page="/me/account")
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert len(queued_mails(db, "new@example.org")) == 2


def test_operator_made_and_factory_users_are_verified(db):
    assert make_user(db).email_verified_at is not None
    complaint = make_complaint(db)
    assert complaint.visibility == Visibility.PUBLIC
    unverified = make_user(db, verified=False)
    from app.complaints import service as complaints

    pending = complaints.file(session=db, author=unverified, data=complaint_data())
    assert pending.visibility == Visibility.PENDING


def test_the_company_side_does_not_see_a_waiting_complaint(client, db):
    from app.complaints import service as complaints
    from app.dashboard import service as dashboard
    from app.integrations import tokens, webhooks
    from app.models.company import Company
    from app.models.membership import Role

    author = make_user(db, verified=False)
    waiting = make_complaint(db, author, company_name="Acme Telecom")
    company = db.get(Company, waiting.company_id)
    owner = make_rep(db, company, role=Role.OWNER)
    owner_user = db.get(User, owner.user_id)
    _, raw = tokens.create(session=db, company=company, owner=owner_user, name="Zendesk")
    webhooks.create(
        session=db,
        company=company,
        owner=owner_user,
        url="http://127.0.0.1:9/hook",
        events=list(webhooks.EVENTS),
    )
    # The author adds to it before verifying: nothing about it leaves the platform.
    complaints.follow_up(session=db, complaint=waiting, user=author, body="Still down today.")
    db.commit()
    assert db.exec(select(Job).where(Job.kind != "mail")).all() == []
    assert queued_mails(db, owner_user.email) == []

    queue = dashboard.page(
        session=db, company=company, user=owner_user, queue=dashboard.Queue.UNASSIGNED
    )
    assert [row[0].id for row in queue] == []
    bearer = {"Authorization": f"Bearer {raw}"}
    listed = client.get("/api/v1/company/complaints", headers=bearer).json()
    assert listed["total"] == 0
    one = client.get(f"/api/v1/company/complaints/{waiting.id}", headers=bearer)
    assert one.status_code == 404

    verification.mark_verified(session=db, user=author)
    db.commit()
    assert client.get("/api/v1/company/complaints", headers=bearer).json()["total"] == 1
    # Published: now the company's webhook hears of it.
    assert db.exec(select(Job).where(Job.kind != "mail")).all() != []
