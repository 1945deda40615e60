"""/broadcasts: what the broadcaster posted, or in a dry run would have posted, newest first."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.broadcast import delivery, listing
from app.web.deps import OptionalUser, SessionDep
from app.web.pagination import Page
from app.web.templating import render

router = APIRouter()


@router.get("/broadcasts")
def broadcasts(
    request: Request, session: SessionDep, _user: OptionalUser, page: int = 1
) -> Response:
    pager = Page.of(page)
    entries, total = listing.page(session=session, offset=pager.offset, limit=pager.size)
    return render(
        request,
        "broadcasts/list.html",
        {
            "entries": entries,
            "pager": pager.with_total(total),
            "query": "",
            "dry_run": "dryrun" in delivery.adapters(),
        },
    )
