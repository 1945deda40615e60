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
from app.models.company import SECTORS
from app.models.complaint import Category, ComplaintState, Turn
from app.search import query as parser
from app.search.service import MAX_QUERY_CHARS, Filters

E = TypeVar("E", Category, ComplaintState)
DATE_HINT = "Please enter a date like 2026-03-03."
# Whose turn a search may ask for: complaints closed are nobody's, and their state filter says so.
TURNS = {Turn.COMPANY.value: "the company", Turn.CONSUMER.value: "the consumer"}


@dataclass(frozen=True)
class SearchParams:
    """What was typed, as typed (for the form and links), and what it means."""

    q: str = ""
    company: str = ""
    category: str = ""
    state: str = ""
    filed_from: str = ""
    filed_to: str = ""
    overdue: str = ""  # "1": only complaints unanswered past the deadline
    industry: str = ""
    turn: str = ""  # "company" or "consumer": whose turn it is (app/complaints/turn.py)
    filters: Filters = field(default_factory=Filters)
    errors: dict[str, str] = field(default_factory=dict)
    company_matched: str = ""  # the company a partial or misspelt name was read as

    def query_string(self, **extra: str | int) -> str:
        """The filters as URL parameters (pager links, the CSV link); blanks left out."""
        pairs = {
            "q": self.q,
            "company": self.company,
            "category": self.category,
            "state": self.state,
            "from": self.filed_from,
            "to": self.filed_to,
            "overdue": self.overdue,
            "industry": self.industry,
            "turn": self.turn,
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
    overdue: str = "",
    industry: str = "",
    turn: str = "",
) -> SearchParams:
    q, company = q.strip()[:MAX_QUERY_CHARS], company.strip()[:120]
    filed_from, filed_to = filed_from.strip()[:32], filed_to.strip()[:32]
    errors: dict[str, str] = {}
    start = _day(filed_from, "from", errors)
    end = _day(filed_to, "to", errors)
    if start and end and start > end:
        errors["to"] = "The end date is before the start date."
    if q and not parser.parse(q):
        errors["q"] = (
            "There is nothing to search for in that: please type at least one word "
            "(letters or digits)."
        )
    company_id, matched = _company(session, company)
    overdue = "1" if overdue.strip().lower() in ("1", "true", "on", "yes") else ""
    industry = industry.strip()[:32]
    if industry and industry not in SECTORS:
        errors["industry"] = "Please choose one of the options."
    turn = turn.strip()[:16]
    if turn and turn not in TURNS:
        errors["turn"] = "Please choose one of the options."
    filters = Filters(
        text=q or None,
        company_id=company_id,
        category=_choice(Category, category, "category", errors),
        state=_choice(ComplaintState, state, "state", errors),
        filed_from=start,
        filed_to=end,
        overdue=bool(overdue),
        industry=industry if industry in SECTORS else None,
        waiting_for=Turn(turn) if turn in TURNS else None,
    )
    return SearchParams(
        q,
        company,
        category,
        state,
        filed_from,
        filed_to,
        overdue,
        industry,
        turn,
        filters,
        errors,
        matched,
    )


def _company(session: Session, typed: str) -> tuple[int | None, str]:
    """The company a search means: its slug, its name as typed, or else the closest listed name
    (a prefix such as "Maple" or a typo such as "Mapel Post"), which the page then names. None
    for no company filter; 0 (matches nothing) when nothing is close."""
    if not typed:
        return None, ""
    found = companies.get_by_slug(session=session, slug=typed) or companies.get_by_slug(
        session=session, slug=companies.slugify(typed)
    )
    if found is not None:
        return found.id, ""
    # The start of a name is a range of the slug index; only a typo needs the fuzzy pass,
    # which reads every listed company's name.
    started = companies.named(session=session, words=typed.split(), limit=1)
    if started:
        return started[0].id, started[0].name
    close = companies.suggest(session=session, query=typed, limit=1)
    if not close:
        return 0, ""
    return close[0].company.id, close[0].company.name
