"""Every error becomes an HTML page or an RFC 9457 problem detail, never a stack trace."""

import inspect
import logging
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from app.accounts.service import user_for_token
from app.companies.merge import redirect_for
from app.config import get_settings
from app.db import get_session
from app.errors import DomainError, NotFound
from app.web.carry import expired_filing
from app.web.csrf import FormExpired
from app.web.deps import LoginRequired
from app.web.forms import api_message, page_message
from app.web.headers import security_headers
from app.web.ids import NO_SUCH_RECORD
from app.web.sessions import session_token
from app.web.templating import render

log = logging.getLogger(__name__)


def wants_problem(request: Request) -> bool:
    """The API and every ``.json`` download answer errors as JSON, as their clients parse it."""
    path = request.url.path
    return path.startswith("/api/") or path.endswith(".json")


def problem(status: int, detail: str, *, title: str | None = None, **extra: Any) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def error_response(request: Request, status: int, detail: str, **extra: Any) -> Response:
    if wants_problem(request):
        return problem(status, detail, **extra)
    context = {"status": status, "title": HTTPStatus(status).phrase, "detail": detail}
    return render(
        request,
        "error.html",
        {**context, "current_user": _loaded_user(request)},
        status_code=status,
    )


async def _look_up_user(request: Request) -> Any:
    """The visitor behind the session cookie, for an error raised before any route looked (an
    unknown address): the page's navigation should not offer "Log in" to someone signed in.
    Through the app's own session provider, so it reads what the request would have read."""
    token = session_token(request)
    if not token:
        return None
    return await _with_session(request, lambda s: user_for_token(session=s, token=token))


async def _with_session(request: Request, work: Any) -> Any:
    """Run ``work(session)`` in a thread, in a session from the app's own provider (so tests'
    overrides apply), for an error page that needs one more read. The provider is entered and
    left as FastAPI would: an async one on the event loop (it holds a connection slot), a plain
    generator in a thread."""
    provider = request.app.dependency_overrides.get(get_session, get_session)
    sessions = provider(request) if provider is get_session else provider()
    if inspect.isasyncgen(sessions):
        session = await anext(sessions)
        try:
            return await anyio.to_thread.run_sync(work, session)
        finally:
            await anext(sessions, None)  # ends the provider: its commit of nothing, its close
    session = await anyio.to_thread.run_sync(next, sessions)  # type: ignore[arg-type]  # next() overloads
    try:
        return await anyio.to_thread.run_sync(work, session)
    finally:
        await anyio.to_thread.run_sync(next, sessions, None)  # type: ignore[arg-type]  # next() overloads


MERGED_COMPANY = re.compile(r"/companies/([^/]+)(/.*)?")


async def _merged_into(request: Request) -> str | None:
    """Where a merged company's old address (and everything under it) lives now."""
    match = MERGED_COMPANY.fullmatch(request.url.path)
    if not match:
        return None
    company = await _with_session(request, lambda s: redirect_for(session=s, slug=match.group(1)))
    if company is None:
        return None
    query = f"?{request.url.query}" if request.url.query else ""
    return f"/companies/{company.slug}{match.group(2) or ''}{query}"


def _loaded_user(request: Request) -> Any:
    """The signed-in user, unless a failed request's rollback expired it: reloading it would
    ask the database that just failed (and the session is closed), so show the page as to a
    visitor instead."""
    user = getattr(request.state, "user", None)
    if user is None:
        return None
    state = sa_inspect(user)
    return None if state.detached and state.unloaded else user


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        # A visitor no longer logged in is offered to log in and continue; a signed-in one with
        # a foreign token (a forgery) keeps the plain refusal.
        if (
            isinstance(exc, FormExpired)
            and request.url.path == "/complaints/new"
            and await _look_up_user(request) is None
        ):
            request.state.user = None
            return expired_filing(request, dict(await request.form()))
        if (
            isinstance(exc, NotFound)
            and request.method == "GET"  # HEAD arrives here as GET (EdgeMiddleware)
            and (target := await _merged_into(request))
        ):
            return RedirectResponse(target, status_code=301)
        return error_response(request, exc.status_code, exc.detail)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if wants_problem(request):
            return problem(401, "Sign in, or send an API token.")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if all(e["type"] == NO_SUCH_RECORD for e in exc.errors()):
            # A record number no table can hold names nothing: as for any missing record.
            return error_response(request, 404, "There is nothing at this address.")
        if not wants_problem(request) and any(e["loc"][:1] == ("path",) for e in exc.errors()):
            # /complaints/abc names nothing, as /complaints/999999 does not.
            return await _http(request, HTTPException(404))
        errors = [
            {"loc": list(e["loc"]), "msg": api_message(e), "type": e["type"]} for e in exc.errors()
        ]
        detail = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in errors)
        if wants_problem(request):
            # Name the field and what is wrong in the detail: API clients log only that line.
            return problem(422, detail or "The request is not valid.", errors=errors)
        plain = "; ".join(f"{e['loc'][-1]}: {page_message(e)}" for e in exc.errors())
        return error_response(request, 400, f"Some of what was sent is not valid ({plain})")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        messages = {
            404: "There is nothing at this address.",
            405: "This address does not accept that kind of request.",
        }
        detail = (
            exc.detail
            if isinstance(exc.detail, str) and exc.status_code not in messages
            else messages.get(exc.status_code, HTTPStatus(exc.status_code).phrase)
        )
        if exc.status_code in messages and not hasattr(request.state, "user"):
            request.state.user = await _look_up_user(request)
        response = error_response(request, exc.status_code, detail)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        # A database restart or a lock held too long: the request was rolled back, so it is safe
        # to repeat; say so and when, instead of a generic 500 (load balancers retry on 503).
        if (
            not isinstance(exc, OperationalError | InterfaceError)
            and not exc.connection_invalidated
        ):
            return await _crash(request, exc)
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        response = error_response(
            request,
            503,
            "The database is unavailable for a moment. Nothing you sent was saved; "
            "please try again in a few seconds.",
        )
        response.headers["retry-after"] = "5"
        return response

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        response = error_response(
            request,
            500,
            "Something went wrong on our side. Nothing you sent "
            "was saved; please try again in a moment.",
        )
        # Starlette answers a crash from its outermost middleware, outside EdgeMiddleware.
        security_headers(response.raw_headers, https=get_settings().is_https)
        return response
