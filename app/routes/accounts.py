"""Sign up, log in, log out, and the consumer's own complaints."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import service as accounts
from app.complaints import service as complaints
from app.errors import Conflict
from app.models.forms import SignupForm
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, OptionalUser, SessionDep
from app.web.forms import parse, text
from app.web.pagination import Page
from app.web.sessions import session_token, set_session_cookie
from app.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])


def safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot be used as an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _log_in(request: Request, session: SessionDep, user, target: str) -> Response:
    if old := session_token(request):  # rotate: the pre-login token dies
        accounts.end_session(session=session, token=old)
    response = RedirectResponse(safe_next(target), status_code=303)
    set_session_cookie(request, response, accounts.start_session(session=session, user=user))
    return response


@router.get("/signup")
def signup_form(request: Request, user: OptionalUser) -> Response:
    return render(
        request,
        "accounts/signup.html",
        {"values": {}, "errors": {}, "next": request.query_params.get("next")},
    )


@router.post("/signup")
async def signup(request: Request, session: SessionDep, _user: OptionalUser) -> Response:
    form = await request.form()
    values = {k: text(form, k) for k in ("email", "display_name", "password")}
    data, errors = parse(SignupForm, values)
    if data:
        try:
            user = accounts.create_user(
                session=session,
                email=data.email,
                password=data.password,
                display_name=data.display_name,
            )
            return _log_in(request, session, user, text(form, "next"))
        except Conflict as exc:
            errors = {"email": exc.detail}
    values.pop("password")
    return render(
        request,
        "accounts/signup.html",
        {"values": values, "errors": errors, "next": text(form, "next")},
        status_code=422,
    )


@router.get("/login")
def login_form(request: Request, _user: OptionalUser) -> Response:
    return render(
        request,
        "accounts/login.html",
        {"values": {}, "error": None, "next": request.query_params.get("next", "/")},
    )


@router.post("/login")
async def login(request: Request, session: SessionDep, _user: OptionalUser) -> Response:
    form = await request.form()
    email, target = text(form, "email"), text(form, "next")
    user = accounts.authenticate(session=session, email=email, password=text(form, "password"))
    if user is None:
        return render(
            request,
            "accounts/login.html",
            {
                "values": {"email": email},
                "next": target,
                "error": "That email and password do not match an account.",
            },
            status_code=401,
        )
    return _log_in(request, session, user, target)


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    if token := session_token(request):
        accounts.end_session(session=session, token=token)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, None)
    return response


@router.get("/me/complaints")
def my_complaints(
    request: Request, session: SessionDep, user: CurrentUser, page: int = 1
) -> Response:
    pager = Page.of(page)
    rows, total = complaints.search(
        session=session,
        filters=complaints.Filters(author_id=user.id),
        offset=pager.offset,
        limit=pager.size,
    )
    return render(
        request, "accounts/my_complaints.html", {"rows": rows, "pager": pager.with_total(total)}
    )
