"""One-time sign-in links (app/accounts/sign_in.py): ask for one, open it, press the button."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.accounts import links, sign_in
from app.errors import DomainError
from app.models.token import Purpose
from app.web.csrf import require_csrf
from app.web.deps import OptionalUser, SessionDep
from app.web.forms import FormDep, undo
from app.web.link_pages import ask_for_link, page
from app.web.login import log_in

router = APIRouter(dependencies=[Depends(require_csrf)])

LINK_SENT = (
    "If an account uses that address, we have sent it a sign-in link. It works once, for "
    f"{sign_in.LINK_MINUTES} minutes; check your spam folder too."
)


@router.get("/login/link")
def link_form(request: Request, _user: OptionalUser) -> Response:
    email = request.query_params.get("email", "")
    return page(request, "sign_in_link", values={"email": email}, sent=None, error=None)


@router.post("/login/link")
def ask(request: Request, form: FormDep, session: SessionDep, _user: OptionalUser) -> Response:
    return ask_for_link(
        request,
        form,
        session,
        template="sign_in_link",
        limit="login_link_account",
        send=sign_in.request_link,
        sent=LINK_SENT,
    )


@router.get("/login/link/{token}")
def open_link(request: Request, session: SessionDep, _user: OptionalUser, token: str):
    """Only a page with a button: mail scanners that fetch links sign nobody in."""
    try:
        links.find(session=session, raw=token, purpose=Purpose.SIGN_IN)
    except DomainError as exc:
        return page(request, "link", exc.status_code, error=exc.detail)
    return page(request, "sign_in_confirm", token=token)


@router.post("/login/link/{token}")
def use(request: Request, session: SessionDep, _user: OptionalUser, token: str) -> Response:
    try:
        user = sign_in.use_link(session=session, raw=token)
    except DomainError as exc:
        undo(session)
        return page(request, "link", exc.status_code, error=exc.detail)
    return log_in(request, session, user, "/")
