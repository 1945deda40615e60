"""The reps' pages kept by their company's version (app/dashboard/version.py): what every rep of
the company sees alike is computed and rendered once per change and process, and each visit
fills in the rep's own parts (their name, "(you)", their count of "mine", their saved views,
their CSRF token and form keys).

A kept block is reused only under the same address (the validator covers the URL, so the
company, queue, search and page) and the same key: the company, and whether the viewer is a
reading administrator (who sees no private reference or internal note). So a block that shows a
consumer's private reference is only ever served to the reps of that company.
"""

import secrets
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.clock import utcnow
from app.dashboard import version
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.keys import pk
from app.web import caching
from app.web.access import Rep
from app.web.caching import Conditional
from app.web.csrf import token_for


def fresh(request: Request, rep: Rep, *, complaint: Complaint | None = None) -> Conditional:
    """The validator of a rep's page of the company: its row (with its team's stamp), the
    minute, and the latest change to its complaints (read with the access check), or to the
    one ``complaint`` the page shows. Personal, never publicly cached."""
    now = utcnow()
    latest = rep.latest_change if complaint is None else complaint.updated_at
    parts = (_row(rep.company), *caching.settled(latest, now), version.minute(now))
    if complaint is not None:  # its clock moves with every change; the minute with the flags'
        parts += (complaint.id, complaint.visibility, complaint.state)
    return caching.conditional(request, viewer=rep.user, parts=parts)


_COMPANY_COLUMNS = tuple(column.key for column in Company.__table__.columns)  # type: ignore[attr-defined]


def _row(company: Company) -> tuple[Any, ...]:
    """The company's columns as read (plain values in a fixed order: the same tag in every
    process), cheaper than dumping the model on every visit."""
    return tuple(getattr(company, key) for key in _COMPANY_COLUMNS)


def personal(rep: Rep) -> dict[str, Any]:
    """What the page around a kept block needs of the viewer that the access check already
    knows: a rep's navigation shows the dashboard without asking for memberships again."""
    return {} if rep.readonly else {"is_rep": True}


def block_key(rep: Rep, *more: object) -> str:
    """Whom a kept block may be shown to: the reps of this company, or its reading admins."""
    return ":".join(map(str, (pk(rep.company), "readonly" if rep.readonly else "rep", *more)))


# Printed where a kept page has the reply form's key, replaced by a fresh one per visit (a key
# reused across visits would make a second reply look like the first one sent twice).
FORM_KEY = f"formkey{secrets.token_hex(12)}"


def kept_page(
    request: Request, fresh: Conditional, rep: Rep, draw: Callable[[], Response]
) -> Response:
    """The whole page as drawn for this viewer, kept by the validator and by everything of theirs
    it shows (their name and flags in the menu, their CSRF token, which is bound to their login),
    so a rep reloading a page nobody changed costs the access check and this lookup."""
    user = rep.user
    who = (user.id, user.display_name, user.is_admin, user.is_moderator, rep.member.role)
    key = f"page:{block_key(rep)}:{who!r}:{token_for(request)}"

    def drawn() -> tuple[bytes, int]:
        response = draw()
        return bytes(response.body), response.status_code

    body, status = fresh.shared(key, drawn)
    if FORM_KEY.encode() in body:
        body = body.replace(FORM_KEY.encode(), uuid.uuid4().hex.encode())
    return fresh.apply(HTMLResponse(body, status_code=status))
