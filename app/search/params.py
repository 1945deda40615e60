"""The journalists' search parameters, read the same way by /search (HTML) and the JSON API.

Everything arrives as text so a bad value becomes a message next to its field (HTML) or a problem
detail naming it (JSON), instead of a generic validation error; the form keeps what was typed.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar
from urllib.parse import urlencode

from sqlmodel import Session

from app.companies import service as companies
from app.models.complaint import Category, ComplaintState
from app.search.service import MAX_QUERY_CHARS, Filters

E = TypeVar("E", Category, ComplaintState)
DATE_HINT = "Please enter a date like 2026-03-03."


@dataclass(frozen=True)
class SearchParams:
    """What was typed, as typed (for the form and links), and what it means."""

    q: str = ""
    company: str = ""
    category: str = ""
    state: str = ""
    filed_from: str = ""
    filed_to: str = ""
    filters: Filters = field(default_factory=Filters)
    errors: dict[str, str] = field(default_factory=dict)

    def query_string(self, **extra: str | int) -> str:
        """The filters as URL parameters (pager links, the CSV link); blanks left out."""
        pairs = {
            "q": self.q,
            "company": self.company,
            "category": self.category,
            "state": self.state,
            "from": self.filed_from,
            "to": self.filed_to,
            **extra,
        }
        return urlencode({k: v for k, v in pairs.items() if v != ""})


def _day(value: str, name: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = DATE_HINT
        return None


def _choice(kind: type[E], value: str, name: str, errors: dict[str, str]) -> E | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        errors[name] = "Please choose one of the options."
        return None


def read(
    *,
    session: Session,
    q: str = "",
    company: str = "",
    category: str = "",
    state: str = "",
    filed_from: str = "",
    filed_to: str = "",
) -> SearchParams:
    q, company = q.strip()[:MAX_QUERY_CHARS], company.strip()[:120]
    filed_from, filed_to = filed_from.strip()[:32], filed_to.strip()[:32]
    errors: dict[str, str] = {}
    start = _day(filed_from, "from", errors)
    end = _day(filed_to, "to", errors)
    if start and end and start > end:
        errors["to"] = "The end date is before the start date."
    company_id = None
    if company:  # a slug, or a name as typed; an unknown company matches nothing
        found = companies.get_by_slug(session=session, slug=company) or companies.get_by_slug(
            session=session, slug=companies.slugify(company)
        )
        company_id = found.id if found else 0
    filters = Filters(
        text=q or None,
        company_id=company_id,
        category=_choice(Category, category, "category", errors),
        state=_choice(ComplaintState, state, "state", errors),
        filed_from=start,
        filed_to=end,
    )
    return SearchParams(q, company, category, state, filed_from, filed_to, filters, errors)
