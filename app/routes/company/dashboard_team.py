"""The team page: workload per rep (every rep reads it) and the routing rules (owners set them)."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.dashboard import routing, team_report, workload
from app.errors import DomainError
from app.models.complaint import Category
from app.models.keys import pk
from app.models.membership import Role
from app.models.team import RoutingMode
from app.web import access
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, SessionDep
from app.web.forms import FormDep, text
from app.web.templating import render

router = APIRouter(prefix="/dashboard", dependencies=[Depends(require_csrf)])


def _page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    slug: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    rep = access.rep_company(session, user, slug)
    company, member = rep.company, rep.member
    loads = workload.per_rep(session=session, company=company)
    return render(
        request,
        "team/team.html",
        {
            "company": company,
            "me": member,
            "is_owner": member.role is Role.OWNER,
            "loads": loads,
            "names": {load.member.user_id: load.member.public_name for load in loads},
            "rules": routing.current(session=session, company_id=pk(company)),
            "modes": routing.MODE_LABELS,
            "RoutingMode": RoutingMode,
            "categories": list(Category),
            "reps": routing.eligible(session=session, company_id=pk(company)),
            "error": error,
            "notice": request.query_params.get("done"),
        },
        status_code=status_code,
    )


@router.get("/{slug}/team")
def team_page(request: Request, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    return _page(request, session, user, slug)


@router.post("/{slug}/team/routing")
def save_routing(
    request: Request, form: FormDep, session: SessionDep, user: CurrentUser, slug: str
) -> Response:
    rep = access.rep_company(session, user, slug)
    company, _member = rep.company, rep.member
    try:
        routing.save(
            session=session,
            company=company,
            user=user,
            mode=text(form, "mode"),
            by_category={c.value: text(form, f"category_{c.value}") for c in Category},
        )
    except DomainError as exc:
        session.rollback()
        return _page(request, session, user, slug, error=exc.detail, status_code=exc.status_code)
    return RedirectResponse(f"/dashboard/{slug}/team?done=routing", status_code=303)


@router.get("/{slug}/team/report")
def report_page(request: Request, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    rep = access.rep_company(session, user, slug)
    company, member = rep.company, rep.member
    return render(
        request,
        "team/report.html",
        {
            "company": company,
            "is_owner": member.role is Role.OWNER,
            "report": team_report.build(session=session, company=company),
            "weeks": team_report.WEEKS,
        },
    )


@router.get("/{slug}/team/report.csv")
def report_csv(session: SessionDep, user: CurrentUser, slug: str, table: str = "times") -> Response:
    rep = access.rep_company(session, user, slug)
    company, _member = rep.company, rep.member
    table = "backlog" if table == "backlog" else "times"
    body = team_report.to_csv(team_report.build(session=session, company=company), table=table)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{company.slug}-team-{table}.csv"'},
    )
