"""Bulk actions from the queue: assign, take, resolve or answer with a saved reply, each
complaint on its own (a savepoint each), so one that cannot be changed leaves the others done."""

from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import Session

from app.complaints import company as company_side
from app.complaints import gate
from app.complaints import service as complaints
from app.complaints.states import TransitionError
from app.dashboard import saved_replies
from app.errors import DomainError
from app.models.company import Company
from app.models.complaint import ResolutionType
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
    if action is Action.ASSIGN and assignee_id is None:
        raise DomainError("Choose who should own them.")
    if action is Action.RESOLVE and resolution_type is None:
        raise DomainError("Choose how they were resolved.")
    saved = (
        saved_replies.get(session=session, company_id=pk(company), saved_id=saved_id)
        if action is Action.SAVED_REPLY and saved_id is not None
        else None
    )
    if action is Action.SAVED_REPLY and saved is None:
        raise DomainError("Choose a saved reply to send.")
    outcome = Outcome()
    for complaint_id in dict.fromkeys(complaint_ids):
        complaint = complaints.get(session=session, complaint_id=complaint_id)
        if complaint is None or complaint.company_id != company.id or gate.is_waiting(complaint):
            outcome.skipped.append((complaint_id, "not in this company's queue"))
            continue
        try:
            with session.begin_nested():
                if action in (Action.ASSIGN, Action.TAKE):
                    company_side.assign(
                        session=session,
                        complaint=complaint,
                        user=user,
                        assignee_id=user.id if action is Action.TAKE else assignee_id,
                    )
                elif action is Action.RESOLVE:
                    company_side.resolve(
                        session=session,
                        complaint=complaint,
                        user=user,
                        resolution_type=resolution_type,
                    )
                else:
                    author = session.get(User, complaint.author_id)
                    company_side.reply(
                        session=session,
                        complaint=complaint,
                        user=user,
                        body=saved_replies.fill(
                            saved.body, complaint=complaint, author=author, company=company
                        ),
                    )
        except (DomainError, TransitionError) as exc:
            session.refresh(complaint)
            outcome.skipped.append((complaint_id, str(exc)))
            continue
        outcome.done.append(complaint_id)
    return outcome
