"""oEmbed (https://oembed.com) for complaint pages: a "rich" response whose html is an iframe of
the complaint's card (/complaints/{id}/card)."""

import re
from html import escape
from urllib.parse import urlsplit

from sqlmodel import Session, select

from app.complaints.visibility import listed
from app.config import get_settings
from app.errors import NotFound
from app.models.company import Company
from app.models.complaint import Complaint
from app.text.ids import parse_id

_PATH = re.compile(r"/complaints/(\d+)/?")
DEFAULT_WIDTH = 480
MIN_WIDTH = 240
HEIGHT = 200
CACHE_AGE = 300


def complaint_id_from(url: str) -> int | None:
    """The complaint number in one of our complaint URLs; None for anything else."""
    base = urlsplit(get_settings().base_url)
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != base.netloc.lower():
        return None
    match = _PATH.fullmatch(parts.path)
    return parse_id(match.group(1)) if match else None


def listed_complaint(*, session: Session, complaint_id: int) -> tuple[Complaint, Company]:
    """A complaint any list may show, with its company; NotFound for the rest, so an embed never
    reveals a held, unlisted, hidden or removed complaint."""
    row = session.exec(
        select(Complaint, Company)
        .join(Company, Company.id == Complaint.company_id)  # type: ignore[arg-type]
        .where(Complaint.id == complaint_id, listed())
    ).first()
    if row is None:
        raise NotFound("There is no public complaint with that number.")
    return row


def response(
    *, session: Session, url: str, maxwidth: int | None = None, maxheight: int | None = None
) -> dict[str, object]:
    complaint_id = complaint_id_from(url)
    if complaint_id is None:
        raise NotFound("That is not the address of an Outcry complaint.")
    complaint, company = listed_complaint(session=session, complaint_id=complaint_id)
    base = get_settings().base_url
    width = max(MIN_WIDTH, min(DEFAULT_WIDTH, maxwidth or DEFAULT_WIDTH))
    height = max(120, min(HEIGHT, maxheight or HEIGHT))
    title = f"{complaint.title} (complaint against {company.name})"
    src = f"{base}/complaints/{complaint.id}/card"
    html = (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" '
        f'title="{escape(title)}" style="border:0;max-width:100%" loading="lazy" '
        'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"></iframe>'
    )
    return {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": "Outcry",
        "provider_url": base + "/",
        "cache_age": CACHE_AGE,
        "html": html,
        "width": width,
        "height": height,
    }
