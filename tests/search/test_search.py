"""Journalists' search: full text on SQLite FTS5 and PostgreSQL behind one interface, filters,
paging, and what must never show up."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from app.models.complaint import Category, ComplaintState, Visibility
from app.search import fulltext
from app.search import service as searching
from app.search.query import parse
from app.search.service import Filters
from tests.support.factories import make_complaint, make_user

FILLER = "Nothing else to add about this matter at all, thank you for reading."


def _c(db: Session, title: str, body: str = FILLER, **kw):
    return make_complaint(db, title=title, body=body, **kw)


def _ids(db: Session, **filters) -> list[int]:
    rows, _ = searching.search(session=db, filters=Filters(**filters), limit=100)
    return [c.id for c, _, _ in rows]


def test_title_match_ranks_above_body_match_and_unrelated_is_left_out(db: Session) -> None:
    in_body = _c(db, "Waited all month", "They promised a refund in March and nothing came.")
    in_title = _c(db, "Refund never arrived", "Waited for weeks after returning the kettle.")
    _c(db, "Router keeps dropping", "The internet connection drops every evening at nine.")
    assert _ids(db, text="refund") == [in_title.id, in_body.id]


def test_more_of_the_words_ranks_higher(db: Session) -> None:
    one = _c(db, "Parcel problem", "The parcel was late and the box was crushed on arrival.")
    both = _c(db, "Parcel problem again", "The parcel was late and the courier lied about it.")
    assert _ids(db, text="late courier") == [both.id]
    assert set(_ids(db, text="parcel late")) == {one.id, both.id}


def test_stemming_matches_other_forms_of_a_word(db: Session) -> None:
    hit = _c(db, "They refunded the wrong amount", "Three charges, two refunds, still short.")
    assert _ids(db, text="refund") == [hit.id]
    assert _ids(db, text="charging") == [hit.id]


def test_prefix_and_phrase(db: Session) -> None:
    cancel = _c(db, "Cancellation ignored", "I asked them to stop the contract in writing.")
    twice = _c(db, "Billing error", "I was charged twice for one month of service.")
    apart = _c(db, "Billing error again", "Twice now I was charged for a month I cancelled.")
    assert _ids(db, text="cancel*") == [cancel.id, apart.id]  # the title match first
    assert _ids(db, text='"charged twice"') == [twice.id]
    assert set(_ids(db, text="charged twice")) == {twice.id, apart.id}


def test_or_and_exclusion(db: Session) -> None:
    gas = _c(db, "Gas meter misread", "The meter reading is wrong by a thousand units.")
    water = _c(db, "Water meter misread", "The meter reading is wrong again this quarter.")
    power = _c(db, "Power cut", "No electricity for two days and no answer from anyone.")
    assert set(_ids(db, text="gas OR electricity")) == {gas.id, power.id}
    assert _ids(db, text="meter -water") == [gas.id]
    assert _ids(db, text="-meter") == _ids(db)  # nothing to look for: no text filter
    assert water.id in _ids(db)


def test_an_exclusion_finds_every_match_newest_first_across_its_windows(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each excluded word is read within a window of the newest candidates (SQLite): the
    matches are the same whichever window they fall in, and a word that always comes with the
    excluded one does not hide the other clause's matches."""
    monkeypatch.setattr(fulltext, "EXCLUSION_WINDOW", 3)
    expected = []
    for n in range(12):
        if n % 3 == 0:
            _c(db, f"Charged twice {n}", "Charged twice for the same month.")
        elif n % 3 == 1:
            expected.append(_c(db, f"Wrong bill {n}", "The bill is wrong by a mile.").id)
        else:
            _c(db, f"Wrong refund {n}", "The refund was the wrong amount.")
    found = _ids(db, text="charged -twice OR wrong -refund")
    assert sorted(found, reverse=True) == sorted(expected, reverse=True)
    assert _ids(db, text="wrong -refund -mile") == []


def test_text_changes_are_indexed(db: Session) -> None:
    """The redaction step rewrites the public text; search must follow (SQLite triggers)."""
    complaint = _c(db, "Call me on my mobile", "My number is in here, please redact it now.")
    complaint.title = "Call me on my [phone]"
    complaint.body = "Masked text only, nothing personal is left in this complaint."
    db.add(complaint)
    db.flush()
    assert _ids(db, text="mobile") == []
    assert _ids(db, text="masked") == [complaint.id]


