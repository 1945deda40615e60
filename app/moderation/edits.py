"""Editing a complaint's public text ("edit redactions"): a moderator masks phrases the redactor
missed or keeps phrases it masked wrongly (app/redaction/, in the complaint and its messages), or
rewrites the text. What was typed stays private: the redactor's ``original_*`` columns, and for a
rewrite a ModerationEdit row (which the redactor's re-runs respect)."""

from collections.abc import Iterable
from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.broadcast import refresh as broadcast_refresh
from app.clock import utcnow
from app.errors import Conflict
from app.models.complaint import Complaint, ComplaintBase
from app.models.keys import pk
from app.models.moderation import ActionKind, ModerationAction, ModerationEdit
from app.models.user import User
from app.moderation import reports
from app.moderation.service import reason_text, record_action
from app.redaction import service as redaction
from app.text.validation import field_errors

FIELDS = ("title", "body", "desired_outcome")


def _phrases(lines: Iterable[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip()]


def _validate(complaint: Complaint, new: dict[str, str]) -> None:
    try:
        ComplaintBase.model_validate({**new, "category": complaint.category})
    except ValidationError as exc:
        field, message = next(iter(field_errors(exc).items()))
        raise Conflict(f"{field.replace('_', ' ').capitalize()}: {message}") from exc


def edit_text(
    *,
    session: Session,
    complaint: Complaint,
    reason: str,
    actor: User,
    title: str | None = None,
    body: str | None = None,
    desired_outcome: str | None = None,
    mask: Iterable[str] = (),
    keep: Iterable[str] = (),
    now: datetime | None = None,
) -> ModerationAction:
    """Rewrite the public fields given (None leaves one as it is), then mask or keep phrases.
    Refused, changing nothing, when nothing would change. The author gets a statement."""
    reason = reason_text(reason)
    mask, keep = _phrases(mask), _phrases(keep)
    given = {"title": title, "body": body, "desired_outcome": desired_outcome}
    new = {f: getattr(complaint, f) if (v := given[f]) is None else v.strip() for f in FIELDS}
    _validate(complaint, new)
    rewritten = [f for f in FIELDS if new[f] != getattr(complaint, f)]
    posted_title = complaint.title  # the only part of the complaint its social posts quote
    with session.begin_nested():  # a refusal below leaves no trace
        action = record_action(
            session,
            kind=ActionKind.EDIT,
            actor=actor,
            reason=reason,
            now=now or utcnow(),
            complaint=complaint,
            subject_user_id=complaint.author_id,
        )
        for field in rewritten:
            before = getattr(complaint, field)
            original = f"original_{field}"
            if getattr(complaint, original, None) is None:
                setattr(complaint, original, before)  # what the author typed stays private
            setattr(complaint, field, new[field])
            session.add(
                ModerationEdit(
                    action_id=pk(action),
                    complaint_id=pk(complaint),
                    field=field,
                    before=before,
                    after=new[field],
                )
            )
        session.add(complaint)
        session.flush()
        changed = len(rewritten)
        if mask or keep:
            changed += redaction.redact_again(
                session=session,
                complaint=complaint,
                actor=actor,
                reason=reason,
                mask=mask,
                keep=keep,
            )
        if not changed:
            raise Conflict("Nothing would change: the text is the same.")
        if complaint.title != posted_title:
            broadcast_refresh.refresh_posts(session=session, complaint=complaint)
        reports.close(session=session, action=action, complaint_id=pk(complaint))
    return action


def history(*, session: Session, complaint_id: int) -> list[ModerationEdit]:
    """What moderators' rewrites replaced, oldest first (author and moderators only)."""
    return list(
        session.exec(
            select(ModerationEdit)
            .where(ModerationEdit.complaint_id == complaint_id)
            .order_by(col(ModerationEdit.id))
        )
    )
