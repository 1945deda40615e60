"""The dataset's per-day table: a journalist can chart a company day by day, and every number in
it can be recomputed from the complaints table of the same download."""

import csv
import io
import sqlite3
import zipfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlmodel import Session

from app.config import get_settings
from app.models.complaint import ComplaintState, Visibility
from app.stats import dataset
from app.stats.dataset_columns import DAILY, datasette_metadata, dictionary_markdown
from tests.support.factories import make_complaint

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
D1 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(get_settings(), "dataset_dir", str(tmp_path / "public"))
    return tmp_path / "public"


@pytest.fixture
def history(db: Session) -> None:
    deadline = timedelta(days=get_settings().response_deadline_days)
    quick = make_complaint(db, company_name="Daily Co", title="Answered the next day", now=D1)
    quick.first_response_at = D1 + timedelta(days=1)
    quick.resolved_at = D1 + timedelta(days=2)
    quick.closed_at = D1 + timedelta(days=3)
    quick.state = ComplaintState.CONFIRMED
    late = make_complaint(db, company_name="Daily Co", title="Answered late", now=D1)
    late.first_response_at = D1 + deadline + timedelta(days=1)
    gone = make_complaint(db, company_name="Daily Co", title="Withdrawn", now=D1 + timedelta(1))
    gone.closed_at = D1 + timedelta(days=1, hours=2)
    gone.state = ComplaintState.WITHDRAWN
    hidden = make_complaint(db, company_name="Daily Co", title="Hidden one", now=D1)
    hidden.visibility = Visibility.HIDDEN
    future = make_complaint(db, company_name="Daily Co", title="After the build", now=NOW)
    future.created_at = NOW + timedelta(days=1)
    db.add_all([quick, late, gone, hidden, future])
    db.commit()


def _tables(path: Path) -> dict[str, list[dict]]:
    with zipfile.ZipFile(path / "outcry-csv.zip") as z:
        return {
            n.removesuffix(".csv"): list(csv.DictReader(io.TextIOWrapper(z.open(n), "utf-8")))
            for n in z.namelist()
        }


def test_daily_rows_are_the_companys_days_as_counted_by_hand(db, history, data_dir) -> None:
    built = dataset.build(db.connection(), now=NOW)
    rows = {r["day"]: r for r in _tables(built.path)["daily"]}
    deadline = get_settings().response_deadline_days
    late_day = (D1 + timedelta(days=deadline + 1)).date().isoformat()
    assert sorted(rows) == sorted(
        ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", late_day]
    )
    nov2, nov3 = rows["2026-11-02"], rows["2026-11-03"]
    assert nov2["filed"] == "2"  # the hidden one and the one filed after the build are not in it
    assert (nov3["filed"], nov3["answered"], nov3["answered_on_time"]) == ("1", "1", "1")
    assert (nov3["closed"], nov3["withdrawn"], nov3["confirmed"]) == ("1", "1", "0")
    assert rows["2026-11-04"]["resolved"] == "1"
    assert (rows["2026-11-05"]["closed"], rows["2026-11-05"]["confirmed"]) == ("1", "1")
    assert (rows[late_day]["answered"], rows[late_day]["answered_on_time"]) == ("1", "0")


def test_daily_totals_recompute_from_the_complaints_table(db, history, data_dir) -> None:
    built = dataset.build(db.connection(), now=NOW)
    tables = _tables(built.path)
    slug_to_id = {c["slug"]: c["id"] for c in tables["companies"]}
    for moment, column in [("created_at", "filed"), ("first_response_at", "answered"),
                           ("resolved_at", "resolved"), ("closed_at", "closed")]:  # fmt: skip
        expected = Counter(
            (slug_to_id[c["company_slug"]], c[moment][:10])
            for c in tables["complaints"]
            if c[moment]
        )
        found = Counter(
            {(r["company_id"], r["day"]): int(r[column]) for r in tables["daily"] if int(r[column])}
        )
        assert found == expected, column


def test_daily_opens_in_sqlite_and_parquet_and_is_documented(db, history, data_dir) -> None:
    built = dataset.build(db.connection(), now=NOW)
    conn = sqlite3.connect(built.path / "outcry.sqlite")
    filed = conn.execute("SELECT sum(filed) FROM daily").fetchone()[0]
    assert filed == conn.execute("SELECT count(*) FROM complaints").fetchone()[0] == 3
    assert pq.read_table(built.path / "daily.parquet").column_names == DAILY.names
    meta = datasette_metadata("https://example.org/data")
    assert set(meta["databases"]["outcry"]["tables"]["daily"]["columns"]) == set(DAILY.names)
    assert "## daily" in dictionary_markdown()
    assert "answered_on_time" in (built.path / "DICTIONARY.md").read_text()
