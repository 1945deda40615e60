"""Who may act, on what: dependencies that load the resource a route names and check the
signed-in user's right to it in one step, so a route receives only what it may use.

A route asks for ``rep: RepCompany`` and gets the company at ``{slug}`` with the user's
membership, or the request ends with 404 (no such company) or 403 (not one of its reps).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy import and_, bindparam
from sqlmodel import Session, col, select

from app.companies import members
from app.companies import service as companies
from app.complaints import gate
from app.complaints import service as complaints
from app.complaints import visibility as vis
from app.dashboard import version
from app.errors import Forbidden, NotFound
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.keys import pk
from app.models.membership import CompanyMember, Role
from app.models.user import User
from app.web.deps import CurrentUser, SessionDep
from app.web.ids import RecordId


@dataclass(frozen=True)
class Rep:
    """A user acting for a company: ``member`` is their membership (a stand-in, never saved, for
    an admin reading the dashboard; ``readonly`` is then True)."""

    company: Company
    member: CompanyMember
    user: User
    readonly: bool = False
    # The latest change to the company's complaints, read with the access check by the pages
    # that show them (app/web/rep_pages.py); None where it was not read (or there are none).
    latest_change: datetime | None = None


@dataclass(frozen=True)
class RepCase:
    """One complaint of the rep's company, as its reps see it."""

    rep: Rep
    complaint: Complaint


def _rep(session: Session, slug: str, user: User) -> Rep:
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    return Rep(
        company, members.require_rep(session=session, company_id=pk(company), user=user), user
    )


# A rep's page checks access in one statement, built once (building it per request cost more
# than running it): the company at the address, the user's active membership of it (none unless
# its claim is verified), the latest change to its complaints (the reps' pages are kept by it:
# app/web/rep_pages.py), and for a complaint's page that complaint, if it is the company's.
_MEMBER_OF = and_(
    col(CompanyMember.company_id) == col(Company.id),
    col(CompanyMember.user_id) == bindparam("user_id"),
    col(CompanyMember.revoked_at).is_(None),
    members.verified(CompanyMember.company_id),
)
_OF_COMPANY = and_(
    col(Complaint.id) == bindparam("complaint_id"), col(Complaint.company_id) == col(Company.id)
)
_LATEST = version.latest_change_of(col(Company.id))
_VIEWER = (
    select(Company, CompanyMember, _LATEST)
    .select_from(Company)
    .outerjoin(CompanyMember, _MEMBER_OF)
    .where(col(Company.slug) == bindparam("slug"))
)
_VIEWER_CASE = (
    select(Company, CompanyMember, _LATEST, Complaint)
    .select_from(Company)
    .outerjoin(CompanyMember, _MEMBER_OF)
    .outerjoin(Complaint, _OF_COMPANY)
    .where(col(Company.slug) == bindparam("slug"))
)


def _viewer(
    session: Session, slug: str, user: User, complaint_id: int | None = None
) -> tuple[Rep, Complaint | None]:
    """The rep (or reading admin), with the latest change to the company's complaints, and the
    complaint ``complaint_id`` if it is the company's."""
    found = session.execute(
        _VIEWER if complaint_id is None else _VIEWER_CASE,
        {"slug": slug, "user_id": user.id, "complaint_id": complaint_id},
    ).first()
    if found is None:
        raise NotFound("There is no company at this address.")
    company, member, latest, *complaint = found
    if member is not None:
        return Rep(company, member, user, latest_change=latest), (complaint or [None])[0]
    if not user.is_admin:
        raise Forbidden("Only this company's verified representatives can do that.")
    # Admins see neither private references nor internal notes, and act for nobody.
    stand_in = CompanyMember(
        company_id=pk(company), user_id=pk(user), role=Role.AGENT, public_name=user.display_name
    )
    rep = Rep(company, stand_in, user, readonly=True, latest_change=latest)
    return rep, (complaint or [None])[0]


def _case(session: Session, rep: Rep, complaint_id: int) -> RepCase:
    complaint = complaints.get(session=session, complaint_id=complaint_id)
    return _checked(rep, complaint)


def _checked(rep: Rep, complaint: Complaint | None) -> RepCase:
    # A complaint waiting for its author's verification or for review has not reached them yet.
    if complaint is None or complaint.company_id != rep.company.id or gate.is_waiting(complaint):
        raise NotFound("There is no complaint with that number in this company's queue.")
    return RepCase(rep, complaint)


def rep_company(session: SessionDep, user: CurrentUser, slug: str) -> Rep:
    return _rep(session, slug, user)


def company_viewer(session: SessionDep, user: CurrentUser, slug: str) -> Rep:
    return _viewer(session, slug, user)[0]


def owned_company(session: SessionDep, user: CurrentUser, slug: str) -> Rep:
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    return Rep(
        company, members.require_owner(session=session, company_id=pk(company), user=user), user
    )


# The complaint's number is checked with the company (a number that names nothing is 404 before
# anyone's rights are asked), so these take the path's parameters themselves.
def rep_complaint(
    session: SessionDep, user: CurrentUser, slug: str, complaint_id: RecordId
) -> RepCase:
    return _case(session, _rep(session, slug, user), complaint_id)


def viewer_complaint(
    session: SessionDep, user: CurrentUser, slug: str, complaint_id: RecordId
) -> RepCase:
    return _checked(*_viewer(session, slug, user, complaint_id))


def moderator_user(user: CurrentUser) -> User:
    if not vis.is_moderator(user):
        raise Forbidden("Only Outcry moderators can see this page.")
    return user


def moderated_complaint(
    session: SessionDep,
    _moderator: Annotated[User, Depends(moderator_user)],
    complaint_id: RecordId,
) -> Complaint:
    return complaints.get_or_404(session=session, complaint_id=complaint_id)


def admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("Only Outcry administrators can see this page.")
    return user


# An active rep of the verified company at {slug}.
RepCompany = Annotated[Rep, Depends(rep_company)]
# A rep, or an admin reading the dashboard without acting (Rep.readonly).
CompanyViewer = Annotated[Rep, Depends(company_viewer)]
# An owner of the company at {slug}.
OwnedCompany = Annotated[Rep, Depends(owned_company)]
# Complaint {complaint_id} of the company at {slug}, for one of its reps (or a reading admin).
RepComplaint = Annotated[RepCase, Depends(rep_complaint)]
ViewerComplaint = Annotated[RepCase, Depends(viewer_complaint)]
ModeratorUser = Annotated[User, Depends(moderator_user)]
# Complaint {complaint_id}, for a moderator.
ModeratedComplaint = Annotated[Complaint, Depends(moderated_complaint)]
AdminUser = Annotated[User, Depends(admin_user)]
