"""Bulk actions from the queue: assign, take, resolve or answer with a saved reply, each
complaint on its own (a savepoint each), so one that cannot be changed leaves the others done."""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import Session

from app.complaints import company as company_side
from app.complaints import gate
from app.complaints import service as complaints
from app.complaints.states import TransitionError
from app.dashboard import saved_replies
from app.db import must_get
from app.errors import DomainError
from app.models.company import Company
from app.models.complaint import Complaint, ResolutionType
from app.models.keys import pk
from app.models.user import User

MAX_AT_ONCE = 100


class Action(StrEnum):
    ASSIGN = "assign"
    TAKE = "take"
    RESOLVE = "resolve"
    SAVED_REPLY = "saved_reply"


@dataclass
class Outcome:
    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def apply(
    *,
    session: Session,
    company: Company,
    user: User,
    complaint_ids: list[int],
    action: Action,
    assignee_id: int | None = None,
    saved_id: int | None = None,
    resolution_type: ResolutionType | None = None,
) -> Outcome:
    if not complaint_ids:
        raise DomainError("Tick at least one complaint.")
    if len(complaint_ids) > MAX_AT_ONCE:
        raise DomainError(f"Please change at most {MAX_AT_ONCE} complaints at once.")
    change = _change(
        session=session,
        company=company,
        user=user,
        action=action,
        assignee_id=assignee_id,
        saved_id=saved_id,
        resolution_type=resolution_type,
    )
    outcome = Outcome()
    for complaint_id in dict.fromkeys(complaint_ids):
        complaint = complaints.get(session=session, complaint_id=complaint_id)
        if complaint is None or complaint.company_id != company.id or gate.is_waiting(complaint):
            outcome.skipped.append((complaint_id, "not in this company's queue"))
            continue
        try:
            with session.begin_nested():
                change(complaint)
        except (DomainError, TransitionError) as exc:
            session.refresh(complaint)
            outcome.skipped.append((complaint_id, str(exc)))
            continue
        outcome.done.append(complaint_id)
    return outcome


def _change(
    *,
    session: Session,
    company: Company,
    user: User,
    action: Action,
    assignee_id: int | None,
    saved_id: int | None,
    resolution_type: ResolutionType | None,
) -> Callable[[Complaint], object]:
    """What the action does to one complaint, once what it needs has been checked."""
    if action in (Action.ASSIGN, Action.TAKE):
        assignee = pk(user) if action is Action.TAKE else assignee_id
        if assignee is None:
            raise DomainError("Choose who should own them.")
        return lambda complaint: company_side.assign(
            session=session, complaint=complaint, user=user, assignee_id=assignee
        )
    if action is Action.RESOLVE:
        if resolution_type is None:
            raise DomainError("Choose how they were resolved.")
        how = resolution_type
        return lambda complaint: company_side.resolve(
            session=session, complaint=complaint, user=user, resolution_type=how
        )
    saved = (
        saved_replies.get(session=session, company_id=pk(company), saved_id=saved_id)
        if saved_id is not None
        else None
    )
    if saved is None:
        raise DomainError("Choose a saved reply to send.")
    text = saved.body

    def reply(complaint: Complaint) -> object:
        author = must_get(session, User, complaint.author_id)
        body = saved_replies.fill(text, complaint=complaint, author=author, company=company)
        return company_side.reply(session=session, complaint=complaint, user=user, body=body)

    return reply
