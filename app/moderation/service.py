"""Moderation actions. Each one is recorded (moderation_action and the audit log), closes the
reports it answers and gives the affected user a statement of reasons (DSA art. 17).

The takedown procedure (app/takedown/) removes complaints through ``set_visibility``.
"""

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app import audit
from app.broadcast import delivery as broadcast_delivery
from app.clock import utcnow
from app.complaints import gate
from app.complaints import visibility as vis
from app.db import must_get
from app.errors import Conflict, Forbidden
from app.events import VisibilityChanged, emit
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.company import Company
from app.models.complaint import Complaint, Message, Visibility
from app.models.keys import pk
from app.models.membership import CompanyMember
from app.models.moderation import ActionKind, MessageModeration, ModerationAction
from app.models.user import User, UserSession
from app.moderation import reports, statements
from app.moderation.queries import held, hidden_messages, history  # noqa: F401 - re-exported
from app.notify import released

REASON_MAX = 1000

KIND_FOR: dict[Visibility, ActionKind] = {
    Visibility.PUBLIC: ActionKind.RESTORE,
    Visibility.PENDING: ActionKind.HOLD,
    Visibility.UNLISTED: ActionKind.UNLIST,
    Visibility.HIDDEN: ActionKind.HIDE,
    Visibility.REMOVED: ActionKind.REMOVE,
}
MESSAGE_KIND_FOR: dict[Visibility, ActionKind] = {
    Visibility.PUBLIC: ActionKind.RESTORE_MESSAGE,
    Visibility.HIDDEN: ActionKind.HIDE_MESSAGE,
    Visibility.REMOVED: ActionKind.REMOVE_MESSAGE,
}


def reason_text(reason: str, *, required: bool = True) -> str:
    reason = " ".join(reason.split())
    if required and not reason:
        raise Conflict("Give a reason: the person concerned is told it, and so may the public.")
    if len(reason) > REASON_MAX:
        raise Conflict(f"Please keep the reason under {REASON_MAX} characters.")
    return reason


def record_action(
    session: Session,
    *,
    kind: ActionKind,
    actor: User | None,
    reason: str,
    now: datetime,
    complaint: Complaint | None = None,
    message: Message | None = None,
    subject_user_id: int | None = None,
    before: str = "",
    after: str = "",
) -> ModerationAction:
    """Record the action in both logs and mail the statement of reasons."""
    action = ModerationAction(
        at=now,
        actor_id=actor.id if actor else None,
        kind=kind,
        complaint_id=complaint.id if complaint else None,
        company_id=complaint.company_id if complaint else None,
        message_id=message.id if message else None,
        subject_user_id=subject_user_id,
        reason=reason,
        before=before,
        after=after,
    )
    session.add(action)
    session.flush()
    target_type, target_id = (
        ("message", message.id)
        if message
        else ("complaint", complaint.id)
        if complaint
        else ("user", subject_user_id)
    )
    audit.record(
        session=session,
        actor=actor,
        action=f"moderation.{kind.value}",
        target_type=target_type,
        target_id=target_id or 0,
        detail=f"{before} -> {after}: {reason}" if before or after else reason,
    )
    if subject_user_id is not None and (subject := session.get(User, subject_user_id)):
        statements.queue_statement(session=session, action=action, user=subject)
    return action


def _stop_posts(session: Session, complaint: Complaint) -> None:
    """Delete what was posted and cancel what was waiting to go out."""
    broadcast_delivery.withdraw_posts(session=session, complaint=complaint)
    for broadcast in session.exec(
        select(Broadcast).where(
            Broadcast.complaint_id == complaint.id, Broadcast.status == BroadcastStatus.QUEUED
        )
    ):
        broadcast.status = BroadcastStatus.SKIPPED
        session.add(broadcast)


def set_visibility(
    *,
    session: Session,
    complaint: Complaint,
    visibility: Visibility,
    reason: str,
    actor: User | None,
    now: datetime | None = None,
) -> ModerationAction | None:
    """Unlist, hide, remove, hold or restore a complaint. ``reason`` is public on the tombstone
    and in the company's moderation log (required except to restore). Hiding or removing
    withdraws its social posts. None when nothing changes (same grade, same reason)."""
    reason = reason_text(reason, required=visibility != Visibility.PUBLIC)
    before = complaint.visibility
    if before == visibility and (
        visibility == Visibility.PUBLIC or reason == complaint.visibility_reason
    ):
        return None
    now = now or utcnow()
    kind = KIND_FOR[visibility]
    if visibility == Visibility.PUBLIC and gate.is_waiting(complaint):
        # Never published: publishing tells the company (COMPLAINT_CREATED) and starts its clock.
        # It stays pending while the author's address is unproven.
        gate.publish(session=session, complaint=complaint, now=now)
        kind = ActionKind.RELEASE
    else:
        complaint.visibility = visibility
        complaint.visibility_reason = "" if visibility == Visibility.PUBLIC else reason
        session.add(complaint)
        if visibility != before:  # what the statistics count may change (publishing tells them)
            by = actor.id if actor else None
            emit(session=session, event=VisibilityChanged(complaint_id=pk(complaint), actor_id=by))
    action = record_action(
        session,
        kind=kind,
        actor=actor,
        reason=reason,
        now=now,
        complaint=complaint,
        subject_user_id=complaint.author_id,
        before=before.value,
        after=complaint.visibility.value,
    )
    if vis.is_tombstone(complaint):
        _stop_posts(session, complaint)
    reports.close(
        session=session,
        action=action,
        complaint_id=pk(complaint),
        everything=vis.is_tombstone(complaint),
    )
    return action


