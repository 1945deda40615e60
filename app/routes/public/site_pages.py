"""About, privacy, terms and contact: what a site that publishes complaints about named companies
owes its readers. Defaults are written for any operator; an operator replaces one with a Markdown
file of the same name (about.md, privacy.md, terms.md, contact.md) in OUTCRY_SITE_PAGES_DIR."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.config import get_settings
from app.text.markdown import render as markdown
from app.web import caching
from app.web.deps import OptionalUser
from app.web.templating import render

router = APIRouter()

PAGES = {
    "about": "About Outcry",
    "privacy": "Privacy",
    "terms": "Terms of use",
    "contact": "Contact",
}


def operator_text(name: str) -> str | None:
    """The operator's own Markdown for a page, rendered (raw HTML is never passed through)."""
    folder = get_settings().site_pages_dir
    if not folder:
        return None
    path = Path(folder) / f"{name}.md"
    return markdown(path.read_text(encoding="utf-8")) if path.is_file() else None


def _page(name: str):
    def show(request: Request, user: OptionalUser) -> Response:
        context = {"title": PAGES[name], "custom": operator_text(name), "page": name}
        page = render(request, f"site/{name}.html", context)
        return caching.conditional(request, viewer=user).apply(page)

    show.__name__ = f"site_{name}"
    return show


for _name in PAGES:
    router.add_api_route(f"/{_name}", _page(_name), methods=["GET"])


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it even with a <link rel="icon">; the SVG is the only icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)
