"""Admin pages (User.is_admin). Every route here is behind ``admin_user`` (app/web/access.py) and CSRF; a new
section adds its routes to ``router`` and a line to ``SECTIONS``."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.claims import decisions
from app.clock import utcnow
from app.companies import service as companies
from app.errors import DomainError, NotFound
from app.models.membership import Claim
from app.web.access import AdminUser, admin_user
from app.web.csrf import require_csrf
from app.web.deps import SessionDep
from app.web.forms import FormDep, text, undo
from app.web.ids import RecordId
from app.web.templating import render

router = APIRouter(prefix="/admin", dependencies=[Depends(require_csrf), Depends(admin_user)])

# (path, title, what it is for) for the admin home page.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "/admin/claims",
        "Company claims",
        "Claims to review, approve or reject; companies' domains to confirm.",
    ),
    ("/admin/jobs", "Background jobs", "Dead mail, webhook and broadcast jobs to retry."),
    ("/admin/companies", "Merge companies", "Fold a duplicate company into the real one."),
    ("/admin/redaction", "Redaction rules", "Patterns masked in every public text."),
)


@router.get("")
def home(request: Request, _admin: AdminUser) -> Response:
    return render(request, "admin/index.html", {"sections": SECTIONS})


def _claims_page(
    request: Request,
    session: Session,
    *,
    errors: dict[int | str, str] | None = None,
    values: dict[int | str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/claims.html",
        {
            "rows": decisions.pending(session=session),
            "errors": errors or {},
            "values": values or {},
            "done": request.query_params.get("done"),
        },
        status_code=status_code,
    )


@router.get("/claims")
def claim_list(request: Request, session: SessionDep, _admin: AdminUser) -> Response:
    return _claims_page(request, session)


def _claim(session: Session, claim_id: int) -> Claim:
    if (claim := session.get(Claim, claim_id)) is None:
        raise NotFound("There is no claim with that number.")
    return claim


@router.post("/claims/{claim_id}/{decision}")
def decide(
    request: Request,
    form: FormDep,
    session: SessionDep,
    admin: AdminUser,
    claim_id: RecordId,
    decision: str,
) -> Response:
    """Approve by hand (method MANUAL) or reject with a reason; a refusal keeps what was typed."""
    if decision not in ("approve", "reject"):
        raise NotFound("There is no such decision.")
    claim = _claim(session, claim_id)
    note = text(form, "note")
    try:
        if decision == "approve":
            decisions.approve(session=session, claim=claim, admin=admin, note=note)
        else:
            decisions.reject(session=session, claim=claim, admin=admin, reason=note)
    except DomainError as exc:
        undo(session)
        return _claims_page(
            request,
            session,
            errors={claim_id: exc.detail},
            values={claim_id: {"note": note}},
            status_code=exc.status_code if exc.status_code != 400 else 422,
        )
    done = "approved" if decision == "approve" else "rejected"
    return RedirectResponse(f"/admin/claims?done={done}", status_code=303)


@router.post("/companies/domain")
def set_domain(request: Request, form: FormDep, session: SessionDep, admin: AdminUser) -> Response:
    """Set or confirm a company's own domain (audited): claims proven on it are then granted."""
    values = {k: text(form, k) for k in ("slug", "domain")}
    company = companies.get_by_slug(session=session, slug=values["slug"])
    try:
        if company is None:
            raise NotFound("There is no company with that address (the part after /companies/).")
        decisions.set_domain(
            session=session, company=company, domain=values["domain"], admin=admin, now=utcnow()
        )
    except DomainError as exc:
        undo(session)
        return _claims_page(
            request,
            session,
            errors={"domain": exc.detail},
            values={"domain": values},
            status_code=exc.status_code if exc.status_code not in (400, 404) else 422,
        )
    return RedirectResponse("/admin/claims?done=domain", status_code=303)
