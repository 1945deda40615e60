"""Monthly snapshots: frozen as the month ended, never changed by later complaints."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.clock import utcnow
from app.complaints import service as complaints
from app.config import get_settings
from app.errors import Conflict
from app.models.complaint import ResolutionType
from app.models.stats import LeaderboardSnapshot
from app.models.user import User
from app.stats import snapshots
from app.stats.metrics import METHODOLOGY_VERSION
from tests.support.factories import make_complaint, make_user

MONTH = snapshots.previous_month(utcnow())
END = snapshots.month_end(MONTH)


@pytest.fixture(autouse=True)
def small_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "min_ranked_complaints", 2)
    monkeypatch.setattr(get_settings(), "burst_complaints", 10_000)


def test_month_arithmetic() -> None:
    assert snapshots.month_end("2026-11") == datetime(2026, 12, 1, tzinfo=UTC)
    assert snapshots.month_end("2026-12") == datetime(2027, 1, 1, tzinfo=UTC)
    assert snapshots.previous_month(datetime(2027, 1, 5, tzinfo=UTC)) == "2026-12"
    with pytest.raises(ValueError):
        snapshots.month_end("2026-13")


def file_and_confirm(db: Session, name: str, at: datetime, *, confirm: bool) -> None:
    complaint = make_complaint(db, company_name=name, now=at)
    if confirm:
        rep = make_user(db)
        complaints.resolve(
            session=db,
            complaint=complaint,
            rep=rep,
            resolution_type=ResolutionType.EXPLANATION,
            now=at + timedelta(hours=1),
        )
        author = db.get(User, complaint.author_id)
        complaints.confirm(
            session=db, complaint=complaint, user=author, now=at + timedelta(hours=2)
        )


@pytest.fixture
def taken(db: Session) -> LeaderboardSnapshot:
    before = END - timedelta(days=5)
    file_and_confirm(db, "Snap One", before, confirm=True)
    file_and_confirm(db, "Snap One", before, confirm=False)
    file_and_confirm(db, "Snap Two", before, confirm=False)
    file_and_confirm(db, "Snap Two", before, confirm=False)
    snapshot = snapshots.take(session=db, month=MONTH)
    db.commit()
    return snapshot


def test_a_snapshot_never_changes_after_later_complaints(client, db, taken) -> None:
    page_before = client.get(f"/leaderboards/{MONTH}").text
    json_before = client.get(f"/leaderboards/{MONTH}.json").json()
    csv_before = client.get(f"/leaderboards/{MONTH}.csv").text
    assert [r["company_name"] for r in json_before["rows"]] == ["Snap One", "Snap Two"]
    assert json_before["rows"][0]["confirmed_rate"] == 0.5
    assert json_before["methodology_version"] == METHODOLOGY_VERSION

    # After the month: more complaints, and the unconfirmed ones get confirmed.
    for _ in range(3):
        file_and_confirm(db, "Snap Two", utcnow() - timedelta(minutes=5), confirm=True)
    file_and_confirm(db, "Snap Three", utcnow() - timedelta(minutes=5), confirm=True)
    db.commit()

    assert client.get(f"/leaderboards/{MONTH}.json").json() == json_before
    assert client.get(f"/leaderboards/{MONTH}.csv").text == csv_before
    assert client.get(f"/leaderboards/{MONTH}").text == page_before
    with pytest.raises(Conflict):
        snapshots.take(session=db, month=MONTH)


def test_events_after_the_month_end_are_left_out(db) -> None:
    complaint = make_complaint(db, company_name="Late Co", now=END - timedelta(days=2))
    make_complaint(db, company_name="Late Co", now=END - timedelta(days=2))
    # Resolved and confirmed after the month ended (now): not in the month's snapshot.
    rep = make_user(db)
    complaints.resolve(
        session=db, complaint=complaint, rep=rep, resolution_type=ResolutionType.EXPLANATION
    )
    complaints.confirm(session=db, complaint=complaint, user=db.get(User, complaint.author_id))
    snapshot = snapshots.take(session=db, month=MONTH)
    rows, total = snapshots.rows(session=db, snapshot=snapshot, period="all", limit=10)
    assert total == 1
    assert (rows[0].data["filed"], rows[0].data["confirmed"]) == (2, 0)
    assert rows[0].data["open_now"] == 2


def test_a_month_not_over_cannot_be_frozen(db) -> None:
    this_month = f"{utcnow():%Y-%m}"
    with pytest.raises(Conflict):
        snapshots.take(session=db, month=this_month)


def test_snapshot_pages_list_and_404(client, taken) -> None:
    listing = client.get("/leaderboards/snapshots").text
    assert f'href="/leaderboards/{MONTH}"' in listing
    assert f'href="/leaderboards/{MONTH}"' in client.get("/leaderboards").text
    page = client.get(f"/leaderboards/{MONTH}").text
    assert f"methodology</a> version {METHODOLOGY_VERSION}" in page
    assert "Snap One" in page
    assert client.get("/leaderboards/1999-01").status_code == 404
    assert client.get("/leaderboards/not-a-month").status_code == 404
    assert client.get(f"/leaderboards/{MONTH}.csv", params={"window": "x"}).status_code == 400


def test_the_snapshot_csv_reproduces_its_page(client, taken) -> None:
    import csv
    import io

    from tests.support.stats import cells, row_names

    page = client.get(f"/leaderboards/{MONTH}", params={"window": "all"}).text
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/leaderboards/{MONTH}.csv?window=all").text))
    )
    assert [r["company_name"] for r in rows] == row_names(page)
    for row, shown in zip(rows, cells(page, "confirmed"), strict=True):
        assert shown.startswith(f"{float(row['confirmed_rate']) * 100:.1f}%")
    assert {r["month"] for r in rows} == {MONTH}


def test_the_periodic_job_takes_last_month_once(live_engine) -> None:
    from app.stats.jobs import snapshot_previous_month

    # A clock of its own: MONTH was read at import, maybe before a month turned mid-run.
    now = END + timedelta(days=1)
    assert snapshot_previous_month(live_engine, now) == MONTH
    assert snapshot_previous_month(live_engine, now) is None
    with Session(live_engine) as session:
        assert len(session.exec(select(LeaderboardSnapshot)).all()) == 1
