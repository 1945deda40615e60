"""Routing rules: who gets a new complaint when it is published. Off (it waits, unassigned),
round robin among the active reps, or by category to the rep named for it. A removed or
suspended rep gets nothing: round robin skips them, and a category left to one stays unassigned.
"""

from datetime import datetime

from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.companies import members
from app.complaints import company as company_side
from app.errors import DomainError
from app.events import ComplaintCreated
from app.models.company import Company
from app.models.complaint import Category, Complaint
from app.models.keys import pk
from app.models.membership import CompanyMember
from app.models.team import RoutingMode, TeamRouting
from app.models.user import User

MODE_LABELS = {
    RoutingMode.OFF: "Off: new complaints wait, unassigned, for a rep to take them",
    RoutingMode.ROUND_ROBIN: "Round robin: each new complaint to the next active rep in turn",
    RoutingMode.CATEGORY: "By category: each category to the rep named for it",
}


def current(*, session: Session, company_id: int) -> TeamRouting:
    """The company's rules (an unsaved "off" when it never set any)."""
    return session.get(TeamRouting, company_id) or TeamRouting(company_id=company_id)


def eligible(*, session: Session, company_id: int) -> list[User]:
    """Reps who can be given work, by user id: active members who are not suspended."""
    return list(
        session.exec(
            select(User)
            .join(CompanyMember, col(CompanyMember.user_id) == User.id)
            .where(
                CompanyMember.company_id == company_id,
                col(CompanyMember.revoked_at).is_(None),
                col(User.suspended_at).is_(None),
            )
            .order_by(col(User.id))
        )
    )


def save(
    *,
    session: Session,
    company: Company,
    user: User,
    mode: str,
    by_category: dict[str, str],
    now: datetime | None = None,
) -> TeamRouting:
    """An owner sets the rules (audited). ``by_category``: category value -> user id or ""."""
    members.require_owner(session=session, company_id=pk(company), user=user)
    try:
        chosen = RoutingMode(mode)
    except ValueError as exc:
        raise DomainError("Please choose how new complaints are routed.") from exc
    reps = {u.id for u in eligible(session=session, company_id=pk(company))}
    mapping: dict[str, int] = {}
    for category, value in by_category.items():
        if not value:
            continue
        if category not in {c.value for c in Category}:
            raise DomainError("Unknown category.")
        if not value.isdigit() or int(value) not in reps:
            raise DomainError("Choose one of this company's active representatives.")
        mapping[category] = int(value)
    if chosen is RoutingMode.CATEGORY and not mapping:
        raise DomainError("Name a rep for at least one category, or choose another rule.")
    rules = session.get(TeamRouting, company.id) or TeamRouting(company_id=pk(company))
    rules.mode = chosen
    rules.by_category = mapping
    rules.updated_at = now or utcnow()
    session.add(rules)
    audit.record(
        session=session,
        actor=user,
        action="team.routing",
        target_type="company",
        target_id=pk(company),
        detail=f"{chosen.value} {sorted(mapping.items())}" if mapping else chosen.value,
    )
    session.flush()
    return rules


def _next_in_turn(reps: list[User], last_user_id: int | None) -> User:
    after = [u for u in reps if last_user_id is not None and pk(u) > last_user_id]
    return after[0] if after else reps[0]


def on_created(session: Session, event: ComplaintCreated) -> None:
    """Listener: give a newly published complaint to a rep by the company's rules."""
    complaint = session.get(Complaint, event.complaint_id)
    if complaint is None or complaint.assignee_id is not None:
        return
    # Locked (PostgreSQL) so two filings at once cannot both go to the same rep in turn.
    rules = session.exec(
        select(TeamRouting).where(TeamRouting.company_id == complaint.company_id).with_for_update()
    ).first()
    if rules is None or rules.mode is RoutingMode.OFF:
        return
    reps = eligible(session=session, company_id=complaint.company_id)
    if not reps:
        return
    if rules.mode is RoutingMode.ROUND_ROBIN:
        assignee: User | None = _next_in_turn(reps, rules.last_user_id)
    else:
        wanted = rules.by_category.get(complaint.category.value)
        assignee = next((u for u in reps if u.id == wanted), None)
    if assignee is None:
        return
    if company_side.route(session=session, complaint=complaint, assignee=assignee):
        rules.last_user_id = assignee.id
        session.add(rules)
        session.flush()
