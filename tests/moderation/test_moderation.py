"""Moderation services: each action changes what it should, is recorded in both logs, closes the
reports it answers, tells the people concerned, and withdraws social posts on a takedown."""

import pytest
from sqlmodel import Session, col, select

from app import events
from app.accounts import service as accounts
from app.broadcast import delivery, schedule
from app.broadcast.fake import FakeAdapter
from app.clock import utcnow
from app.complaints import cosigns, gate, visibility
from app.complaints import service as complaints
from app.errors import Conflict, Forbidden
from app.events import ComplaintCreated
from app.models.audit import AuditEntry
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.complaint import Message, Visibility
from app.models.job import Job
from app.models.moderation import (
    ActionKind,
    ModerationAction,
    ModerationEdit,
    Report,
    ReportReason,
    ReportStatus,
)
from app.models.user import UserSession
from app.moderation import edits, reports, statements
from app.moderation import service as moderation
from app.moderation.log import public_log
from tests.support.broadcast import T0, day, run_due
from tests.support.factories import make_complaint, make_user, run_queued_listeners
from tests.support.mail import queued_mails


@pytest.fixture
def mod(db: Session):
    user = make_user(db, name="Mo Derator")
    user.is_moderator = True
    db.add(user)
    db.flush()
    return user


def _report(db: Session, complaint, reporter=None, **kw) -> Report:
    return reports.file_report(
        session=db,
        complaint=complaint,
        reason=kw.pop("reason", ReportReason.PERSONAL_DATA),
        detail=kw.pop("detail", "It names my neighbour."),
        reporter=reporter,
        **kw,
    )


def test_hiding_records_closes_reports_and_tells_author_and_reporters(db: Session, mod) -> None:
    author = make_user(db, email="author@example.org")
    complaint = make_complaint(db, author)
    reporter = make_user(db, email="reporter@example.org")
    first = _report(db, complaint, reporter)
    second = _report(db, complaint, None, email="Anon@Example.org")

    action = moderation.set_visibility(
        session=db,
        complaint=complaint,
        visibility=Visibility.HIDDEN,
        reason="Names a private person",
        actor=mod,
    )

    assert complaint.visibility == Visibility.HIDDEN
    assert complaint.visibility_reason == "Names a private person"
    assert action is not None
    assert (action.kind, action.actor_id, action.before, action.after) == (
        ActionKind.HIDE,
        mod.id,
        "public",
        "hidden",
    )
    assert action.company_id == complaint.company_id
    audit = db.exec(select(AuditEntry).where(AuditEntry.action == "moderation.hide")).one()
    assert (audit.actor_id, audit.target_type, audit.target_id) == (
        mod.id,
        "complaint",
        complaint.id,
    )
    assert "public -> hidden" in audit.detail
    for report in (first, second):
        db.refresh(report)
        assert report.status == ReportStatus.ACTIONED
        assert report.action_id == action.id
    statement = queued_mails(db, "author@example.org")
    assert len(statement) == 1
    assert "Names a private person" in statement[0]["text"]
    assert f"Your complaint #{complaint.id} is hidden" in statement[0]["text"]
    assert "List-Unsubscribe" not in statement[0]["headers"]  # a legal notice, not a newsletter
    assert len(queued_mails(db, "reporter@example.org")) == 1
    assert len(queued_mails(db, "anon@example.org")) == 1
    assert statements.for_user(session=db, user_id=author.id)[0][0].id == action.id


def test_a_reason_is_required_to_take_down_and_nothing_changes_without_one(
    db: Session, mod
) -> None:
    complaint = make_complaint(db)
    with pytest.raises(Conflict):
        moderation.set_visibility(
            session=db, complaint=complaint, visibility=Visibility.REMOVED, reason="  ", actor=mod
        )
    assert complaint.visibility == Visibility.PUBLIC


def test_the_same_decision_twice_records_nothing_new(db: Session, mod) -> None:
    complaint = make_complaint(db)
    kw = {"session": db, "complaint": complaint, "visibility": Visibility.REMOVED, "actor": mod}
    assert moderation.set_visibility(reason="Spam", **kw) is not None
    assert moderation.set_visibility(reason="Spam", **kw) is None  # the takedown may repeat it
    assert len(db.exec(select(ModerationAction)).all()) == 1


def _broadcast(db: Session, complaint, status: BroadcastStatus, event: str) -> Broadcast:
    row = Broadcast(
        complaint_id=complaint.id,
        event=event,
        network="dryrun",
        days_open=7,
        text="post",
        link="http://testserver/x",
        status=status,
        remote_id=f"remote-{event}",
        created_at=utcnow(),
    )
    db.add(row)
    db.flush()
    return row