HOSTILE = [
    '"',
    '""',
    "'",
    "*",
    "-",
    "OR",
    "AND NOT OR NEAR",
    "NEAR(a b, 2)",
    "title:refund",
    "refund^",
    "(((",
    "a AND",
    "'; DROP TABLE complaint; --",
    "1' OR '1'='1",
    "\\x00\\",
    "\x00null byte",
    "!@#$%^&*()_+{}|:<>?~`",
    "café naïve 日本語 🎉",
    "the of and",  # stop words only on PostgreSQL
    "refund:*",
    "refund <-> late",
    "a" * 500,
    " ".join(["word"] * 100),
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(db: Session, client, query: str) -> None:
    _c(db, "Refund never arrived", "Waited for weeks after returning the kettle.")
    # NUL names nothing anywhere: the address itself is refused, with a page saying why; a
    # query with no word in it is answered with a message, not with every complaint.
    searchable = bool(parse(query))
    expected = 400 if "\x00" in query or not searchable else 200
    assert client.get("/search", params={"q": query}).status_code == expected
    response = client.get("/api/v1/complaints", params={"q": query[:200]})
    api_expected = 400 if "\x00" in query else 422 if not searchable else 200
    assert response.status_code == api_expected, response.text


def test_injection_string_finds_its_words_and_breaks_nothing(db: Session, client) -> None:
    hit = _c(
        db, "Drop table of contents", "My complaint: the printed manual was missing its table page."
    )
    response = client.get("/search", params={"q": "'; DROP TABLE complaint; --"})
    assert f"/complaints/{hit.id}" in response.text
    assert _ids(db) == [hit.id]


def test_filters_combine(db: Session) -> None:
    author = make_user(db)
    march = datetime(2026, 3, 10, 12, tzinfo=UTC)
    keep = _c(
        db,
        "Refund refused",
        company_name="Acme Energy",
        category=Category.REFUND,
        author=author,
        now=march,
    )
    _c(db, "Refund refused", company_name="Other Energy", category=Category.REFUND, now=march)
    _c(db, "Refund refused", company_name="Acme Energy", category=Category.BILLING, now=march)
    _c(
        db,
        "Refund refused",
        company_name="Acme Energy",
        category=Category.REFUND,
        now=datetime(2026, 4, 2, tzinfo=UTC),
    )
    resolved = _c(db, "Refund refused", company_name="Acme Energy", category=Category.REFUND)
    resolved.state = ComplaintState.RESOLVED
    db.flush()
    acme = keep.company_id
    got = _ids(
        db,
        company_id=acme,
        category=Category.REFUND,
        state=ComplaintState.OPEN,
        filed_from=datetime(2026, 3, 1).date(),
        filed_to=datetime(2026, 3, 31).date(),
        text="refused",
    )
    assert got == [keep.id]


def test_date_range_is_inclusive_of_whole_days(db: Session) -> None:
    first = _c(db, "On the first", now=datetime(2026, 5, 1, 0, 0, tzinfo=UTC))
    last = _c(db, "On the last", now=datetime(2026, 5, 31, 23, 59, tzinfo=UTC))
    _c(db, "The day after", now=datetime(2026, 6, 1, 0, 0, tzinfo=UTC))
    _c(db, "The day before", now=datetime(2026, 4, 30, 23, 59, tzinfo=UTC))
    d = datetime(2026, 5, 1).date()
    assert _ids(db, filed_from=d, filed_to=datetime(2026, 5, 31).date()) == [last.id, first.id]


@pytest.mark.parametrize(
    "grade", [Visibility.PENDING, Visibility.UNLISTED, Visibility.HIDDEN, Visibility.REMOVED]
)
def test_only_listed_complaints_are_found(db: Session, client, grade: Visibility) -> None:
    shown = _c(db, "Refund never arrived", "Waited for weeks after returning the kettle.")
    held = _c(db, "Refund never arrived either", "Waited for weeks after returning the toaster.")
    held.visibility = grade
    db.flush()
    assert _ids(db, text="refund") == [shown.id]
    page = client.get("/search", params={"q": "refund"}).text
    assert f"/complaints/{held.id}" not in page and "1 complaint found" in page
    api = client.get("/api/v1/complaints", params={"q": "toaster"}).json()
    assert api["total"] == 0 and api["items"] == []


def test_paging_total_and_pages(db: Session, client) -> None:
    made = [
        _c(db, f"Late delivery number {n}", "The parcel came late again this week.")
        for n in range(25)
    ]
    first = client.get("/search", params={"q": "late"})
    assert "25 complaints found" in first.text
    assert "Page 1 of 2 (25 in all)" in first.text
    assert 'href="?q=late&amp;page=2"' in first.text
    second = client.get("/search", params={"q": "late", "page": 2}).text
    shown = [c.id for c in made if f'href="/complaints/{c.id}"' in second]
    assert len(shown) == 5
    api = client.get("/api/v1/complaints", params={"q": "late", "limit": 10, "offset": 20}).json()
    assert api["total"] == 25 and len(api["items"]) == 5


def test_form_keeps_every_filter_and_links_the_csv(db: Session, client) -> None:
    _c(
        db,
        "Refund refused",
        company_name="Acme Energy",
        category=Category.REFUND,
        now=datetime(2026, 3, 10, tzinfo=UTC),
    )
    params = {
        "q": '"refund refused"',
        "company": "acme-energy",
        "category": "refund",
        "state": "open",
        "from": "2026-03-01",
        "to": "2026-03-31",
    }
    page = client.get("/search", params=params).text
    assert 'value="&#34;refund refused&#34;"' in page
    assert 'value="acme-energy"' in page
    assert '<option value="refund" selected>' in page
    assert '<option value="open" selected>' in page
    assert 'value="2026-03-01"' in page and 'value="2026-03-31"' in page
    assert "1 complaint found" in page
    assert (
        'href="/data/complaints.csv?q=%22refund+refused%22&amp;company=acme-energy'
        '&amp;category=refund&amp;state=open&amp;from=2026-03-01&amp;to=2026-03-31"' in page
    )


def test_company_by_name_or_slug_and_unknown_company_matches_nothing(db: Session) -> None:
    hit = _c(db, "Refund refused", company_name="Acme Energy")
    from app.search import params

    by_name = params.read(session=db, company="Acme Energy").filters
    assert _ids(db, company_id=by_name.company_id) == [hit.id]
    unknown = params.read(session=db, company="No Such Company").filters
    assert _ids(db, company_id=unknown.company_id) == []


def test_bad_dates_are_explained_in_the_form(db: Session, client) -> None:
    response = client.get("/search", params={"q": "refund", "from": "2026-02-30", "to": "soon"})
    assert response.status_code == 400
    assert (
        '<p class="notice error" role="alert">Nothing was searched: filed from: Please enter a '
        "date like 2026-03-03. filed to: Please enter a date like 2026-03-03.</p>" in response.text
    )
    assert 'id="from-error">Please enter a date like 2026-03-03.' in response.text
    assert 'id="to-error">Please enter a date like 2026-03-03.' in response.text
    assert 'value="2026-02-30"' in response.text and 'value="soon"' in response.text
    backwards = client.get("/search", params={"from": "2026-03-02", "to": "2026-03-01"})
    assert "The end date is before the start date." in backwards.text


def test_bad_dates_are_a_problem_in_the_api(client) -> None:
    response = client.get("/api/v1/complaints", params={"from": "31/12/2026"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["detail"] == "from: Please enter a date like 2026-03-03."
    assert [(e["loc"], e["msg"]) for e in body["errors"]] == [
        (["query", "from"], "Please enter a date like 2026-03-03.")
    ]


def test_api_filters_by_category_and_text(db: Session, client) -> None:
    hit = _c(db, "Refund refused", category=Category.REFUND)
    _c(db, "Refund refused again", category=Category.BILLING)
    body = client.get("/api/v1/complaints", params={"q": "refund", "category": "refund"}).json()
    assert [item["id"] for item in body["items"]] == [hit.id]
