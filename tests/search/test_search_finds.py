"""Search that finds: title matches first, companies by prefix or typo, overdue filter, and a
message instead of every complaint when nothing in the query can be searched for."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.clock import utcnow
from app.complaints import service as complaints
from app.search import params
from app.search import service as searching
from app.search.service import Filters
from tests.support.factories import make_complaint, make_user


def _ids(db: Session, **filters) -> list[int]:
    rows, _ = searching.search(session=db, filters=Filters(**filters), limit=100)
    return [c.id for c, _, _ in rows]


def test_an_exact_title_ranks_first_among_long_bodies_repeating_the_words(db: Session) -> None:
    # Bodies that say "refund" and "delayed" over and over outscore a short title on raw
    # BM25/ts_rank; the complaint titled with the words still comes first.
    repeats = "The refund was delayed, the delayed refund, again a delayed refund. " * 6
    bodies = [make_complaint(db, title=f"Problem number {i}", body=repeats) for i in range(7)]
    titled = make_complaint(
        db, title="Delayed refund", body="I returned the kettle in March and am still waiting."
    )
    found = _ids(db, text="delayed refund")
    assert found[0] == titled.id
    assert set(found[1:]) == {b.id for b in bodies}


@pytest.mark.parametrize("typed", ["Maple", "maple", "Mapel Post", "maple post", "maple-post"])
def test_a_company_by_prefix_typo_name_or_slug(db: Session, typed: str) -> None:
    hit = make_complaint(db, title="Parcel lost", company_name="Maple Post")
    make_complaint(db, title="Parcel lost too", company_name="Northwind Telecom")
    read = params.read(session=db, company=typed)
    assert _ids(db, company_id=read.filters.company_id) == [hit.id]


def test_the_page_names_the_company_a_partial_name_was_read_as(db: Session, client) -> None:
    make_complaint(db, title="Parcel lost", company_name="Maple Post")
    db.commit()
    page = client.get("/search", params={"company": "Maple"})
    assert page.status_code == 200
    assert "showing complaints about <strong>Maple Post</strong>" in page.text
    assert "1 complaint found" in page.text


def test_unknown_company_still_matches_nothing(db: Session) -> None:
    make_complaint(db, title="Parcel lost", company_name="Maple Post")
    read = params.read(session=db, company="Zzyzx Quantum Holdings")
    assert _ids(db, company_id=read.filters.company_id) == []


@pytest.mark.parametrize("query", ["🎉", '""""', "!!! ???", "- -"])
def test_a_query_with_no_words_answers_a_message_not_everything(
    db: Session, client, query: str
) -> None:
    make_complaint(db, title="Refund never arrived")
    db.commit()
    page = client.get("/search", params={"q": query})
    assert page.status_code == 400
    assert "nothing to search for" in page.text
    assert "Refund never arrived" not in page.text
    api = client.get("/api/v1/complaints", params={"q": query})
    assert api.status_code == 422
    assert api.json()["errors"][0]["loc"] == ["query", "q"]


def test_the_overdue_filter(db: Session, client) -> None:
    now = utcnow()
    late = make_complaint(db, title="Waiting forever", now=now - timedelta(days=30))
    fresh = make_complaint(db, title="Filed today", now=now)
    answered = make_complaint(db, title="Answered late", now=now - timedelta(days=30))
    complaints.answer(
        session=db, complaint=answered, rep=make_user(db), body="We are on it.", now=now
    )
    db.commit()
    page = client.get("/search", params={"overdue": "1"})
    assert f"/complaints/{late.id}" in page.text
    assert f"/complaints/{fresh.id}" not in page.text
    assert f"/complaints/{answered.id}" not in page.text
    assert 'name="overdue" value="1" checked' in page.text
    api = client.get("/api/v1/complaints", params={"overdue": "true"}).json()
    assert [r["id"] for r in api["items"]] == [late.id]


def test_results_show_a_snippet_with_the_matched_words_marked_and_escaped(
    db: Session, client
) -> None:
    body = (
        "I bought a kettle in March. It broke on day two, so I asked for my money back and "
        "was told refunds take ten weeks <script>alert(1)</script>. Still no refund today."
    )
    hit = make_complaint(db, title="Kettle refund", body=body)
    db.commit()
    page = client.get("/search", params={"q": "refund"}).text
    assert f"/complaints/{hit.id}" in page
    assert "Kettle <mark>refund</mark>" in page  # the title, marked
    assert "told <mark>refunds</mark> take ten weeks &lt;script&gt;" in page
    assert "Still no <mark>refund</mark> today." in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_snippet_marks_only_what_it_escaped() -> None:
    from app.search.query import parse
    from app.search.snippets import snippet

    marked = snippet('say "<b>refund</b>" & go', parse("refund"))
    assert str(marked) == "say &#34;&lt;b&gt;<mark>refund</mark>&lt;/b&gt;&#34; &amp; go"
    long = "word " * 100 + "refund at last " + "more " * 100
    cut = str(snippet(long, parse("refund")))
    assert cut.startswith("…") and cut.endswith("…") and "<mark>refund</mark>" in cut
    assert len(cut) < 250


def test_free_text_finds_companies_by_name_too(db: Session, client) -> None:
    make_complaint(db, title="Line dead for a week", company_name="Northwind Telecom")
    make_complaint(db, title="Bill doubled", company_name="Maple Post")
    db.commit()
    page = client.get("/search", params={"q": "northwind"}).text
    assert 'Companies named like this: <a href="/companies/northwind-telecom">' in page
    assert "company=northwind-telecom" in page
    assert "Maple Post</a> (" not in page
    assert "Companies named like this" not in client.get("/search", params={"q": "50%"}).text


def test_whose_turn_filter_finds_complaints_waiting_on_the_company_or_the_consumer(
    db: Session, client
) -> None:
    now = utcnow()
    waiting = make_complaint(db, title="Nobody has answered me", now=now - timedelta(days=3))
    asked = make_complaint(db, title="They asked me for a receipt", now=now - timedelta(days=3))
    complaints.answer(
        session=db, complaint=asked, rep=make_user(db), body="Please send the receipt.",
        info_request=True, now=now,
    )  # fmt: skip
    db.commit()
    on_company = client.get("/search", params={"turn": "company"})
    assert f"/complaints/{waiting.id}" in on_company.text
    assert f"/complaints/{asked.id}" not in on_company.text
    assert '<option value="company" selected>Waiting on the company</option>' in on_company.text
    on_consumer = client.get("/search", params={"turn": "consumer"})
    assert f"/complaints/{asked.id}" in on_consumer.text
    assert f"/complaints/{waiting.id}" not in on_consumer.text
    api = client.get("/api/v1/complaints", params={"turn": "consumer"}).json()
    assert [r["id"] for r in api["items"]] == [asked.id]
    wrong = client.get("/search", params={"turn": "nobody"})
    assert wrong.status_code == 400 and "Please choose one of the options." in wrong.text
    assert client.get("/api/v1/complaints", params={"turn": "nobody"}).status_code == 422
