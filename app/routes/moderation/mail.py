"""Email as a channel: the inbound webhook door (raw MIME, shared secret), the moderators'
holding pen and address suggestions, and anyone's suggestion of a complaints address."""

import hmac

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.companies import service as companies
from app.config import get_settings
from app.errors import Conflict, DomainError, Forbidden, NotFound
from app.mailchannel import directory, pen, process, store
from app.mailchannel.parse import load, recipients
from app.models.keys import pk
from app.web.access import ModeratorUser
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, SessionDep
from app.web.forms import FormDep, text
from app.web.ids import RecordId
from app.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])
inbound = APIRouter()  # a mail provider's webhook: the shared secret, not a CSRF token


def _authorised(request: Request) -> None:
    secret = get_settings().mail_inbound_secret
    if not secret or not get_settings().mail_domain:
        raise NotFound("Inbound mail is not enabled on this site.")
    sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(sent.encode(), secret.encode()):
        raise Forbidden("Wrong or missing inbound secret (Authorization: Bearer …).")


@inbound.post("/inbound/email", include_in_schema=False)
async def inbound_email(request: Request, session: SessionDep) -> Response:
    """Raw MIME (message/rfc822) in the body; the reply address in ?to= or the message's own
    To/Delivered-To headers. 202 once stored; 404 for an unknown or expired reply address."""
    _authorised(request)
    raw = await request.body()
    if not raw.strip():
        raise Conflict("The body must be the raw message (message/rfc822).")
    wanted = request.query_params.get("to") or ""
    candidates = (
        [wanted] if wanted else [r for r in recipients(load(raw)) if r.startswith("reply+")]
    )
    if not candidates:
        raise NotFound(store.UNKNOWN)

    def accept() -> tuple[int, bool]:
        row, new = store.accept(
            session=session,
            raw=raw,
            via="http",
            envelope_from=request.headers.get("x-envelope-from", ""),
            recipient=candidates[0],
        )
        return pk(row), new

    inbound_id, new = await run_in_threadpool(accept)
    return JSONResponse({"id": inbound_id, "duplicate": not new}, status_code=202 if new else 200)


@router.get("/moderation/mail")
def holding_pen(request: Request, session: SessionDep, moderator: ModeratorUser) -> Response:
    return render(
        request,
        "moderation/mail.html",
        {
            "current_user": moderator,
            "held": pen.held(session=session),
            "suggested": directory.pending(session=session),
        },
    )


@router.post("/moderation/mail/{inbound_id}/{decision}")
def decide(
    request: Request,
    session: SessionDep,
    moderator: ModeratorUser,
    inbound_id: RecordId,
    decision: str,
) -> Response:
    try:
        choice = pen.Decision(decision)
    except ValueError:
        raise NotFound("No such decision.") from None
    pen.decide(session=session, inbound_id=inbound_id, moderator=moderator, decision=choice)
    return RedirectResponse("/moderation/mail", status_code=303)


@router.post("/moderation/mail-addresses/{address_id}/{decision}")
def review_address(
    session: SessionDep, moderator: ModeratorUser, address_id: RecordId, decision: str
) -> Response:
    if decision not in ("approve", "reject"):
        raise NotFound("No such decision.")
    directory.review(
        session=session, address_id=address_id, moderator=moderator, approve=decision == "approve"
    )
    return RedirectResponse("/moderation/mail", status_code=303)


@router.post("/companies/{slug}/complaints-address")
def suggest_address(
    request: Request, form: FormDep, session: SessionDep, user: CurrentUser, slug: str
) -> Response:
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    try:
        directory.suggest(
            session=session,
            company=company,
            address=text(form, "address"),
            source_url=text(form, "source_url"),
            user=user,
        )
    except DomainError as exc:
        return render(
            request,
            "companies/suggest_address.html",
            {"company": company, "error": exc.detail, "values": dict(form)},
            status_code=exc.status_code,
        )
    return render(request, "companies/suggest_address.html", {"company": company, "done": True})


@router.get("/companies/{slug}/complaints-address")
def suggest_form(request: Request, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    history = directory.addresses(session=session, company=company)
    return render(
        request,
        "companies/suggest_address.html",
        {"company": company, "values": {}, "history": history},
    )


@router.get("/complaints/{complaint_id}/mail/{inbound_id}")
def confirm_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    complaint_id: RecordId,
    inbound_id: RecordId,
) -> Response:
    inbound, complaint, masked_text = process.pending_confirmation(
        session=session, inbound_id=inbound_id, user=user
    )
    if complaint.id != complaint_id:
        raise NotFound("There is no such reply of yours waiting.")
    return render(
        request,
        "complaints/mail_confirm.html",
        {"inbound": inbound, "complaint": complaint, "masked_text": masked_text},
    )


@router.post("/complaints/{complaint_id}/mail/{inbound_id}")
def confirm_reply(
    session: SessionDep, user: CurrentUser, complaint_id: RecordId, inbound_id: RecordId
) -> Response:
    _inbound, complaint = process.confirm(session=session, inbound_id=inbound_id, user=user)
    return RedirectResponse(f"/complaints/{complaint.id}", status_code=303)