@pytest.mark.parametrize("grade", [Visibility.HIDDEN, Visibility.REMOVED])
def test_a_takedown_withdraws_posted_and_cancels_queued_posts(db: Session, mod, grade) -> None:
    complaint = make_complaint(db, broadcast_opt_in=True)
    posted = _broadcast(db, complaint, BroadcastStatus.POSTED, "milestone:7")
    waiting = _broadcast(db, complaint, BroadcastStatus.QUEUED, "milestone:14")

    moderation.set_visibility(
        session=db, complaint=complaint, visibility=grade, reason="Defamatory", actor=mod
    )

    deletes = db.exec(select(Job).where(Job.kind == delivery.DELETE_KIND)).all()
    assert [j.payload["broadcast_id"] for j in deletes] == [posted.id]
    db.refresh(waiting)
    assert waiting.status == BroadcastStatus.SKIPPED


def test_restoring_does_not_post_again(db: Session, mod) -> None:
    complaint = make_complaint(db, broadcast_opt_in=True)
    _broadcast(db, complaint, BroadcastStatus.POSTED, "milestone:7")
    moderation.set_visibility(
        session=db, complaint=complaint, visibility=Visibility.HIDDEN, reason="Check", actor=mod
    )
    jobs_before = len(db.exec(select(Job)).all())
    action = moderation.set_visibility(
        session=db, complaint=complaint, visibility=Visibility.PUBLIC, reason="", actor=mod
    )
    assert action is not None and action.kind == ActionKind.RESTORE
    assert complaint.visibility == Visibility.PUBLIC and complaint.visibility_reason == ""
    new_jobs = db.exec(select(Job).order_by(col(Job.id))).all()[jobs_before:]
    assert [j.kind for j in new_jobs] == ["mail"]  # the statement, and no post


def test_the_scheduler_never_queues_a_post_for_an_unlisted_complaint(db: Session, mod) -> None:
    complaint = make_complaint(db, broadcast_opt_in=True)
    moderation.set_visibility(
        session=db, complaint=complaint, visibility=Visibility.UNLISTED, reason="Check", actor=mod
    )
    assert schedule.queue(session=db, complaint=complaint, event="milestone:7", days=7) == []
    assert db.exec(select(Broadcast)).all() == []


def test_a_locked_thread_refuses_messages_and_cosigns_until_unlocked(db: Session, mod) -> None:
    author = make_user(db)
    complaint = make_complaint(db, author)
    other = make_user(db)
    moderation.set_locked(session=db, complaint=complaint, locked=True, reason="Heated", actor=mod)
    with pytest.raises(Conflict, match="locked"):
        complaints.follow_up(session=db, complaint=complaint, user=author, body="Any news?")
    with pytest.raises(Conflict, match="locked"):
        cosigns.cosign(session=db, complaint=complaint, user=other)
    assert db.exec(select(Message)).all() == []
    moderation.set_locked(session=db, complaint=complaint, locked=False, reason="", actor=mod)
    complaints.follow_up(session=db, complaint=complaint, user=author, body="Any news?")
    assert cosigns.cosign(session=db, complaint=complaint, user=other) is True


def test_hiding_a_message_hides_it_from_feeds_and_closes_only_its_reports(db: Session, mod) -> None:
    author = make_user(db, email="msg-author@example.org")
    complaint = make_complaint(db, author)
    message = complaints.follow_up(
        session=db, complaint=complaint, user=author, body="My neighbour John Smith at no. 4"
    )
    about_message = _report(db, complaint, make_user(db), message=message)
    about_complaint = _report(db, complaint, make_user(db), reason=ReportReason.SPAM)

    action = moderation.set_message_visibility(
        session=db, message=message, visibility=Visibility.HIDDEN, reason="A name", actor=mod
    )

    assert action.kind == ActionKind.HIDE_MESSAGE and action.subject_user_id == author.id
    shown = db.exec(
        select(Message.id).where(Message.complaint_id == complaint.id, visibility.message_listed())
    ).all()
    assert message.id not in shown
    db.refresh(about_message)
    db.refresh(about_complaint)
    assert (about_message.status, about_complaint.status) == (
        ReportStatus.ACTIONED,
        ReportStatus.OPEN,
    )
    moderation.set_message_visibility(
        session=db, message=message, visibility=Visibility.PUBLIC, reason="", actor=mod
    )
    assert moderation.hidden_messages(session=db, complaint_id=complaint.id) == {}


