"""The queue's bulk actions: tick complaints, then assign, take, resolve or send a saved reply."""

from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from app.dashboard import bulk
from app.errors import DomainError
from app.models.complaint import ResolutionType
from app.web import access
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, SessionDep
from app.web.forms import FormDep, text
from app.web.ids import parse_id

router = APIRouter(prefix="/dashboard", dependencies=[Depends(require_csrf)])


def _back(slug: str, wanted: str, **result: str) -> str:
    """Back to the queue the rep was on (only ever this company's queue), with the result."""
    parts = urlsplit(wanted)
    path = f"/dashboard/{slug}"
    query = parts.query if parts.path == path and not parts.netloc and not parts.scheme else ""
    kept = "&".join(p for p in query.split("&") if p and not p.startswith("bulk_"))
    extra = urlencode(result)
    return f"{path}?{kept}&{extra}" if kept else f"{path}?{extra}"


@router.post("/{slug}/bulk")
def apply(form: FormDep, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    rep = access.rep_company(session, user, slug)
    company, _member = rep.company, rep.member
    ids = [n for n in (parse_id(v) for v in form.getlist("complaint") if isinstance(v, str)) if n]
    action = text(form, "action")
    resolution = text(form, "resolution_type")
    back = text(form, "back")
    try:
        if action not in bulk.Action._value2member_map_:
            raise DomainError("Choose what to do with the ticked complaints.")
        outcome = bulk.apply(
            session=session,
            company=company,
            user=user,
            complaint_ids=ids,
            action=bulk.Action(action),
            assignee_id=parse_id(text(form, "assignee")),
            saved_id=parse_id(text(form, "saved_id")),
            resolution_type=ResolutionType(resolution)
            if resolution in ResolutionType._value2member_map_
            else None,
        )
    except DomainError as exc:
        session.rollback()
        return RedirectResponse(_back(slug, back, bulk_error=exc.detail), status_code=303)
    skipped = "; ".join(f"#{n}: {why}" for n, why in outcome.skipped)
    result = {"bulk_done": str(len(outcome.done))}
    if skipped:
        result["bulk_skipped"] = skipped[:500]
    return RedirectResponse(_back(slug, back, **result), status_code=303)
