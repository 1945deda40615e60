"""A rep's saved views: a queue search (its query string) kept under a name, listed on their
queue. Only the queue's own parameters are kept, so a view cannot carry anything else."""

from urllib.parse import parse_qsl, urlencode

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.companies import members
from app.errors import DomainError, NotFound
from app.models.keys import pk
from app.models.team import SavedView
from app.models.user import User

KEPT = ("queue", "q", "category", "assignee", "cosigns", "older", "sort")
MAX_VIEWS = 30


def list_for(*, session: Session, company_id: int, user: User) -> list[SavedView]:
    return list(
        session.exec(
            select(SavedView)
            .where(SavedView.company_id == company_id, SavedView.user_id == user.id)
            .order_by(col(SavedView.name))
        )
    )


def save(*, session: Session, company_id: int, user: User, name: str, query: str) -> SavedView:
    members.require_rep(session=session, company_id=company_id, user=user)
    name = name.strip()
    if not name or len(name) > 60:
        raise DomainError("Please name the view (up to 60 characters).")
    kept = urlencode([(k, v) for k, v in parse_qsl(query) if k in KEPT and v])[:1000]
    if len(list_for(session=session, company_id=company_id, user=user)) >= MAX_VIEWS:
        raise DomainError(f"You can keep up to {MAX_VIEWS} views; delete one first.")
    view = SavedView(company_id=company_id, user_id=pk(user), name=name, query=kept)
    try:
        with session.begin_nested():
            session.add(view)
            session.flush()
    except IntegrityError as exc:
        raise DomainError("You already have a view with that name.") from exc
    return view


def delete(*, session: Session, company_id: int, user: User, view_id: int) -> None:
    view = session.get(SavedView, view_id)
    if view is None or view.company_id != company_id or view.user_id != user.id:
        raise NotFound("There is no such view.")
    session.delete(view)
    session.flush()
