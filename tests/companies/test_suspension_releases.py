"""Nobody owns a complaint they cannot act on, however they lost the right: a rep suspended by
moderation, or a company whose claim is suspended at re-verification, has their open complaints
returned to the unassigned queue (one path with removal), the owners mailed once with the list,
and the public page stops naming them."""

from sqlmodel import Session, select

from app.claims import reverify
from app.clock import utcnow
from app.complaints import company as company_side
from app.models.company import Company
from app.models.complaint import Complaint, TimelineEvent
from app.models.membership import Role
from app.models.user import User
from app.moderation import service as moderation
from tests.support.claims import LATER, make_verifier, verified_claim
from tests.support.factories import confirm_domain, make_complaint, make_rep, make_user
from tests.support.mail import queued_mails


def _held(db: Session, titles: tuple[str, ...]):
    held = [make_complaint(db, company_name="Maple Post", title=t) for t in titles]
    company = db.get(Company, held[0].company_id)
    return held, company


def _release_mails(db: Session) -> list[dict]:
    return [mail for mail in queued_mails(db) if "need a new owner" in mail["subject"]]


def test_a_suspended_reps_complaints_return_to_the_queue(db: Session, client) -> None:
    (first, second), company = _held(db, ("Parcel one lost", "Parcel two lost"))
    owner = db.get(User, make_rep(db, company, role=Role.OWNER, public_name="Olu Owner").user_id)
    rep = db.get(User, make_rep(db, company, public_name="Sam Suspended").user_id)
    for complaint in (first, second):
        company_side.reply(session=db, complaint=complaint, user=rep, body="On it.")
    db.commit()
    assert 'id="owner">Sam Suspended<' in client.get(f"/complaints/{first.id}").text

    moderator = make_user(db, is_admin=True)
    moderation.suspend(
        session=db, user=rep, reason="Abusive replies to consumers.", actor=moderator
    )
    db.commit()

    for complaint in (first, second):
        db.refresh(complaint)
        assert complaint.assignee_id is None
    [told] = _release_mails(db)  # once, with the list
    assert told["to"] == owner.email
    assert told["subject"] == "2 complaints need a new owner at Maple Post"
    assert "Sam Suspended's account is suspended." in told["text"]
    assert "Parcel one lost" in told["text"] and "Parcel two lost" in told["text"]
    public = client.get(f"/complaints/{first.id}").text
    assert 'id="owner"' not in public and "returned it to the team's queue" in public


def test_a_suspended_claim_returns_every_reps_complaints(db: Session, local_net) -> None:
    owner = make_user(db, email="owner@example.org")
    (first, second), company = _held(db, ("Parcel one lost", "Parcel two lost"))
    company.domain = "maple.test"
    confirm_domain(db, company)
    verified_claim(db, local_net, company, owner)
    agent = db.get(User, make_rep(db, company, public_name="Al Agent").user_id)
    company_side.reply(session=db, complaint=first, user=agent, body="Mine.")
    company_side.reply(session=db, complaint=second, user=owner, body="Mine too.")
    db.commit()

    local_net.dns.records["maple.test"]["TXT"] = []  # the proof disappears
    report = reverify.reverify_due(
        session=db, verifier=make_verifier(local_net), now=utcnow() + LATER
    )
    assert report.suspended == 1
    db.commit()

    assert db.exec(select(Complaint.assignee_id)).all() == [None, None]
    [told] = _release_mails(db)
    assert told["to"] == "owner@example.org"
    assert "claim is suspended" in told["text"] and "Parcel two lost" in told["text"]
    released = db.exec(select(TimelineEvent).where(TimelineEvent.detail == "released")).all()
    assert len(released) == 2 and all(e.actor_id is None for e in released)
