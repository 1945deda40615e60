"""Defects noted earlier and left open: each has its test here."""

from datetime import timedelta

from sqlmodel import Session, select

from app.claims import decisions
from app.clock import utcnow
from app.companies import invitations, members, team
from app.companies import service as companies
from app.complaints import company as company_side
from app.models.complaint import Message, Visibility
from app.models.membership import Claim, ClaimMethod, ClaimStatus, Invitation, Role
from app.models.moderation import ModerationAction
from app.models.takedown import NoticeStatus
from app.models.user import User
from app.moderation import service as moderation
from app.takedown import procedure
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.takedown_helpers import T0, file_notice


def _company(db: Session):
    return companies.create(session=db, name="Northwind Telecom", domain="northwind.example")


def test_admins_read_a_company_dashboard_without_acting_or_private_details(client, db):
    company = _company(db)
    rep = make_rep(db, company, role=Role.OWNER)
    complaint = make_complaint(db, company_name=company.name, private_reference="ACCT-SECRET-42")
    company_side.add_note(
        session=db, complaint=complaint, user=db.get(User, rep.user_id), body="Internal only"
    )
    login(client, make_user(db, is_admin=True))
    db.commit()

    queue = client.get(f"/dashboard/{company.slug}")
    page = client.get(f"/dashboard/{company.slug}/complaints/{complaint.id}")

    assert queue.status_code == 200 and 'id="read-only"' in queue.text
    assert page.status_code == 200 and 'id="read-only"' in page.text
    assert "ACCT-SECRET-42" not in page.text
    assert "Internal only" not in page.text
    assert "/reply" not in page.text and "/assign" not in page.text and "/note" not in page.text


def test_reps_do_not_see_a_message_a_moderator_hid(client, db):
    company = _company(db)
    rep = make_rep(db, company)
    author = make_user(db)
    complaint = make_complaint(db, author, company_name=company.name)
    from app.complaints import service as complaints

    complaints.follow_up(
        session=db, complaint=complaint, user=author, body="Abusive words about a named person"
    )
    message = db.exec(select(Message).where(Message.complaint_id == complaint.id)).all()[-1]
    moderation.set_message_visibility(
        session=db,
        message=message,
        visibility=Visibility.HIDDEN,
        reason="Personal attack",
        actor=make_user(db, is_admin=True),
    )
    login(client, db.get(User, rep.user_id))
    db.commit()

    page = client.get(f"/dashboard/{company.slug}/complaints/{complaint.id}").text

    assert "Abusive words" not in page
    assert "hidden by a moderator: Personal attack" in page


def test_a_takedown_of_content_a_moderator_removed_sends_no_second_statement(db):
    author = make_user(db, email="poster@example.org", name="Pat Poster")
    complaint = make_complaint(db, author, now=T0 - timedelta(days=3))
    notice, _token = file_notice(db, complaint)
    procedure.tick(session=db, now=T0 + timedelta(minutes=1))
    assert notice.status is NoticeStatus.FORWARDED
    moderation.set_visibility(
        session=db,
        complaint=complaint,
        visibility=Visibility.REMOVED,
        reason="Removed by a moderator for abuse",
        actor=make_user(db, is_admin=True),
    )

    procedure.tick(session=db, now=T0 + timedelta(days=10))

    db.refresh(notice)
    assert notice.status is NoticeStatus.REMOVED
    actions = db.exec(
        select(ModerationAction).where(ModerationAction.complaint_id == complaint.id)
    ).all()
    assert len(actions) == 1  # one decision, one statement of reasons


def test_removing_an_owner_cancels_the_invitations_they_sent(client, db):
    company = _company(db)
    keeper = make_rep(db, company, role=Role.OWNER)
    leaver = make_rep(db, company, role=Role.OWNER)
    leaver_user = db.get(User, leaver.user_id)
    invitations.invite(
        session=db, company=company, actor=leaver_user, email="new@northwind.example",
        role=Role.AGENT,
    )  # fmt: skip
    team.revoke(
        session=db, company_id=company.id, actor=db.get(User, keeper.user_id),
        member_id=leaver.id,
    )  # fmt: skip

    invitation = db.exec(select(Invitation).where(Invitation.company_id == company.id)).one()
    assert invitation.revoked_at is not None
    assert invitations.closed_reason(invitation) is not None


def test_a_new_claimant_does_not_bring_back_a_suspended_claims_team(db):
    company = _company(db)
    old_rep = make_rep(db, company, role=Role.OWNER)
    old_claim = db.exec(select(Claim).where(Claim.company_id == company.id)).one()
    old_claim.status = ClaimStatus.SUSPENDED
    db.add(old_claim)
    db.flush()
    old_user = db.get(User, old_rep.user_id)
    assert members.membership(session=db, company_id=company.id, user=old_user) is None

    newcomer = make_user(db, email="it@northwind.example")
    claim = Claim(
        company_id=company.id, user_id=newcomer.id, domain="northwind.example",
        method=ClaimMethod.EMAIL, status=ClaimStatus.PENDING, token="new-claim",
        expires_at=utcnow() + timedelta(days=7),
    )  # fmt: skip
    db.add(claim)
    db.flush()
    admin = make_user(db, is_admin=True)
    decisions.approve(session=db, claim=claim, admin=admin, note="Checked by phone")

    assert members.membership(session=db, company_id=company.id, user=newcomer) is not None
    assert members.membership(session=db, company_id=company.id, user=old_user) is None
    db.refresh(old_claim)
    assert old_claim.status is ClaimStatus.REJECTED
