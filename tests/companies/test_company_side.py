"""The company-side services: assignment and hand-offs, signed replies, information requests,
internal notes, and the rep check they all share."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from app import events
from app.clock import utcnow
from app.companies import service as companies
from app.complaints import company as company_side
from app.complaints import reading
from app.complaints import service as complaints
from app.complaints.flags import flags
from app.complaints.states import TransitionError
from app.errors import Conflict, DomainError, Forbidden
from app.events import Assigned, Event, InfoRequested, MessageCreated, TurnChanged
from app.models.audit import AuditEntry
from app.models.company import Company
from app.models.complaint import (
    Complaint,
    ComplaintState,
    InternalNote,
    Message,
    ResolutionType,
    TimelineEvent,
)
from app.models.membership import Claim, ClaimStatus, CompanyMember, Role
from app.models.user import User
from tests.support.factories import make_complaint, make_rep, make_user


@dataclass
class Acme:
    company: Company
    owner: CompanyMember
    agent: CompanyMember
    complaint: Complaint

    def user(self, member: CompanyMember, db: Session) -> User:
        return db.get(User, member.user_id)


@pytest.fixture
def acme_staff(db: Session) -> Acme:
    company = companies.create(session=db, name="Acme", domain="acme.example")
    owner = make_rep(
        db, company, role=Role.OWNER, public_name="Dana Ortiz", job_title="Customer Relations Lead"
    )
    agent = make_rep(db, company, public_name="Sam Lee")
    complaint = make_complaint(db, company_name="Acme", private_reference="ACC-991")
    return Acme(company, owner, agent, complaint)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Event]]:
    """The events services emit, instead of the real listeners."""
    seen: list[Event] = []
    record = lambda _session, event: seen.append(event)  # noqa: E731
    monkeypatch.setattr(events, "_listeners", {kind: (record,) for kind in events.EVENTS})
    yield seen


def timeline(db: Session, complaint: Complaint) -> list[tuple[str, str]]:
    return [(e.kind, e.detail) for e, _m, _u in reading.timeline(session=db, complaint=complaint)]


def test_first_reply_signs_it_and_makes_the_rep_owner_without_a_handoff(db, acme_staff) -> None:
    dana = acme_staff.user(acme_staff.owner, db)
    company_side.reply(session=db, complaint=acme_staff.complaint, user=dana, body="We are on it.")
    message = db.exec(select(Message).where(Message.complaint_id == acme_staff.complaint.id)).one()
    assert message.signature == "Dana Ortiz, Customer Relations Lead"
    assert (message.info_request, message.templated) == (False, False)
    assert acme_staff.complaint.state is ComplaintState.ANSWERED
    assert acme_staff.complaint.assignee_id == dana.id
    assert acme_staff.complaint.handoff_count == 0
    assert timeline(db, acme_staff.complaint) == [
        ("filed", "against Acme"),
        ("answer", ""),
        ("assign", ""),
    ]
    # A second reply by another rep answers, but does not take the complaint away.
    sam = acme_staff.user(acme_staff.agent, db)
    company_side.reply(session=db, complaint=acme_staff.complaint, user=sam, body="Refund sent.")
    assert acme_staff.complaint.assignee_id == dana.id
    signatures = db.exec(
        select(Message.signature)
        .where(Message.complaint_id == acme_staff.complaint.id)
        .order_by(col(Message.id))
    ).all()
    assert signatures == ["Dana Ortiz, Customer Relations Lead", "Sam Lee"]


def test_reassigning_counts_handoffs_and_records_them(db, acme_staff, captured) -> None:
    dana, sam = acme_staff.user(acme_staff.owner, db), acme_staff.user(acme_staff.agent, db)
    c = acme_staff.complaint
    company_side.assign(session=db, complaint=c, user=sam, assignee_id=sam.id)  # "take it"
    assert (c.assignee_id, c.handoff_count) == (sam.id, 0)
    company_side.assign(session=db, complaint=c, user=sam, assignee_id=dana.id)
    assert (c.assignee_id, c.handoff_count) == (dana.id, 1)
    company_side.assign(session=db, complaint=c, user=dana, assignee_id=dana.id)  # no change
    assert c.handoff_count == 1
    company_side.assign(session=db, complaint=c, user=dana, assignee_id=sam.id)
    assert (c.assignee_id, c.handoff_count) == (sam.id, 2)

    assert [d for k, d in timeline(db, c) if k == "assign"] == ["", "handoff", "handoff"]
    assert [e for e in captured if isinstance(e, Assigned)] == [
        Assigned(complaint_id=c.id, actor_id=sam.id, assignee_id=sam.id),
        Assigned(
            complaint_id=c.id, actor_id=sam.id, assignee_id=dana.id, previous_assignee_id=sam.id
        ),
        Assigned(
            complaint_id=c.id, actor_id=dana.id, assignee_id=sam.id, previous_assignee_id=dana.id
        ),
    ]
    audit = db.exec(
        select(AuditEntry.detail)
        .where(AuditEntry.action == "complaint.assign", AuditEntry.target_id == c.id)
        .order_by(col(AuditEntry.id))
    ).all()
    assert audit == [
        f"user {sam.id}",
        f"user {sam.id} -> user {dana.id}",
        f"user {dana.id} -> user {sam.id}",
    ]


def test_only_active_reps_of_the_company_can_be_assigned(db, acme_staff) -> None:
    dana = acme_staff.user(acme_staff.owner, db)
    globex = companies.create(session=db, name="Globex")
    outsider = make_rep(db, globex)
    revoked = make_rep(db, acme_staff.company)
    revoked.revoked_at = utcnow()
    for assignee_id in (acme_staff.complaint.author_id, outsider.user_id, revoked.user_id, 999_999):
        with pytest.raises(DomainError, match="active representatives"):
            company_side.assign(
                session=db, complaint=acme_staff.complaint, user=dana, assignee_id=assignee_id
            )
    assert (acme_staff.complaint.assignee_id, acme_staff.complaint.handoff_count) == (None, 0)
    assert [k for k, _ in timeline(db, acme_staff.complaint)] == ["filed"]


def test_an_assignment_made_meanwhile_is_not_overwritten(db, acme_staff) -> None:
    """Two reps act on the page they loaded: the second is told, and nothing is counted twice."""
    dana, sam = acme_staff.user(acme_staff.owner, db), acme_staff.user(acme_staff.agent, db)
    db.execute(  # another request assigned it to Sam after this one loaded the complaint
        update(Complaint)
        .where(col(Complaint.id) == acme_staff.complaint.id)
        .values(assignee_id=sam.id)
        .execution_options(synchronize_session=False)
    )
    assert acme_staff.complaint.assignee_id is None  # the stale copy this request holds
    with pytest.raises(Conflict, match="just now"):
        company_side.assign(
            session=db, complaint=acme_staff.complaint, user=dana, assignee_id=dana.id
        )
    db.refresh(acme_staff.complaint)
    assert (acme_staff.complaint.assignee_id, acme_staff.complaint.handoff_count) == (sam.id, 0)


def test_info_request_waits_on_the_consumer_until_they_follow_up(db, acme_staff, captured) -> None:
    sam = acme_staff.user(acme_staff.agent, db)
    c = acme_staff.complaint
    company_side.reply(
        session=db, complaint=c, user=sam, body="Which card was charged?", info_request=True
    )
    asked = db.exec(select(Message).where(Message.complaint_id == c.id)).one()
    assert asked.info_request is True
    assert c.awaiting_consumer is True
    assert c.state is ComplaintState.ANSWERED  # an information request is a response
    assert [type(e) for e in captured if not isinstance(e, Assigned)] == [
        InfoRequested,
        TurnChanged,  # now the consumer's turn (app/complaints/turn.py)
        MessageCreated,
    ]
    # An ordinary reply does not stop the wait; the consumer's follow-up does.
    company_side.reply(session=db, complaint=c, user=sam, body="Also checking our logs.")
    assert c.awaiting_consumer is True
    author = db.get(User, c.author_id)
    complaints.follow_up(session=db, complaint=c, user=author, body="The Visa ending 4242.")
    assert c.awaiting_consumer is False


def test_resolving_is_signed_and_ends_the_wait(db, acme_staff) -> None:
    dana = acme_staff.user(acme_staff.owner, db)
    c = acme_staff.complaint
    company_side.reply(session=db, complaint=c, user=dana, body="Details?", info_request=True)
    company_side.resolve(
        session=db,
        complaint=c,
        user=dana,
        resolution_type=ResolutionType.MONETARY,
        body="Refunded 42 EUR.",
    )
    assert (c.state, c.resolution_type, c.awaiting_consumer) == (
        ComplaintState.RESOLVED,
        ResolutionType.MONETARY,
        False,
    )
    last = db.exec(
        select(Message).where(Message.complaint_id == c.id).order_by(col(Message.id).desc())
    ).first()
    assert (last.body, last.signature) == (
        "Refunded 42 EUR.",
        "Dana Ortiz, Customer Relations Lead",
    )


def test_internal_notes_leave_no_public_trace(db, acme_staff, captured) -> None:
    sam = acme_staff.user(acme_staff.agent, db)
    before = timeline(db, acme_staff.complaint)
    company_side.add_note(
        session=db, complaint=acme_staff.complaint, user=sam, body="Customer is VIP, escalate."
    )
    assert timeline(db, acme_staff.complaint) == before
    assert captured == []
    assert [n.body for n, _a in company_side.notes(session=db, complaint=acme_staff.complaint)] == [
        "Customer is VIP, escalate."
    ]


def _count(db: Session, model: type, complaint: Complaint) -> int:
    return db.exec(
        select(func.count()).select_from(model).where(model.complaint_id == complaint.id)
    ).one()


@pytest.mark.parametrize(
    "who", ["consumer", "author", "other_company_rep", "revoked", "unverified"]
)
def test_company_actions_refuse_everyone_but_active_reps(db, acme_staff, who: str) -> None:
    c = acme_staff.complaint
    if who == "consumer":
        user = make_user(db)
    elif who == "author":
        user = db.get(User, c.author_id)
    elif who == "other_company_rep":
        user = db.get(User, make_rep(db, companies.create(session=db, name="Globex")).user_id)
    elif who == "revoked":
        member = make_rep(db, acme_staff.company)
        member.revoked_at = utcnow()
        db.add(member)
        user = db.get(User, member.user_id)
    else:  # the company's claim is no longer verified: its reps lose access at once
        user = acme_staff.user(acme_staff.agent, db)
        claim = db.exec(select(Claim).where(Claim.company_id == acme_staff.company.id)).one()
        claim.status = ClaimStatus.SUSPENDED
        db.add(claim)
    db.flush()
    attempts = [
        lambda: company_side.reply(session=db, complaint=c, user=user, body="Hello"),
        lambda: company_side.reply(
            session=db, complaint=c, user=user, body="More?", info_request=True
        ),
        lambda: company_side.resolve(
            session=db, complaint=c, user=user, resolution_type=ResolutionType.EXPLANATION
        ),
        lambda: company_side.add_note(session=db, complaint=c, user=user, body="Note"),
        lambda: company_side.assign(session=db, complaint=c, user=user, assignee_id=user.id),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden):
            attempt()
    assert (c.state, c.assignee_id, c.awaiting_consumer) == (ComplaintState.OPEN, None, False)
    assert _count(db, Message, c) == 0
    assert _count(db, InternalNote, c) == 0
    assert _count(db, TimelineEvent, c) == 1


def test_replies_and_notes_need_text_within_limits(db, acme_staff) -> None:
    sam = acme_staff.user(acme_staff.agent, db)
    c = acme_staff.complaint
    with pytest.raises(Conflict, match="needs some text"):
        company_side.reply(session=db, complaint=c, user=sam, body="   \n ")
    with pytest.raises(DomainError, match="under 10,000"):
        company_side.reply(session=db, complaint=c, user=sam, body="x" * 10_001)
    with pytest.raises(Conflict, match="needs some text"):
        company_side.add_note(session=db, complaint=c, user=sam, body="")
    assert _count(db, Message, c) == 0
    assert c.assignee_id is None


def test_a_closed_complaint_takes_no_reply_and_no_owner(db, acme_staff) -> None:
    c = acme_staff.complaint
    sam = acme_staff.user(acme_staff.agent, db)
    complaints.withdraw(session=db, complaint=c, user=db.get(User, c.author_id))
    with pytest.raises(TransitionError):
        company_side.reply(session=db, complaint=c, user=sam, body="Hi")
    with pytest.raises(Conflict, match="closed"):
        company_side.assign(session=db, complaint=c, user=sam, assignee_id=sam.id)
    assert (c.assignee_id, c.handoff_count) == (None, 0)


def test_a_reps_reply_ends_the_overdue_clock(db, acme_staff) -> None:
    """An answer (or an information request) is the company's response (CFPB "timely response",
    docs/lifecycle.md): the complaint stops being overdue."""
    late = make_complaint(db, company_name="Acme", now=utcnow() - timedelta(days=20))
    assert flags(late).overdue
    company_side.reply(
        session=db,
        complaint=late,
        user=acme_staff.user(acme_staff.agent, db),
        body="Sorry.",
        info_request=True,
    )
    assert late.first_response_at is not None
    assert not flags(late).overdue
