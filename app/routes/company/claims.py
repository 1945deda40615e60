"""Claiming a company: the start form, the claim page with its instructions, "Verify now"."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.claims import codes, reverify
from app.claims import service as claims
from app.claims.verifier import TXT_PREFIX, WELL_KNOWN_PATH, Proof, Verifier, get_verifier
from app.companies import service as companies
from app.config import get_settings
from app.errors import Conflict, DomainError
from app.models.company import Company
from app.models.keys import pk
from app.models.membership import Claim, ClaimMethod
from app.models.user import User
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, SessionDep
from app.web.forms import FormDep, text, undo
from app.web.ids import RecordId
from app.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])
VerifierDep = Annotated[Verifier, Depends(get_verifier)]


def _start_page(
    request: Request,
    session: Session,
    company: Company,
    user: User,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "claims/start.html",
        {
            "company": company,
            "claimed": claims.verified_claim(session=session, company_id=pk(company)),
            "open_claims": claims.open_claims_of(
                session=session, user=user, company_id=pk(company)
            ),
            "claim_days": claims.CLAIM_DAYS,
            "values": values or {"method": ClaimMethod.DNS.value, "domain": company.domain or ""},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/companies/{slug}/claim")
def start_form(request: Request, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    return _start_page(
        request, session, companies.get_by_slug_or_404(session=session, slug=slug), user
    )


@router.post("/companies/{slug}/claim")
def start(
    request: Request,
    form: FormDep,
    session: SessionDep,
    user: CurrentUser,
    verifier: VerifierDep,
    slug: str,
) -> Response:
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    values = {k: text(form, k) for k in ("method", "domain", "email")}
    try:
        method = ClaimMethod(values["method"])
    except ValueError:
        method = ClaimMethod.MANUAL  # refused by the service with a message for the field
    try:
        claim = claims.start(
            session=session,
            user=user,
            company=company,
            method=method,
            verifier=verifier,
            domain=values["domain"],
            email=values["email"],
        )
    except claims.ClaimInputError as exc:
        undo(session)
        return _start_page(
            request,
            session,
            company,
            user,
            values=values,
            errors={exc.field: exc.detail},
            status_code=422,
        )
    except Conflict as exc:
        undo(session)
        return _start_page(
            request,
            session,
            company,
            user,
            values=values,
            errors={"__all__": exc.detail},
            status_code=409,
        )
    return RedirectResponse(f"/claims/{claim.id}", status_code=303)


def claim_page(
    request: Request,
    session: Session,
    claim: Claim,
    *,
    proof: Proof | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "claim": claim,
        "company": companies.get(session=session, company_id=claim.company_id),
        "txt_record": TXT_PREFIX + claim.token,
        "file_url": f"https://{claim.domain}{WELL_KNOWN_PATH}",
        "rechecked": claim.method in reverify.RECHECKED_METHODS,
        "reverify_days": get_settings().reverify_days,
        "code_minutes": codes.CODE_MINUTES,
        "code_attempts": codes.CODE_ATTEMPTS,
        "error": error or (proof.reason if proof and not proof.ok else None),
    }
    return render(request, "claims/detail.html", context, status_code=status_code)


@router.get("/claims/{claim_id}")
def show(request: Request, session: SessionDep, user: CurrentUser, claim_id: RecordId) -> Response:
    return claim_page(
        request, session, claims.get_for(session=session, claim_id=claim_id, user=user)
    )


@router.post("/claims/{claim_id}/verify")
def verify(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    verifier: VerifierDep,
    claim_id: RecordId,
    code: Annotated[str, Form()] = "",
) -> Response:
    """Sync on purpose: the DNS and HTTPS checks block, so FastAPI runs this in a thread."""
    claim = claims.get_for(session=session, claim_id=claim_id, user=user)
    proof = claims.verify(session=session, claim=claim, user=user, verifier=verifier, code=code)
    if proof.ok:
        return RedirectResponse(f"/claims/{claim.id}", status_code=303)
    # No rollback: the refusal itself is kept (a wrong-code count, an expiry, the audit row).
    return claim_page(request, session, claim, proof=proof, status_code=422)


@router.post("/claims/{claim_id}/send-code")
def send_code(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    verifier: VerifierDep,
    claim_id: RecordId,
) -> Response:
    claim = claims.get_for(session=session, claim_id=claim_id, user=user)
    try:
        codes.send_code(session=session, claim=claim, user=user, verifier=verifier)
    except DomainError as exc:
        undo(session, claim)
        return claim_page(request, session, claim, error=exc.detail, status_code=exc.status_code)
    return RedirectResponse(f"/claims/{claim.id}?sent=1", status_code=303)
