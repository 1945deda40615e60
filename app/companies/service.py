"""Companies: find, create, suggest close matches so one company does not become five."""

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, or_, select

from app.companies import names
from app.errors import DomainError, NotFound
from app.models.company import Company
from app.models.user import User
from app.redaction import redactor

SUGGEST_CUTOFF = 80  # WRatio score; "Comcats" vs "Comcast" scores 86, "Comcast" vs "Verizon" 15
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class Suggestion:
    company: Company
    score: float


class CompanyChoiceNeeded(DomainError):
    """The typed name is new but close to existing companies: the user must pick."""

    def __init__(self, name: str, suggestions: list[Suggestion]) -> None:
        super().__init__(f"Did you mean {suggestions[0].company.name}?")
        self.name = name
        self.suggestions = suggestions


class BlankName(DomainError):
    """A company name with no letter or digit: it would be an empty row everywhere."""

    status_code = 422
    field = "company_name"

    def __init__(self) -> None:
        super().__init__("A company name needs at least one letter or digit.")


class PersonalDataInName(DomainError):
    """A new company's name holds what looks like someone's contact details."""

    status_code = 422
    field = "company_name"

    def __init__(self, kinds: list[str]) -> None:
        super().__init__(
            f"A company name cannot include personal details (this one looks like it has "
            f"{' and '.join(kinds)} in it): company names are public. Please type only the "
            "company's name; put the numbers or addresses you tried under what happened, where "
            "they are masked."
        )


# Kinds of personal data a company name may not hold (a person's name may be a business's).
NAME_REFUSES = frozenset(
    {"email", "phone", "card", "iban", "account", "id", "ip", "address", "postcode", "secret"}
)


def check_name(name: str) -> None:
    """Refuse a new company name holding personal data (PersonalDataInName)."""
    kinds = sorted({s.kind for s in redactor.find(name) if s.kind in NAME_REFUSES})
    if kinds:
        labels = {"iban": "a bank account", "id": "an id number", "ip": "an IP address"}
        raise PersonalDataInName(
            [labels.get(k, f"a{'n' if k[0] in 'aeiou' else ''} {k}") for k in kinds]
        )


def listed() -> ColumnElement[bool]:
    """SQL condition for companies anyone may see (app/companies/listed.py says which, and
    keeps the stored flag in step)."""
    return col(Company.listed).is_(True)


def is_listed(*, session: Session, company: Company) -> bool:
    """``listed()`` for one company: its stored flag."""
    return company.listed


def public_or_404(*, session: Session, slug: str, viewer: User | None = None) -> Company:
    """A company's public page: a company not yet listed exists only for whoever named it and
    moderators."""
    company = get_by_slug_or_404(session=session, slug=slug)
    if visible_to(company, viewer=viewer):
        return company
    raise NotFound("There is no company at this address.")


def visible_to(company: Company, *, viewer: User | None) -> bool:
    """Has ``company`` a page for ``viewer`` (see ``public_or_404``)?"""
    return company.listed or (
        viewer is not None
        and (viewer.id == company.created_by_id or viewer.is_admin or viewer.is_moderator)
    )


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:120] or "company"


def normalize_domain(value: str | None) -> str | None:
    """'https://www.Comcast.com/help' -> 'comcast.com'; None for blank; DomainError if invalid."""
    if value is None or not value.strip():
        return None
    host = re.sub(r"^[a-z]+://", "", value.strip().lower()).split("/")[0].split(":")[0]
    host = host.removeprefix("www.").rstrip(".")
    try:
        host = host.encode("idna").decode()
    except UnicodeError as exc:
        raise DomainError("That does not look like a website domain (e.g. example.com).") from exc
    if not _DOMAIN.match(host):
        raise DomainError("That does not look like a website domain (e.g. example.com).")
    return host


def get(*, session: Session, company_id: int) -> Company | None:
    return session.get(Company, company_id)


def get_by_slug(*, session: Session, slug: str) -> Company | None:
    return session.exec(select(Company).where(Company.slug == slug)).first()