def test_suspending_ends_sessions_and_refuses_reports(db: Session, mod) -> None:
    user = make_user(db, email="rude@example.org")
    accounts.start_session(session=db, user=user)
    moderation.suspend(session=db, user=user, reason="Threats to staff", actor=mod)
    assert user.suspended_at is not None and user.suspension_reason == "Threats to staff"
    assert db.exec(select(UserSession).where(UserSession.user_id == user.id)).all() == []
    assert "Threats to staff" in queued_mails(db, "rude@example.org")[0]["text"]
    with pytest.raises(Forbidden):
        _report(db, make_complaint(db), user)
    moderation.unsuspend(session=db, user=user, reason="Apologised", actor=mod)
    assert user.suspended_at is None


def test_moderators_cannot_suspend_themselves_or_each_other(db: Session, mod) -> None:
    with pytest.raises(Forbidden):
        moderation.suspend(session=db, user=mod, reason="x", actor=mod)
    other = make_user(db)
    other.is_moderator = True
    with pytest.raises(Forbidden):
        moderation.suspend(session=db, user=other, reason="x", actor=mod)


def test_dismissing_closes_reports_without_changing_anything(db: Session, mod) -> None:
    complaint = make_complaint(db)
    report = _report(db, complaint, None, email="watcher@example.org", detail="I dislike it")
    moderation.dismiss(session=db, complaint=complaint, reason="Fair comment", actor=mod)
    db.refresh(report)
    assert report.status == ReportStatus.DISMISSED
    assert complaint.visibility == Visibility.PUBLIC
    assert "leave the content as it is" in queued_mails(db, "watcher@example.org")[0]["text"]
    with pytest.raises(Conflict):  # nothing left to dismiss
        moderation.dismiss(session=db, complaint=complaint, reason="", actor=mod)


def test_anonymous_reports_need_an_explanation(db: Session) -> None:
    complaint = make_complaint(db)
    with pytest.raises(Conflict):
        _report(db, complaint, None, detail=" ")
    signed_in = _report(db, complaint, make_user(db), detail="")  # a reason alone will do
    assert signed_in.reporter_email is None


def test_the_queue_groups_reports_by_target_oldest_first(db: Session) -> None:
    older = make_complaint(db, title="The older complaint")
    newer = make_complaint(db, title="The newer complaint")
    _report(db, older, None)
    for _ in range(2):
        _report(db, newer, make_user(db), reason=ReportReason.SPAM)
    _report(db, older, make_user(db), reason=ReportReason.ABUSIVE)
    groups, total = reports.open_groups(session=db)
    assert total == 2
    assert [(g.complaint.id, g.count) for g in groups] == [(older.id, 2), (newer.id, 2)]
    assert groups[0].reasons == ["abusive", "personal_data"]


def test_the_public_log_says_what_and_why_but_never_the_content(db: Session, mod) -> None:
    complaint = make_complaint(db, title="Secret title words")
    moderation.set_visibility(
        session=db, complaint=complaint, visibility=Visibility.REMOVED, reason="Spam", actor=mod
    )
    moderation.set_locked(session=db, complaint=complaint, locked=True, reason="x", actor=mod)
    entries, total = public_log(session=db, company_id=complaint.company_id)
    assert total == 1  # locking is not a takedown
    assert (entries[0].what, entries[0].complaint_id, entries[0].reason) == (
        "Complaint removed",
        complaint.id,
        "Spam",
    )
    assert not hasattr(entries[0], "title")


def test_editing_masks_phrases_everywhere_and_keeps_the_original_privately(
    db: Session, mod
) -> None:
    author = make_user(db, email="edited@example.org")
    complaint = make_complaint(
        db, author, title="Bob Lewis was rude", body="The engineer Bob Lewis shouted at me twice."
    )
    message = complaints.follow_up(
        session=db, complaint=complaint, user=author, body="Still waiting for Bob Lewis to call."
    )
    action = edits.edit_text(
        session=db, complaint=complaint, reason="A private name", actor=mod, mask=["Bob Lewis"]
    )
    for text in (complaint.title, complaint.body, message.body):
        assert "bob lewis" not in text.lower()
    assert complaint.original_title == "Bob Lewis was rude"
    assert message.original_body == "Still waiting for Bob Lewis to call."
    assert action.kind == ActionKind.EDIT
    assert "A private name" in queued_mails(db, "edited@example.org")[0]["text"]


def test_a_rewrite_is_kept_privately_and_survives_re_redaction(db: Session, mod) -> None:
    from app.redaction import service as redaction

    complaint = make_complaint(db, body="The router failed on day one and support hung up.")
    edits.edit_text(
        session=db,
        complaint=complaint,
        reason="Off-topic insult removed",
        actor=mod,
        body="The router failed on day one.  And support hung up on me.",
    )
    kept = db.exec(select(ModerationEdit)).one()
    assert (kept.field, kept.before) == (
        "body",
        "The router failed on day one and support hung up.",
    )
    assert complaint.original_body == "The router failed on day one and support hung up."
    redaction.rerun(session=db, complaint=complaint)
    assert complaint.body == "The router failed on day one.  And support hung up on me."


