"""/admin/redaction: admins' redaction rules (pattern, replacement, reason), audited and
re-applied to existing text; and /complaints/{id}/original, the text as typed, for its author and
moderators only."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.complaints import service as complaints
from app.errors import DomainError, NotFound
from app.redaction import rules
from app.redaction.service import originals as originals_for
from app.web.access import AdminUser, admin_user
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, SessionDep
from app.web.forms import FormDep, text, undo
from app.web.ids import RecordId
from app.web.templating import render

router = APIRouter(
    prefix="/admin/redaction", dependencies=[Depends(require_csrf), Depends(admin_user)]
)
originals = APIRouter(dependencies=[Depends(require_csrf)])


def _page(
    request: Request,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    failed: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/redaction.html",
        {
            "rules": rules.list_rules(session=session),
            "errors": errors or {},
            "values": values or {},
            "failed": failed,  # "new" or the rule id whose form the errors belong to
            "done": request.query_params.get("done", ""),
        },
        status_code=status_code,
    )


@router.get("")
def rule_list(request: Request, session: SessionDep, _admin: AdminUser) -> Response:
    return _page(request, session)


def _refused(
    request: Request, session: Session, exc: DomainError, values: dict[str, str], failed: str
) -> Response:
    undo(session)
    field = getattr(exc, "field", "pattern")
    return _page(
        request,
        session,
        errors={field: exc.detail},
        values=values,
        failed=failed,
        status_code=422 if exc.status_code in (400, 422) else exc.status_code,
    )


@router.post("")
def create(request: Request, form: FormDep, session: SessionDep, admin: AdminUser) -> Response:
    values = {k: text(form, k) for k in ("pattern", "replacement", "reason")}
    try:
        rules.create(
            session=session,
            admin=admin,
            pattern=values["pattern"],
            replacement=values["replacement"],
            reason=values["reason"],
        )
    except DomainError as exc:
        return _refused(request, session, exc, values, "new")
    return RedirectResponse("/admin/redaction?done=created", status_code=303)


@router.post("/{rule_id}")
def update(
    request: Request, form: FormDep, session: SessionDep, admin: AdminUser, rule_id: RecordId
) -> Response:
    rule = rules.get_or_404(session=session, rule_id=rule_id)
    values = {k: text(form, k) for k in ("pattern", "replacement", "reason")}
    try:
        rules.update(
            session=session,
            admin=admin,
            rule=rule,
            pattern=values["pattern"],
            replacement=values["replacement"],
            reason=values["reason"],
        )
    except DomainError as exc:
        return _refused(request, session, exc, values, str(rule_id))
    return RedirectResponse("/admin/redaction?done=updated", status_code=303)


@router.post("/{rule_id}/delete")
def delete(
    request: Request, form: FormDep, session: SessionDep, admin: AdminUser, rule_id: RecordId
) -> Response:
    rule = rules.get_or_404(session=session, rule_id=rule_id)
    values = {"reason": text(form, "reason")}
    try:
        rules.delete(session=session, admin=admin, rule=rule, reason=values["reason"])
    except DomainError as exc:
        return _refused(request, session, exc, values, f"delete-{rule_id}")
    return RedirectResponse("/admin/redaction?done=deleted", status_code=303)


@originals.get("/complaints/{complaint_id}/original")
def original(
    request: Request, session: SessionDep, user: CurrentUser, complaint_id: RecordId
) -> Response:
    """What the viewer typed, beside what was published (moderators: everything)."""
    complaint = complaints.get(session=session, complaint_id=complaint_id)
    allowed = complaint and originals_for(session=session, user=user, complaint=complaint)
    if not allowed:
        # One answer for "missing" and "not yours": the number tells a stranger nothing.
        raise NotFound("There is no complaint with that number.")
    own_fields, messages = allowed
    response = render(
        request,
        "redaction/original.html",
        {"complaint": complaint, "own_fields": own_fields, "messages": messages},
    )
    response.headers["Cache-Control"] = "private, no-store"  # personal data
    response.headers["X-Robots-Tag"] = "noindex"
    return response
