"""The methodology page and the public rows behind the numbers (complaints as CSV or JSON)."""

import json
from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from sqlmodel import Session

from app.clock import utcnow
from app.companies import service as companies
from app.config import get_settings
from app.errors import DomainError, NotFound
from app.models.company import SECTORS
from app.models.complaint import Category
from app.stats import export
from app.stats.metrics import CHANGELOG, METHODOLOGY_VERSION, METRICS, WINDOW_LABELS
from app.web.csrf import require_csrf
from app.web.deps import OptionalUser
from app.web.downloads import StreamSessionDep, csv_response, download_name, stats_window
from app.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])


@router.get("/methodology")
def methodology(request: Request, _user: OptionalUser) -> Response:
    settings = get_settings()
    return render(
        request,
        "methodology.html",
        {
            "metrics": METRICS,
            "version": METHODOLOGY_VERSION,
            "changelog": CHANGELOG,
            "windows": WINDOW_LABELS,
            "min_ranked": settings.min_ranked_complaints,
            "deadline_days": settings.response_deadline_days,
            "industries": SECTORS,
            "leaderboard_columns": export.LEADERBOARD_COLUMNS,
            "complaint_columns": export.COMPLAINT_COLUMNS,
        },
    )


def _complaint_filters(session: Session, company: str, window: str, category: str):
    company_id = None
    if company:
        found = companies.get_by_slug(session=session, slug=company)
        if found is None:
            raise NotFound("There is no company with that slug.")
        company_id = found.id
    if category and category not in {c.value for c in Category}:
        raise DomainError("unknown category")
    return {"company_id": company_id, "period": stats_window(window), "category": category}


@router.get("/data/complaints.csv")
def complaints_csv(
    session: StreamSessionDep, company: str = "", window: str = "all", category: str = ""
) -> Response:
    """The public rows behind the numbers: listed complaints, public (redacted) fields only."""
    filters = _complaint_filters(session, company, window, category)
    rows = export.complaint_rows(session=session, now=utcnow(), **filters)
    columns = [name for name, _ in export.COMPLAINT_COLUMNS]
    name = download_name("outcry-complaints", company, window, category) + ".csv"
    return csv_response(export.csv_lines(columns, rows), name)


@router.get("/data/complaints.json")
def complaints_json(
    session: StreamSessionDep, company: str = "", window: str = "all", category: str = ""
) -> Response:
    filters = _complaint_filters(session, company, window, category)
    rows = export.complaint_rows(session=session, now=utcnow(), **filters)

    def lines() -> Iterator[str]:
        yield '{"methodology_version": ' + json.dumps(METHODOLOGY_VERSION) + ', "rows": ['
        for i, row in enumerate(rows):
            yield ("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False)
        yield "\n]}\n"

    return StreamingResponse(lines(), media_type="application/json")
