"""A company's team pages: members and invitations (owners), the rep's own public name, and the
invitation link itself."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.companies import invitations, members, team
from app.companies import service as companies
from app.errors import DomainError, NotFound
from app.models.company import Company
from app.models.keys import pk
from app.models.membership import CompanyMember, Role
from app.notify import released as released_mail
from app.web.access import OwnedCompany, Rep, RepCompany
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, OptionalUser, SessionDep
from app.web.forms import FormDep, text, undo
from app.web.ids import RecordId
from app.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        raise DomainError("Please choose agent or owner.") from exc


# Members and invitations (owners) ------------------------------------------------------------


def _members_page(
    request: Request,
    session: Session,
    owner: Rep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    company = owner.company
    context: dict[str, Any] = {
        "company": company,
        "me": owner.member,
        "team": team.active_members(session=session, company_id=pk(company)),
        "invitations": invitations.pending_invitations(session=session, company_id=pk(company)),
        "roles": list(Role),
        "values": values or {"role": Role.AGENT.value},
        "errors": errors or {},
        "error": error,
        "notice": request.query_params.get("done"),
    }
    return render(request, "team/members.html", context, status_code=status_code)


@router.get("/dashboard/{slug}/members")
def members_page(request: Request, session: SessionDep, owner: OwnedCompany) -> Response:
    return _members_page(request, session, owner)


def _refused(request: Request, session: Session, owner: Rep, exc: DomainError) -> Response:
    """Undo the request's changes and show the page again with the reason."""
    undo(session, owner.member)
    return _members_page(request, session, owner, error=exc.detail, status_code=exc.status_code)


@router.post("/dashboard/{slug}/members/invite")
def invite(request: Request, form: FormDep, session: SessionDep, owner: OwnedCompany) -> Response:
    values = {"email": text(form, "email"), "role": text(form, "role")}
    try:
        invitations.invite(
            session=session,
            company=owner.company,
            actor=owner.user,
            email=values["email"],
            role=_role(values["role"]),
        )
    except team.InvalidInput as exc:
        undo(session, owner.member)
        return _members_page(
            request, session, owner, values=values, errors=exc.errors, status_code=422
        )
    except DomainError as exc:
        undo(session, owner.member)
        return _members_page(
            request,
            session,
            owner,
            values=values,
            error=exc.detail,
            status_code=exc.status_code,
        )
    return RedirectResponse(
        f"/dashboard/{owner.company.slug}/members?done=invited", status_code=303
    )


@router.post("/dashboard/{slug}/members/{member_id}/role")
def change_role(
    request: Request, form: FormDep, session: SessionDep, owner: OwnedCompany, member_id: RecordId
) -> Response:
    role = text(form, "role")
    try:
        team.change_role(
            session=session,
            company_id=pk(owner.company),
            actor=owner.user,
            member_id=member_id,
            role=_role(role),
        )
    except DomainError as exc:
        return _refused(request, session, owner, exc)
    return RedirectResponse(f"/dashboard/{owner.company.slug}/members?done=role", status_code=303)


@router.post("/dashboard/{slug}/members/{member_id}/revoke")
def revoke(
    request: Request, session: SessionDep, owner: OwnedCompany, member_id: RecordId
) -> Response:
    company, user, slug = owner.company, owner.user, owner.company.slug
    try:
        former = team.revoke(
            session=session, company_id=pk(company), actor=user, member_id=member_id
        )
    except DomainError as exc:
        return _refused(request, session, owner, exc)
    # Nobody owns a complaint they cannot act on: back to the queue, and the owners are told.
    released_mail.release(
        session=session,
        company=company,
        members=[former],
        actor=user,
        why="left the team",
        because=f"{former.public_name} no longer answers for {company.name}.",
    )
    if members.membership(session=session, company_id=pk(company), user=user) is None:
        return RedirectResponse(f"/companies/{slug}", status_code=303)  # they removed themselves
    return RedirectResponse(f"/dashboard/{slug}/members?done=revoked", status_code=303)


@router.post("/dashboard/{slug}/invitations/{invitation_id}/cancel")
def cancel_invitation(
    request: Request, session: SessionDep, owner: OwnedCompany, invitation_id: RecordId
) -> Response:
    company, slug = owner.company, owner.company.slug
    try:
        invitations.cancel_invitation(
            session=session, company_id=pk(company), actor=owner.user, invitation_id=invitation_id
        )
    except DomainError as exc:
        return _refused(request, session, owner, exc)
    return RedirectResponse(f"/dashboard/{slug}/members?done=cancelled", status_code=303)


# The rep's own public name -------------------------------------------------------------------


def _me_page(
    request: Request,
    company: Company,
    member: CompanyMember,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "team/me.html",
        {
            "company": company,
            "is_owner": member.role is Role.OWNER,
            "values": values,
            "errors": errors or {},
            "done": done,
        },
        status_code=status_code,
    )


@router.get("/dashboard/{slug}/me")
def me_page(request: Request, rep: RepCompany) -> Response:
    company, member = rep.company, rep.member
    values = {"public_name": member.public_name, "job_title": member.job_title}
    return _me_page(request, company, member, values, done=request.query_params.get("done"))


@router.post("/dashboard/{slug}/me")
def update_me(request: Request, form: FormDep, session: SessionDep, rep: RepCompany) -> Response:
    company = rep.company
    values = {"public_name": text(form, "public_name"), "job_title": text(form, "job_title")}
    try:
        team.update_me(session=session, company=company, user=rep.user, **values)
    except team.InvalidInput as exc:
        undo(session, rep.member)
        return _me_page(request, company, rep.member, values, exc.errors, status_code=422)
    return RedirectResponse(f"/dashboard/{company.slug}/me?done=saved", status_code=303)


# The invitation link -------------------------------------------------------------------------


def _no_referrer(response: Response) -> Response:
    # The token is in the address: never pass it on to another site.
    response.headers["referrer-policy"] = "no-referrer"
    return response


@router.get("/invitations/{token}")
def invitation_page(
    request: Request, session: SessionDep, user: OptionalUser, token: str
) -> Response:
    invitation = invitations.invitation_for_token(session=session, token=token)
    if reason := invitations.closed_reason(invitation):
        raise invitations.InvitationClosed(reason)
    company = companies.get(session=session, company_id=invitation.company_id)
    return _no_referrer(
        render(
            request,
            "team/invitation.html",
            {
                "invitation": invitation,
                "company": company,
                "token": token,
                "wrong_account": user is not None
                and not invitations.email_matches(invitation, user),
                "next": request.url.path,
            },
        )
    )


@router.post("/invitations/{token}")
def accept_invitation(
    request: Request, session: SessionDep, user: CurrentUser, token: str
) -> Response:
    member = invitations.accept(session=session, token=token, user=user)
    company = companies.get(session=session, company_id=member.company_id)
    if company is None:
        raise NotFound("There is no company at this address.")
    # Straight to the page where the new rep checks the name that will sign their replies.
    return RedirectResponse(f"/dashboard/{company.slug}/me?done=joined", status_code=303)
