"""Every way of searching that bench/scale.py times, with the complaints each one finds: the
same small world read through /search and the JSON API, so an index or plan change made for
speed cannot change what a reader gets."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.clock import utcnow
from app.models.company import Company
from app.models.complaint import Category, ComplaintState
from tests.support.factories import make_complaint, make_user

BODY = "I called three times and was transferred between departments each time."
JUNE = datetime(2026, 6, 15, 12, tzinfo=UTC)

# title, company, category, state, filed (None: now)
WORLD = [
    ("Refund never arrived", "Brightline Telecom", Category.REFUND, ComplaintState.OPEN, JUNE),
    ("Refund arrived late", "Brightline Telecom", Category.BILLING, ComplaintState.OPEN, None),
    ("Never got the refund", "Brightline Telecom", Category.REFUND, ComplaintState.DISPUTED, None),
    ("Charged twice", "Brightline Telecom", Category.BILLING, ComplaintState.DISPUTED, None),
    ("Parcel lost", "Cobalt Post", Category.DELIVERY, ComplaintState.OPEN, JUNE),
    ("Outage for days", "Cobalt Post", Category.OUTAGE, ComplaintState.ANSWERED, None),
    ("Wrong bill and a refund refused", "Cobalt Post", Category.BILLING, ComplaintState.OPEN, None),
    ("Charged for a refund twice", "Cobalt Post", Category.BILLING, ComplaintState.DISPUTED, None),
]

# what is typed -> the titles found (in any order)
VARIANTS = {
    "q=refund": {
        "Refund never arrived",
        "Refund arrived late",
        "Never got the refund",
        "Wrong bill and a refund refused",
        "Charged for a refund twice",
    },
    "q=%22refund+never+arrived%22": {"Refund never arrived"},
    "q=refun%2A": {
        "Refund never arrived",
        "Refund arrived late",
        "Never got the refund",
        "Wrong bill and a refund refused",
        "Charged for a refund twice",
    },
    "q=parcel+OR+outage": {"Parcel lost", "Outage for days"},
    "q=charged+-refund": {"Charged twice"},
    "q=refund&state=open&company=brightline-telecom": {
        "Refund never arrived",
        "Refund arrived late",
    },
    "q=refund&company=Brightline": {
        "Refund never arrived",
        "Refund arrived late",
        "Never got the refund",
    },
    "q=refund&company=Brigthline+Telecom": {
        "Refund never arrived",
        "Refund arrived late",
        "Never got the refund",
    },
    "state=disputed&category=billing": {"Charged twice", "Charged for a refund twice"},
    "category=billing&company=cobalt-post": {
        "Wrong bill and a refund refused",
        "Charged for a refund twice",
    },
    "overdue=1": {"Refund never arrived", "Parcel lost"},
    "q=refund&overdue=1": {"Refund never arrived"},
    "q=refund&industry=delivery": {"Wrong bill and a refund refused", "Charged for a refund twice"},
    "q=refund&from=2026-06-01&to=2026-06-30": {"Refund never arrived"},
    "from=2026-06-01&to=2026-06-30&state=open": {"Refund never arrived", "Parcel lost"},
}


@pytest.fixture
def world(db: Session) -> None:
    author = make_user(db)
    for title, company, category, state, filed in WORLD:
        complaint = make_complaint(
            db,
            author,
            title=title,
            body=BODY,
            company_name=company,
            category=category,
            now=filed or utcnow() - timedelta(hours=1),
        )
        complaint.state = state
        db.add(complaint)
    cobalt = db.exec(select(Company).where(Company.name == "Cobalt Post")).one()
    cobalt.sector = "delivery"
    db.add(cobalt)
    db.commit()


def _titles_on_page(html: str) -> set[str]:
    return {title for title, *_ in WORLD if f">{title}<" in html or f">{title} <" in html}


@pytest.mark.parametrize("query", list(VARIANTS))
def test_each_search_finds_what_it_should_on_the_page_and_in_the_api(client, world, query):
    page = client.get(f"/search?{query}")
    assert page.status_code == 200
    api = client.get(f"/api/v1/complaints?limit=100&{query}")
    assert api.status_code == 200
    assert {row["title"] for row in api.json()["items"]} == VARIANTS[query]
    assert (
        _titles_on_page(page.text.replace("<mark>", "").replace("</mark>", "")) == (VARIANTS[query])
    )


def test_free_text_naming_a_company_lists_it(client, world):
    page = client.get("/search?q=brightline")
    assert 'href="/companies/brightline-telecom"' in page.text
