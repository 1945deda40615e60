"""The owner's integrations pages: API tokens, webhooks and their deliveries."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.errors import Conflict, NotFound
from app.integrations import tokens, webhooks
from app.integrations.overview import overview, owned_company
from app.models.user import User
from app.web import ratelimit
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, SessionDep
from app.web.forms import FormDep, text
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
    request: Request,
    session: Session,
    slug: str,
    user: User,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    only = _filter(request)
    data = overview(session=session, slug=slug, owner=user, only=only)
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


def _back(slug: str) -> Response:
    return RedirectResponse(f"/dashboard/{slug}/integrations", status_code=303)


@router.get("")
def index(request: Request, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    return _page(request, session, slug, user)


@router.post("/tokens")
def create_token(
    request: Request, form: FormDep, session: SessionDep, user: CurrentUser, slug: str
) -> Response:
    values = {"token_name": text(form, "token_name")}
    company = owned_company(session=session, slug=slug, user=user)
    try:
        ratelimit.hit("api_token_user", str(user.id))
        token, raw = tokens.create(
            session=session, company=company, owner=user, name=values["token_name"]
        )
    except (Conflict, ratelimit.RateLimited) as exc:
        session.rollback()
        page = _page(
            request,
            session,
            slug,
            user,
            values={**values, "events": list(webhooks.EVENTS)},
            errors={"token_name": exc.detail},
            status_code=exc.status_code if isinstance(exc, ratelimit.RateLimited) else 422,
        )
        if isinstance(exc, ratelimit.RateLimited):
            ratelimit.with_retry_after(page, exc)
        return page
    # Shown once, on this response only: just its hash is kept.
    return _page(request, session, slug, user, new_token=raw, new_token_name=token.name)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(session: SessionDep, user: CurrentUser, slug: str, token_id: RecordId) -> Response:
    company = owned_company(session=session, slug=slug, user=user)
    tokens.revoke(session=session, company=company, owner=user, token_id=token_id)
    return _back(slug)


@router.post("/webhooks")
def create_webhook(
    request: Request, form: FormDep, session: SessionDep, user: CurrentUser, slug: str
) -> Response:
    values = {
        "url": text(form, "url"),
        "events": [e for e in form.getlist("events") if isinstance(e, str)],
    }
    company = owned_company(session=session, slug=slug, user=user)
    try:
        webhooks.create(
            session=session,
            company=company,
            owner=user,
            url=values["url"],
            events=values["events"],
        )
    except webhooks.InvalidWebhook as exc:
        session.rollback()
        return _page(
            request,
            session,
            slug,
            user,
            values=values,
            errors={exc.field: exc.detail},
            status_code=422,
        )
    return _back(slug)


@router.post("/webhooks/{webhook_id}/{change}")
def change_webhook(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    slug: str,
    webhook_id: RecordId,
    change: str,
) -> Response:
    try:
        return _change(session, user, slug, webhook_id, change)
    except Conflict as exc:
        session.rollback()
        return _page(request, session, slug, user, notice=exc.detail, status_code=409)


def _change(session: Session, user: User, slug: str, webhook_id: int, change: str) -> Response:
    company = owned_company(session=session, slug=slug, user=user)
    args = {"session": session, "company": company, "owner": user, "webhook_id": webhook_id}
    if change == "delete":
        webhooks.delete(**args)
    elif change == "test":
        webhooks.send_test(**args)
    elif change == "replay":
        webhooks.replay_held(**args)
    elif change in ("enable", "disable"):
        webhooks.set_active(**args, active=change == "enable")
    else:
        raise NotFound("There is no such action.")
    return _back(slug)


@router.post("/deliveries/{job_id}/retry")
def retry_delivery(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, job_id: RecordId
) -> Response:
    company = owned_company(session=session, slug=slug, user=user)
    try:
        webhooks.retry(session=session, company=company, owner=user, job_id=job_id)
    except Conflict as exc:
        session.rollback()
        return _page(request, session, slug, user, notice=exc.detail, status_code=409)
    return _back(slug)