def set_locked(
    *,
    session: Session,
    complaint: Complaint,
    locked: bool,
    reason: str,
    actor: User | None,
    now: datetime | None = None,
) -> ModerationAction:
    """Lock a thread (no more messages or co-signs) or unlock it."""
    if complaint.locked == locked:
        raise Conflict("This thread is already locked." if locked else "This thread is not locked.")
    reason = reason_text(reason, required=locked)
    complaint.locked = locked
    session.add(complaint)
    action = record_action(
        session,
        kind=ActionKind.LOCK if locked else ActionKind.UNLOCK,
        actor=actor,
        reason=reason,
        now=now or utcnow(),
        complaint=complaint,
        subject_user_id=complaint.author_id,
        before="locked" if not locked else "open",
        after="locked" if locked else "open",
    )
    reports.close(session=session, action=action, complaint_id=pk(complaint))
    return action


def set_message_visibility(
    *,
    session: Session,
    message: Message,
    visibility: Visibility,
    reason: str,
    actor: User | None,
    now: datetime | None = None,
) -> ModerationAction:
    """Hide or remove one message (its place in the timeline becomes a tombstone), or restore it."""
    if visibility not in MESSAGE_KIND_FOR:
        raise Conflict("A message can be hidden, removed or restored.")
    reason = reason_text(reason, required=visibility != Visibility.PUBLIC)
    now = now or utcnow()
    row = session.get(MessageModeration, message.id)
    before = row.visibility if row else Visibility.PUBLIC
    if before == visibility and (row is None or row.reason == reason):
        raise Conflict(f"This message is already {visibility.value}.")
    if visibility == Visibility.PUBLIC:
        session.delete(row)
    else:
        if row is None:
            row = MessageModeration(
                message_id=pk(message),
                complaint_id=message.complaint_id,
                visibility=visibility,
                reason=reason,
                at=now,
            )
        else:
            row.visibility, row.reason, row.at = visibility, reason, now
        session.add(row)
    complaint = session.get(Complaint, message.complaint_id)
    action = record_action(
        session,
        kind=MESSAGE_KIND_FOR[visibility],
        actor=actor,
        reason=reason,
        now=now,
        complaint=complaint,
        message=message,
        subject_user_id=message.author_id,
        before=before.value,
        after=visibility.value,
    )
    reports.close(
        session=session, action=action, complaint_id=message.complaint_id, message_id=message.id
    )
    return action


def dismiss(
    *,
    session: Session,
    complaint: Complaint,
    reason: str,
    actor: User,
    message: Message | None = None,
    now: datetime | None = None,
) -> ModerationAction:
    """Close the open reports about a complaint (or one message) without changing anything."""
    action = record_action(
        session,
        kind=ActionKind.DISMISS,
        actor=actor,
        reason=reason_text(reason, required=False),
        now=now or utcnow(),
        complaint=complaint,
        message=message,
    )
    closed = reports.close(
        session=session,
        action=action,
        complaint_id=pk(complaint),
        message_id=message.id if message else None,
    )
    if not closed:
        raise Conflict("There are no open reports to dismiss.")
    return action


def suspend(
    *,
    session: Session,
    user: User,
    reason: str,
    actor: User,
    now: datetime | None = None,
) -> ModerationAction:
    """Suspend an account and end its sessions; they may log in again to read the statement."""
    if user.id == actor.id:
        raise Forbidden("You cannot suspend yourself.")
    if vis.is_moderator(user) and not actor.is_admin:
        raise Forbidden("Only an administrator can suspend a moderator.")
    if user.suspended_at is not None:
        raise Conflict("This account is already suspended.")
    reason = reason_text(reason)
    now = now or utcnow()
    user.suspended_at, user.suspension_reason = now, reason
    session.add(user)
    session.execute(delete(UserSession).where(col(UserSession.user_id) == user.id))
    # Nobody owns a complaint they cannot act on: what they held goes back to each queue.
    for member in session.exec(
        select(CompanyMember).where(
            CompanyMember.user_id == user.id, col(CompanyMember.revoked_at).is_(None)
        )
    ).all():
        released.release(
            session=session,
            company=must_get(session, Company, member.company_id),
            members=[member],
            actor=actor,
            why="was suspended",
            because=f"{member.public_name}'s account is suspended.",
            now=now,
        )
    return record_action(
        session,
        kind=ActionKind.SUSPEND,
        actor=actor,
        reason=reason,
        now=now,
        subject_user_id=user.id,
        before="active",
        after="suspended",
    )


def unsuspend(
    *,
    session: Session,
    user: User,
    reason: str,
    actor: User,
    now: datetime | None = None,
) -> ModerationAction:
    if user.suspended_at is None:
        raise Conflict("This account is not suspended.")
    user.suspended_at, user.suspension_reason = None, ""
    session.add(user)
    return record_action(
        session,
        kind=ActionKind.UNSUSPEND,
        actor=actor,
        reason=reason_text(reason, required=False),
        now=now or utcnow(),
        subject_user_id=user.id,
        before="suspended",
        after="active",
    )
