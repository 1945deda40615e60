"""Statements of reasons (DSA art. 17): mailed to the affected user and listed on their pages;
and what reporters are told when their report is decided (DSA art. 16)."""

from sqlmodel import Session, col, select

from app.models.complaint import Complaint
from app.models.moderation import ActionKind, ModerationAction, Report
from app.models.user import User
from app.notify import compose
from app.notify.mail import queue_mail

# What each action means for the person it is about, in a sentence.
DESCRIPTIONS: dict[ActionKind, str] = {
    ActionKind.UNLIST: "is no longer shown in lists, search, feeds or social posts; its page "
    "still answers for anyone with the link",
    ActionKind.HIDE: "is hidden: its page now shows only the reason below, not your text",
    ActionKind.REMOVE: "was removed: its page now shows only that it was removed and why",
    ActionKind.RESTORE: "is public again",
    ActionKind.RELEASE: "was released by a moderator and is published",
    ActionKind.HOLD: "is held for review: only you and the moderators can see it meanwhile",
    ActionKind.LOCK: "is locked: nobody can add messages or co-signs for now",
    ActionKind.UNLOCK: "is unlocked: messages and co-signs are possible again",
    ActionKind.EDIT: "had its public text edited by a moderator; your original is kept privately",
    ActionKind.HIDE_MESSAGE: "is hidden from the public timeline",
    ActionKind.REMOVE_MESSAGE: "was removed from the public timeline",
    ActionKind.RESTORE_MESSAGE: "is shown in the timeline again",
    ActionKind.SUSPEND: "is suspended: you can log in and read this, but not file, reply, "
    "co-sign or report",
    ActionKind.UNSUSPEND: "is no longer suspended",
}


# What a reporter is told happened (they are not told about the author's account).
OUTCOMES: dict[ActionKind, str] = {
    ActionKind.UNLIST: "the complaint no longer appears in lists, search or feeds",
    ActionKind.HIDE: "the complaint was hidden",
    ActionKind.REMOVE: "the complaint was removed",
    ActionKind.LOCK: "the thread was locked",
    ActionKind.EDIT: "the public text was edited",
    ActionKind.HIDE_MESSAGE: "the message was hidden",
    ActionKind.REMOVE_MESSAGE: "the message was removed",
}


def subject_of(action: ModerationAction) -> str:
    """'Your complaint #12', 'Your message on complaint #12', 'Your account'."""
    if action.kind in (ActionKind.SUSPEND, ActionKind.UNSUSPEND):
        return "Your account"
    if action.message_id is not None or action.kind.endswith("_message"):
        return f"Your message on complaint #{action.complaint_id}"
    return f"Your complaint #{action.complaint_id}"


def describe(action: ModerationAction) -> str:
    return f"{subject_of(action)} {DESCRIPTIONS.get(action.kind, 'was reviewed')}."


def queue_statement(*, session: Session, action: ModerationAction, user: User) -> None:
    """Mail the statement of reasons. A legal notice, so it has no unsubscribe link."""
    complaint = session.get(Complaint, action.complaint_id) if action.complaint_id else None
    mail = compose.render(
        "moderation_statement",
        recipient=user,
        action=action,
        complaint=complaint,
        description=describe(action),
        heading=subject_of(action),
    )
    queue_mail(
        session=session,
        key=f"moderation:{action.id}:{user.id}",
        to=user.email,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
    )


def queue_report_decision(
    *, session: Session, report: Report, to: str, action: ModerationAction
) -> None:
    """Tell a reporter what became of their report, without saying who they reported."""
    outcome = OUTCOMES.get(action.kind, "the content was changed")
    mail = compose.render(
        "moderation_report_decision", report=report, action=action, outcome=outcome
    )
    queue_mail(
        session=session,
        key=f"report-decision:{report.id}",
        to=to,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
    )


def for_user(
    *, session: Session, user_id: int, limit: int = 50
) -> list[tuple[ModerationAction, str]]:
    """The statements of reasons about a user's content and account, newest first, each with
    what it means in a sentence."""
    actions = list(
        session.exec(
            select(ModerationAction)
            .where(
                ModerationAction.subject_user_id == user_id,
                ModerationAction.kind != ActionKind.DISMISS,
            )
            .order_by(col(ModerationAction.at).desc(), col(ModerationAction.id).desc())
            .limit(limit)
        )
    )
    return [(action, describe(action)) for action in actions]
