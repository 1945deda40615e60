"""A systemic issue's page: the near-identical complaints grouped on the company page."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.companies import service as companies
from app.systemic import service as systemic
from app.web.deps import OptionalUser, SessionDep
from app.web.ids import RecordId
from app.web.templating import render

router = APIRouter()


@router.get("/companies/{slug}/issues/{issue_id}")
def issue(
    request: Request, session: SessionDep, _user: OptionalUser, slug: str, issue_id: RecordId
) -> Response:
    company = companies.public_or_404(session=session, slug=slug, viewer=_user)
    summary, rows = systemic.issue_or_404(session=session, company=company, issue_id=issue_id)
    return render(
        request,
        "companies/issue.html",
        {"company": company, "summary": summary, "rows": rows},
    )
