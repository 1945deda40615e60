"""What a search finds follows a complaint's changes: its state, visibility and answer, and its
company's industry. On SQLite these filters are tokens inside the full-text index, kept by
triggers, so an update that missed the index would show a complaint under a filter it has left."""

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.models.complaint import ComplaintState, Visibility
from tests.support.factories import make_complaint, make_user


def _titles(client, query: str) -> set[str]:
    found = client.get(f"/api/v1/complaints?limit=100&{query}")
    assert found.status_code == 200
    return {row["title"] for row in found.json()["items"]}


@pytest.fixture
def complaint(db: Session):
    made = make_complaint(
        db, make_user(db), title="Refund lost in the post", company_name="Harbour Mail"
    )
    db.commit()
    return made


def test_a_changed_state_moves_the_complaint_between_filters(client, db, complaint):
    assert _titles(client, "q=refund&state=open") == {"Refund lost in the post"}
    complaint.state = ComplaintState.DISPUTED
    db.add(complaint)
    db.commit()
    assert _titles(client, "q=refund&state=open") == set()
    assert _titles(client, "q=refund&state=disputed") == {"Refund lost in the post"}


def test_a_hidden_complaint_leaves_search_and_comes_back(client, db, complaint):
    complaint.visibility = Visibility.HIDDEN
    db.add(complaint)
    db.commit()
    assert _titles(client, "q=refund") == set()
    complaint.visibility = Visibility.PUBLIC
    db.add(complaint)
    db.commit()
    assert _titles(client, "q=refund") == {"Refund lost in the post"}


def test_a_company_moved_to_another_industry_takes_its_complaints(client, db, complaint):
    assert _titles(client, "q=refund&industry=other") == {"Refund lost in the post"}
    db.execute(text("UPDATE company SET sector = 'delivery' WHERE name = 'Harbour Mail'"))
    db.commit()
    # Other words than before: a list already served may be kept until its validator moves.
    assert _titles(client, "q=refund+post&industry=delivery") == {"Refund lost in the post"}
    assert _titles(client, "q=refund+post&industry=other") == set()


def test_the_sqlite_index_agrees_with_the_rows_after_changes(db, complaint):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("the full-text index with facet tokens is SQLite's")
    complaint.state = ComplaintState.ANSWERED
    complaint.title = "Refund found at last"
    db.add(complaint)
    db.commit()
    db.execute(text("UPDATE company SET sector = 'retail' WHERE name = 'Harbour Mail'"))
    db.commit()
    # FTS5 compares every indexed token with what the content view computes now.
    db.execute(text("INSERT INTO complaint_fts(complaint_fts, rank) VALUES ('integrity-check', 1)"))
