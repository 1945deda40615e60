"""The s.5 procedure, time driven forward by hand: forward, answer, deadline, removal."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.clock import as_utc
from app.complaints import company as company_side
from app.complaints.visibility import content_visible, is_tombstone
from app.errors import Conflict, NotFound
from app.jobs.worker import drain
from app.models.company import Company
from app.models.complaint import Complaint, Message, Visibility
from app.models.moderation import ModerationAction
from app.models.takedown import NoticeStatus, TakedownNotice
from app.models.user import User
from app.moderation import service as moderation
from app.takedown import notices, procedure
from tests.support.factories import make_complaint, make_rep, make_user
from tests.support.takedown_helpers import T0, event_times, file_notice, kinds, takedown_mails

# The poster's deadline when forwarded on Monday 23 Nov: the end of Saturday 28 Nov (GMT).
DEADLINE = datetime(2026, 11, 29, 0, tzinfo=UTC)


@pytest.fixture
def complaint(db: Session) -> Complaint:
    author = make_user(db, email="poster@example.org", name="Pat Poster")
    return make_complaint(db, author, now=T0 - timedelta(days=3))


def forwarded(db: Session, complaint: Complaint, **overrides) -> TakedownNotice:
    notice, _token = file_notice(db, complaint, **overrides)
    procedure.tick(session=db, now=T0 + timedelta(minutes=1))
    assert notice.status is NoticeStatus.FORWARDED
    return notice


def keep(db: Session, notice: TakedownNotice, *, consent: bool, now: datetime) -> None:
    data = notices.AnswerIn(
        keep=True, full_name="Patricia Poster", address="1 High Street, Leeds LS1 1AA",
        consent=consent,
    )  # fmt: skip
    notices.answer(session=db, notice=notice, data=data, now=now)


def test_happy_path_forwarded_kept_and_the_complainant_told(
    db: Session, complaint: Complaint
) -> None:
    notice, _token = file_notice(db, complaint)
    assert notice.status is NoticeStatus.RECEIVED
    assert as_utc(notice.forward_due_at) == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert [m["subject"] for m in takedown_mails(db)] == [
        f"We received your notice about complaint #{complaint.id}"
    ]

    at = T0 + timedelta(minutes=5)
    assert procedure.tick(session=db, now=at) == 1
    assert notice.status is NoticeStatus.FORWARDED
    assert as_utc(notice.answer_due_at) == DEADLINE
    to_poster = takedown_mails(db, "poster@example.org")
    assert len(to_poster) == 1
    assert "Northwind steals from its customers on purpose." in to_poster[0]["text"]
    assert "Saturday 28 November 2026" in to_poster[0]["text"]
    assert f"/takedown/{notice.id}/answer" in to_poster[0]["text"]
    told = takedown_mails(db, "legal@northwind.example")
    assert [m["subject"] for m in told][-1].endswith("was sent to its author")

    keep(db, notice, consent=True, now=T0 + timedelta(days=2))
    assert notice.status is NoticeStatus.OBJECTED
    # The complainant is told within 48 business hours: by Friday 27 Nov 10:00.
    assert as_utc(notice.action_due_at) == datetime(2026, 11, 27, 10, tzinfo=UTC)
    assert procedure.tick(session=db, now=T0 + timedelta(days=2, minutes=1)) == 1
    assert notice.status is NoticeStatus.KEPT
    objection = takedown_mails(db, "legal@northwind.example")[-1]
    assert "Patricia Poster" in objection["text"]
    assert "1 High Street, Leeds LS1 1AA" in objection["text"]
    assert kinds(db, notice) == [
        "received",
        "forwarded",
        "complainant_told_forwarded",
        "objected",
        "complainant_told_objection",
    ]
    times = event_times(db, notice)
    assert times["received"] == T0
    assert times["forwarded"] == at
    assert times["objected"] == T0 + timedelta(days=2)
    assert content_visible(complaint, None)  # the complaint stays up


def test_an_objection_without_consent_keeps_the_posters_details_private(
    db: Session, complaint: Complaint
) -> None:
    notice = forwarded(db, complaint)
    keep(db, notice, consent=False, now=T0 + timedelta(days=1))
    procedure.tick(session=db, now=T0 + timedelta(days=1, minutes=1))
    objection = takedown_mails(db, "legal@northwind.example")[-1]
    assert "objects to your notice" in objection["subject"]
    assert "Patricia" not in objection["text"]
    assert "High Street" not in objection["text"]


def test_the_poster_sees_the_complainant_only_with_their_consent(
    db: Session, complaint: Complaint
) -> None:
    anonymous = forwarded(db, complaint)
    text = takedown_mails(db, "poster@example.org")[-1]["text"]
    assert "legal@northwind.example" not in text
    assert "Northwind Telecom Ltd" not in text
    assert "did not agree to give you their name" in text

    named = forwarded(db, complaint, consent_to_poster=True, statement="Another statement here.")
    text = takedown_mails(db, "poster@example.org")[-1]["text"]
    assert "Northwind Telecom Ltd <legal@northwind.example>" in text
    assert anonymous.id != named.id


def test_no_answer_by_the_deadline_removes_the_complaint(db: Session, complaint: Complaint) -> None:
    notice = forwarded(db, complaint)
    assert procedure.tick(session=db, now=DEADLINE - timedelta(seconds=1)) == 0
    assert content_visible(complaint, None)
    assert procedure.tick(session=db, now=DEADLINE) == 1
    db.refresh(complaint)
    assert notice.status is NoticeStatus.REMOVED
    assert notice.removal_reason == "no_answer"
    assert is_tombstone(complaint)
    assert "did not answer in time" in complaint.visibility_reason
    assert kinds(db, notice)[-2:] == ["deadline_passed", "removed"]
    assert (
        "did not answer your notice in time"
        in takedown_mails(db, "legal@northwind.example")[-1]["text"]
    )
    # The poster's statement of reasons comes from the moderation service, one action, no actor.
    (action,) = db.exec(
        select(ModerationAction).where(ModerationAction.complaint_id == complaint.id)
    ).all()
    assert action.actor_id is None and action.kind == "remove"


def test_the_poster_agreeing_removes_it_at_the_next_tick(db: Session, complaint: Complaint) -> None:
    notice = forwarded(db, complaint)
    notices.answer(
        session=db, notice=notice, data=notices.AnswerIn(keep=False), now=T0 + timedelta(hours=3)
    )
    assert notice.status is NoticeStatus.AGREED
    assert content_visible(complaint, None)  # not yet: the worker does it
    procedure.tick(session=db, now=T0 + timedelta(hours=3, minutes=15))
    db.refresh(complaint)
    assert is_tombstone(complaint)
    assert notice.removal_reason == "agreed"
    assert kinds(db, notice)[-2:] == ["agreed", "removed"]


@pytest.mark.parametrize("why", ["suspended", "no email"])
def test_an_unreachable_poster_means_removal_instead_of_forwarding(
    db: Session, complaint: Complaint, why: str
) -> None:
    author = complaint.author_id
    poster = db.get(User, author)
    if why == "suspended":
        poster.suspended_at = T0 - timedelta(days=1)
    else:
        poster.email = ""
    db.add(poster)
    notice, _ = file_notice(db, complaint)
    procedure.tick(session=db, now=T0 + timedelta(minutes=1))
    db.refresh(complaint)
    assert notice.status is NoticeStatus.REMOVED
    assert notice.removal_reason == "unreachable"
    assert notice.forwarded_at is None
    assert is_tombstone(complaint)
    assert kinds(db, notice) == ["received", "removed"]
    assert "could not reach" in takedown_mails(db, "legal@northwind.example")[-1]["text"]


def test_ticks_are_idempotent(db: Session, complaint: Complaint) -> None:
    notice, _ = file_notice(db, complaint)
    at = T0 + timedelta(minutes=1)
    assert procedure.tick(session=db, now=at) == 1
    before = (len(takedown_mails(db)), kinds(db, notice))
    assert procedure.tick(session=db, now=at) == 0
    assert procedure.tick(session=db, now=at + timedelta(hours=1)) == 0
    procedure.process(session=db, notice=notice, now=at)  # its own job, arriving late
    assert (len(takedown_mails(db)), kinds(db, notice)) == before

    procedure.tick(session=db, now=DEADLINE)
    after = (len(takedown_mails(db)), kinds(db, notice))
    assert procedure.tick(session=db, now=DEADLINE + timedelta(days=1)) == 0
    assert (len(takedown_mails(db)), kinds(db, notice)) == after


def test_deadlines_across_christmas_and_new_year(db: Session) -> None:
    complaint = make_complaint(db, now=datetime(2026, 12, 1, tzinfo=UTC))
    # Received Thursday 24 Dec, noon: forward owed by Wed 30 Dec noon (12 h Thursday, Christmas
    # Day, the weekend and Boxing Day observed skipped, 24 h Tuesday, 12 h Wednesday).
    received = datetime(2026, 12, 24, 12, tzinfo=UTC)
    notice, _ = file_notice(db, complaint, now=received)
    assert as_utc(notice.forward_due_at) == datetime(2026, 12, 30, 12, tzinfo=UTC)
    # Forwarded on Thu 24 Dec at 12:30: the answer is due at the end of Tue 29 Dec (calendar days).
    procedure.tick(session=db, now=received + timedelta(minutes=30))
    assert as_utc(notice.answer_due_at) == datetime(2026, 12, 30, 0, tzinfo=UTC)
    # The poster agrees on Tue 29 Dec, 16:00: removal owed 48 business hours later: 8 h Tuesday,
    # 24 h Wednesday, 16 h Thursday 31 Dec.
    notices.answer(
        session=db,
        notice=notice,
        data=notices.AnswerIn(keep=False),
        now=datetime(2026, 12, 29, 16, tzinfo=UTC),
    )
    assert as_utc(notice.action_due_at) == datetime(2026, 12, 31, 16, tzinfo=UTC)


def test_a_late_or_second_answer_is_refused(db: Session, complaint: Complaint) -> None:
    notice = forwarded(db, complaint)
    with pytest.raises(Conflict):
        keep(db, notice, consent=False, now=DEADLINE)
    keep(db, notice, consent=False, now=DEADLINE - timedelta(hours=1))
    with pytest.raises(Conflict):
        notices.answer(
            session=db,
            notice=notice,
            data=notices.AnswerIn(keep=False),
            now=DEADLINE - timedelta(minutes=1),
        )
    assert notice.status is NoticeStatus.OBJECTED


def test_an_objection_needs_a_name_and_address(db: Session, complaint: Complaint) -> None:
    notice = forwarded(db, complaint)
    with pytest.raises(notices.AnswerInputError):
        notices.answer(
            session=db,
            notice=notice,
            data=notices.AnswerIn(keep=True, full_name="Pat", address=""),
            now=T0 + timedelta(hours=1),
        )
    assert notice.status is NoticeStatus.FORWARDED


def test_a_notice_about_an_unpublished_complaint_is_not_taken(
    db: Session, complaint: Complaint
) -> None:

    moderation.set_visibility(
        session=db, complaint=complaint, visibility=Visibility.REMOVED, reason="Spam.", actor=None
    )
    with pytest.raises(NotFound):
        notices.notice_target(session=db, complaint_id=complaint.id)


def test_the_worker_runs_the_forwarding_job(db: Session, complaint: Complaint) -> None:
    notice, _ = file_notice(db, complaint, now=datetime.now(UTC))
    db.commit()
    assert asyncio.run(drain(engine=db.get_bind(), kinds=[notices.PROCESS])) == 1
    db.expire_all()
    assert db.get(TakedownNotice, notice.id).status is NoticeStatus.FORWARDED


def test_a_notice_about_a_reply_goes_to_its_rep_and_removes_only_that_message(
    db: Session, complaint: Complaint
) -> None:
    company = db.get(Company, complaint.company_id)
    rep = make_user(db, email="rep@northwind.example")
    make_rep(db, company, user=rep)
    company_side.reply(
        session=db, complaint=complaint, user=rep, body="The author is lying about us.", now=T0
    )
    (message,) = db.exec(select(Message).where(Message.complaint_id == complaint.id)).all()
    notice, _ = file_notice(db, complaint, message_id=message.id, now=T0 + timedelta(hours=1))
    assert notice.poster_id == rep.id
    procedure.tick(session=db, now=T0 + timedelta(hours=2))
    assert len(takedown_mails(db, "rep@northwind.example")) == 1
    assert takedown_mails(db, "poster@example.org") == []

    procedure.tick(session=db, now=DEADLINE)
    db.refresh(complaint)
    assert notice.removal_reason == "no_answer"
    assert not is_tombstone(complaint)  # the complaint stays; the message is gone
    assert moderation.hidden_messages(session=db, complaint_id=complaint.id)[message.id]