def test_an_edit_that_breaks_the_rules_changes_nothing(db: Session, mod) -> None:
    complaint = make_complaint(db)
    before = complaint.body
    with pytest.raises(Conflict, match="Body"):
        edits.edit_text(session=db, complaint=complaint, reason="x", actor=mod, body="Too short")
    with pytest.raises(Conflict, match="Nothing would change"):
        edits.edit_text(session=db, complaint=complaint, reason="x", actor=mod, mask=["absent"])
    assert complaint.body == before
    assert db.exec(select(ModerationAction)).all() == []
    assert db.exec(select(Job).where(Job.kind == "mail")).all() == []


async def test_a_post_queued_before_unlisting_is_never_posted(
    db: Session, mod, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeAdapter("bluesky")
    monkeypatch.setattr(delivery, "_cache", {"bluesky": fake})
    complaint = make_complaint(db, now=T0, broadcast_opt_in=True)
    (broadcast,) = schedule.scan(session=db, now=day(7))
    moderation.set_visibility(
        session=db, complaint=complaint, visibility=Visibility.UNLISTED, reason="Check", actor=mod
    )
    assert await run_due(db, day(7)) == 1
    db.refresh(broadcast)
    assert broadcast.status == BroadcastStatus.SKIPPED
    assert fake.calls == 0 and not fake.posts


def test_the_broadcasts_page_drops_posts_of_a_hidden_complaint(client, db: Session, mod) -> None:
    complaint = make_complaint(db, broadcast_opt_in=True)
    row = _broadcast(db, complaint, BroadcastStatus.POSTED, "milestone:7")
    row.text = "Unique words about Gary"
    db.add(row)
    db.flush()
    assert "Unique words about Gary" in client.get("/broadcasts").text
    moderation.set_visibility(
        session=db, complaint=complaint, visibility=Visibility.HIDDEN, reason="x", actor=mod
    )
    assert "Unique words about Gary" not in client.get("/broadcasts").text


def test_restoring_a_held_complaint_publishes_it_and_tells_the_company(
    db: Session, mod, monkeypatch: pytest.MonkeyPatch
) -> None:
    complaint = make_complaint(db)
    complaint.visibility, complaint.visibility_reason = Visibility.PENDING, gate.HELD_REASON
    db.add(complaint)
    db.flush()
    assert [c.id for c in moderation.held(session=db)] == [complaint.id]
    seen: list[str] = []
    wired = events._listeners or {}
    record = lambda _s, e: seen.append(e.name)  # noqa: E731
    monkeypatch.setattr(events, "_listeners", {k: (*fns, record) for k, fns in wired.items()})
    action = moderation.set_visibility(
        session=db, complaint=complaint, visibility=Visibility.PUBLIC, reason="", actor=mod
    )
    assert action is not None and action.kind == ActionKind.RELEASE
    assert complaint.visibility == Visibility.PUBLIC
    assert seen == []  # the worker tells the company
    run_queued_listeners(db)
    assert seen == [ComplaintCreated.name]
    assert moderation.held(session=db) == []


def test_the_command_line_makes_and_unmakes_a_moderator(engine) -> None:
    from sqlalchemy import delete
    from typer.testing import CliRunner

    from app.cli import app as cli
    from app.models.user import User

    with Session(engine) as session:  # the command commits: so must the setup, then clean up
        user_id = make_user(session, email="cli-mod@example.org").id
        session.commit()
    try:
        made = CliRunner().invoke(cli, ["user", "moderator", "--email", "cli-mod@example.org"])
        assert made.exit_code == 0, made.output
        with Session(engine) as session:
            assert session.get(User, user_id).is_moderator is True
        args = ["user", "moderator", "--email", "cli-mod@example.org", "--revoke"]
        assert CliRunner().invoke(cli, args).exit_code == 0
        with Session(engine) as session:
            assert session.get(User, user_id).is_moderator is False
            actions = session.exec(
                select(AuditEntry.action).where(
                    AuditEntry.target_type == "user", AuditEntry.target_id == user_id
                )
            ).all()
            assert actions == ["moderation.grant_moderator", "moderation.revoke_moderator"]
        unknown = CliRunner().invoke(cli, ["user", "moderator", "--email", "nobody@example.org"])
        assert unknown.exit_code != 0
    finally:
        with Session(engine) as session:
            session.execute(
                delete(AuditEntry).where(
                    col(AuditEntry.target_type) == "user", col(AuditEntry.target_id) == user_id
                )
            )
            session.execute(delete(User).where(col(User.id) == user_id))
            session.commit()
