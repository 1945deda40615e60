"""The owner's integrations pages: API tokens, webhooks and their deliveries."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.errors import Conflict, NotFound
from app.integrations import tokens, webhooks
from app.integrations.overview import overview
from app.web import ratelimit
from app.web.access import OwnedCompany, Rep
from app.web.csrf import require_csrf
from app.web.deps import SessionDep
from app.web.forms import FormDep, text, undo
from app.web.ids import RecordId
from app.web.templating import render

router = APIRouter(prefix="/dashboard/{slug}/integrations", dependencies=[Depends(require_csrf)])


def _filter(request: Request) -> webhooks.DeliveryFilter:
    """The delivery log's filters from the address; anything unknown shows everything."""
    query = request.query_params
    hook = query.get("webhook", "")
    event = query.get("event", "")
    outcome = query.get("outcome", "")
    return webhooks.DeliveryFilter(
        webhook_id=int(hook) if hook.isdigit() and len(hook) < 10 else None,
        event=event if event in (*webhooks.EVENTS, webhooks.TEST_EVENT) else "",
        outcome=outcome if outcome in webhooks.OUTCOMES else "",
    )


def _page(
    request: Request, session: Session, owner: Rep, *, status_code: int = 200, **context: Any
) -> Response:
    only = _filter(request)
    data = overview(session=session, slug=owner.company.slug, owner=owner.user, only=only)
    context.setdefault("only", only)
    context.setdefault("outcomes", webhooks.OUTCOMES)
    context.setdefault("test_event", webhooks.TEST_EVENT)
    context.setdefault("values", {"events": list(webhooks.EVENTS)})
    context.setdefault("errors", {})
    response = render(
        request,
        "integrations/index.html",
        {"o": data, "all_events": webhooks.EVENTS, **context},
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"  # it may show a token or a webhook secret
    return response


def _back(owner: Rep) -> Response:
    return RedirectResponse(f"/dashboard/{owner.company.slug}/integrations", status_code=303)


@router.get("")
def index(request: Request, session: SessionDep, owner: OwnedCompany) -> Response:
    return _page(request, session, owner)


@router.post("/tokens")
def create_token(
    request: Request, form: FormDep, session: SessionDep, owner: OwnedCompany
) -> Response:
    values = {"token_name": text(form, "token_name")}
    company, user = owner.company, owner.user
    try:
        ratelimit.hit("api_token_user", str(user.id))
        token, raw = tokens.create(
            session=session, company=company, owner=user, name=values["token_name"]
        )
    except (Conflict, ratelimit.RateLimited) as exc:
        undo(session)
        page = _page(
            request,
            session,
            owner,
            values={**values, "events": list(webhooks.EVENTS)},
            errors={"token_name": exc.detail},
            status_code=exc.status_code if isinstance(exc, ratelimit.RateLimited) else 422,
        )
        if isinstance(exc, ratelimit.RateLimited):
            ratelimit.with_retry_after(page, exc)
        return page
    # Shown once, on this response only: just its hash is kept.
    return _page(request, session, owner, new_token=raw, new_token_name=token.name)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(session: SessionDep, owner: OwnedCompany, token_id: RecordId) -> Response:
    company, user = owner.company, owner.user
    tokens.revoke(session=session, company=company, owner=user, token_id=token_id)
    return _back(owner)


@router.post("/webhooks")
def create_webhook(
    request: Request, form: FormDep, session: SessionDep, owner: OwnedCompany
) -> Response:
    url = text(form, "url")
    events = [e for e in form.getlist("events") if isinstance(e, str)]
    values = {"url": url, "events": events}
    company, user = owner.company, owner.user
    try:
        webhooks.create(session=session, company=company, owner=user, url=url, events=events)
    except webhooks.InvalidWebhook as exc:
        undo(session)
        return _page(
            request,
            session,
            owner,
            values=values,
            errors={exc.field: exc.detail},
            status_code=422,
        )
    return _back(owner)


@router.post("/webhooks/{webhook_id}/{change}")
def change_webhook(
    request: Request, session: SessionDep, owner: OwnedCompany, webhook_id: RecordId, change: str
) -> Response:
    company, user = owner.company, owner.user
    try:
        if change == "delete":
            webhooks.delete(session=session, company=company, owner=user, webhook_id=webhook_id)
        elif change in ("enable", "disable"):
            webhooks.set_active(
                session=session,
                company=company,
                owner=user,
                webhook_id=webhook_id,
                active=change == "enable",
            )
        elif change == "test":
            webhooks.send_test(session=session, company=company, owner=user, webhook_id=webhook_id)
        elif change == "replay":
            webhooks.replay_held(
                session=session, company=company, owner=user, webhook_id=webhook_id
            )
        else:
            raise NotFound("There is no such action.")
    except Conflict as exc:
        undo(session)
        return _page(request, session, owner, notice=exc.detail, status_code=409)
    return _back(owner)


@router.post("/deliveries/{job_id}/retry")
def retry_delivery(
    request: Request, session: SessionDep, owner: OwnedCompany, job_id: RecordId
) -> Response:
    company, user = owner.company, owner.user
    try:
        webhooks.retry(session=session, company=company, owner=user, job_id=job_id)
    except Conflict as exc:
        undo(session)
        return _page(request, session, owner, notice=exc.detail, status_code=409)
    return _back(owner)
