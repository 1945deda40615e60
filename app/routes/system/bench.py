"""Baselines for bench/load.py, mounted only with OUTCRY_BENCH_ENDPOINTS=1.

``/bench/plain`` is the framework's own limit (no database, no template); ``/bench/minimal`` is
the limit for a database-backed page: a dozen rows read and one small template rendered, through
the same session and viewer dependencies as a real page. Outcry's pages are measured as ratios
to these, since absolute figures drift on a shared machine.
"""

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from sqlmodel import col, select

from app.models.complaint import Complaint
from app.web.deps import OptionalUser, SessionDep
from app.web.templating import render

router = APIRouter(prefix="/bench", include_in_schema=False)


@router.get("/plain")
async def plain() -> Response:
    return PlainTextResponse("ok")


@router.get("/minimal")
def minimal(request: Request, session: SessionDep, _user: OptionalUser) -> Response:
    rows = session.exec(
        select(Complaint.id, Complaint.title).order_by(col(Complaint.id).desc()).limit(12)
    ).all()
    return render(request, "bench_minimal.html", {"rows": rows})
