"""/admin/jobs: the outbox's dead letters, with a retry button each (admins only, CSRF)."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.broadcast import breaker
from app.errors import DomainError
from app.jobs import deadletter
from app.web.access import AdminUser, admin_user
from app.web.csrf import require_csrf
from app.web.deps import SessionDep
from app.web.forms import undo
from app.web.ids import RecordId
from app.web.templating import render

router = APIRouter(prefix="/admin/jobs", dependencies=[Depends(require_csrf), Depends(admin_user)])


def _page(
    request: Request, session: Session, *, errors: dict[int, str] | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "admin/jobs.html",
        {
            "counts": deadletter.counts(session=session),
            "dead": deadletter.dead(session=session),
            "stuck": deadletter.stuck(session=session),
            "paused": breaker.paused(session),
            "errors": errors or {},
            "done": request.query_params.get("done") == "retried",
        },
        status_code=status,
    )


@router.get("")
def job_list(request: Request, session: SessionDep, _admin: AdminUser) -> Response:
    return _page(request, session)


@router.post("/{job_id}/retry")
def retry(request: Request, session: SessionDep, admin: AdminUser, job_id: RecordId) -> Response:
    try:
        deadletter.retry(session=session, admin=admin, job_id=job_id)
    except DomainError as exc:
        undo(session)
        return _page(request, session, errors={job_id: exc.detail}, status=exc.status_code)
    return RedirectResponse("/admin/jobs?done=retried", status_code=303)