def get_by_slug_or_404(*, session: Session, slug: str) -> Company:
    if (company := get_by_slug(session=session, slug=slug)) is None:
        raise NotFound("There is no company at this address.")
    return company


def find_exact(*, session: Session, name: str, domain: str | None = None) -> Company | None:
    """The company with this domain, or with this name ignoring case and punctuation."""
    if domain and (hit := session.exec(select(Company).where(Company.domain == domain)).first()):
        return hit
    return get_by_slug(session=session, slug=slugify(name))


def suggest(
    *, session: Session, query: str, limit: int = 5, user_id: int | None = None
) -> list[Suggestion]:
    """Listed companies (and those ``user_id`` named) whose name or domain is close to
    ``query``, best first."""
    query = query.strip()
    if len(query) < 2:
        return []
    mine = col(Company.created_by_id) == user_id if user_id is not None else listed()
    # Only the names a trigram index finds alike are scored, not every company's.
    close = names.close_ids(session=session, typed=query)
    if not close:
        return []
    rows = session.exec(
        select(Company.id, Company.name, Company.domain).where(
            col(Company.id).in_(close), or_(listed(), mine)
        )
    ).all()
    choices = {}
    for company_id, name, domain in rows:
        choices[(company_id, "n")] = name
        if domain:
            choices[(company_id, "d")] = domain.split(".")[0]
    scored: dict[int | None, float] = {}  # keyed by Company.id, as its column is typed
    for _text, score, key in process.extract(
        query,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=SUGGEST_CUTOFF,
        limit=limit * 2,
    ):
        scored[key[0]] = max(score, scored.get(key[0], 0))
    best = sorted(scored.items(), key=lambda item: -item[1])[:limit]
    companies = {c.id: c for c in session.exec(select(Company).where(col(Company.id).in_(scored)))}
    return [Suggestion(companies[cid], score) for cid, score in best]


def resolve(
    *, session: Session, name: str, domain: str | None, accept_new: bool, user_id: int | None
) -> Company:
    """The company a consumer means: an exact match, or a new one once they have seen the
    close matches (CompanyChoiceNeeded) and said it is different."""
    name = " ".join(name.split())
    domain = normalize_domain(domain)
    if existing := find_exact(session=session, name=name, domain=domain):
        return existing
    check_name(name)
    if not accept_new and (suggestions := suggest(session=session, query=name, user_id=user_id)):
        raise CompanyChoiceNeeded(name, suggestions)
    return create(session=session, name=name, domain=domain, user_id=user_id)


def create(
    *,
    session: Session,
    name: str,
    domain: str | None = None,
    description: str = "",
    user_id: int | None = None,
) -> Company:
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cf").strip()
    if not any(ch.isalnum() for ch in name):
        raise BlankName()
    base = slugify(name)
    taken = set(
        session.exec(
            select(Company.slug).where(
                (col(Company.slug) == base) | col(Company.slug).like(f"{base}-%")
            )
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    company = Company(
        name=name, slug=slug, domain=domain, description=description, created_by_id=user_id
    )
    session.add(company)
    session.flush()
    return company


def named(*, session: Session, words: list[str], limit: int = 3) -> list[Company]:
    """Listed companies whose name starts with ``words`` (searching "northwind" should find the
    company as well as the complaints that mention it), shortest first. Read as a range of the
    unique slug index, so a search never scans the company table."""
    prefix = slugify(" ".join(words[:8]))
    if not words or (prefix == "company" and "company" not in words):
        return []
    stmt = (
        select(Company)
        .where(col(Company.slug) >= prefix, col(Company.slug) < prefix + "\x7f", listed())
        .order_by(col(Company.slug))
        .limit(limit * 4)
    )
    found = list(session.exec(stmt))
    return sorted(found, key=lambda c: (len(c.name), c.id or 0))[:limit]


def list_companies(
    *, session: Session, offset: int = 0, limit: int = 50, query: str | None = None
) -> tuple[list[Company], int]:
    stmt = select(Company).where(listed())
    if query:
        stmt = stmt.where(col(Company.name).ilike(f"%{query}%"))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    page = session.exec(stmt.order_by(Company.name).offset(offset).limit(limit)).all()
    return list(page), total
