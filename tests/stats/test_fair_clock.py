"""The fair clock: while a company waits for information it asked for, its clock stands still."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.clock import utcnow
from app.complaints import company as company_side
from app.complaints import service as complaints
from app.models.company import Company
from app.models.complaint import ResolutionType
from app.models.stats import LeaderboardSnapshot, LeaderboardSnapshotRow
from app.models.user import User
from app.stats import aggregates
from app.stats.metrics import METHODOLOGY_VERSION, compute
from app.survival import kaplan_meier
from tests.support.factories import make_complaint, make_rep

DAY = timedelta(days=1)


def _fair_co(db: Session):
    """Four complaints filed at t0, looked at ten days later (hand-computed below):

    A: asked for information at 1 d, answered at 3 d, resolved at 4 d: 4 d less 2 d paused = 2 d.
    B: resolved at 3 d, no request: 3 d.
    C: asked at 0.5 d and still waiting: censored at 10 d less 9.5 d paused = 0.5 d.
    D: nothing yet: censored at 10 d.
    """
    as_of = utcnow().replace(microsecond=0)
    t0 = as_of - 10 * DAY
    a, b, c, d = (make_complaint(db, company_name="Fair Co", now=t0) for _ in range(4))
    company = db.get(Company, a.company_id)
    rep = db.get(User, make_rep(db, company).user_id)
    ask = {"user": rep, "body": "Your booking reference?", "info_request": True}
    company_side.reply(session=db, complaint=a, now=t0 + DAY, **ask)
    complaints.follow_up(
        session=db, complaint=a, user=db.get(User, a.author_id), body="QX7PLM", now=t0 + 3 * DAY
    )
    for complaint, when in ((a, 4 * DAY), (b, 3 * DAY)):
        company_side.resolve(
            session=db,
            complaint=complaint,
            user=rep,
            resolution_type=ResolutionType.EXPLANATION,
            now=t0 + when,
        )
    company_side.reply(session=db, complaint=c, now=t0 + DAY / 2, **ask)
    db.flush()
    return company, as_of, (a, b, c, d)


def test_kaplan_meier_with_the_clock_paused_matches_the_hand_computed_values(db: Session) -> None:
    company, as_of, _ = _fair_co(db)
    records = aggregates.load_records(session=db, company_id=company.id)
    fields = compute(records, as_of=as_of, min_ranked=1)

    # Resolution, by hand: times 0.5 (censored), 2, 3 (events), 10 (censored).
    # t=2: 3 at risk, 1 event: S = 2/3. t=3: 2 at risk, 1 event: S = 2/3 * 1/2 = 1/3.
    # Median: the first t with S <= 0.5 is 3; S never reaches 0.1, so p90 is "not reached".
    curve = kaplan_meier([0.5, 2, 3, 10], [False, True, True, False])
    assert [t for t, _ in curve] == [0.0, 2.0, 3.0]
    assert [s for _, s in curve] == pytest.approx([1.0, 2 / 3, 1 / 3])
    assert fields.resolution_median_days == 3.0
    assert fields.resolution_p90_days is None
    assert fields.resolved_now == 2
    # First response ends with the request itself (A at 1 d, C at 0.5 d, B resolved at 3 d; D
    # censored at 10): t=0.5 S=3/4, t=1 S=1/2, so the median is 1 d, the pause changes nothing.
    assert fields.response_median_days == 1.0

    # Under methodology 1.0 (no pause): 3 (event), 4 (event), 10, 10 (censored):
    # t=3 S=3/4, t=4 S=3/4*2/3=1/2, median 4 d. The pause is what makes it 3.
    for record in records:
        record.waits = []
    assert compute(records, as_of=as_of, min_ranked=1).resolution_median_days == 4.0


def test_the_ticket_and_the_methodology_say_so(db: Session, client) -> None:
    _, _, (a, _, c, _) = _fair_co(db)
    db.commit()
    page = client.get(f"/complaints/{a.id}").text
    assert "Clock stopped" in page and "2 days while Fair Co waited for information" in page
    # Still waiting: the pause runs on, and the consumer's turn is said with the reason.
    page = client.get(f"/complaints/{c.id}").text
    assert "9 days 12 hours while Fair Co waited" in page
    assert "Its response time does not run while it waits for the answer." in page
    methodology = client.get("/methodology").text
    assert f"Methodology version <strong>{METHODOLOGY_VERSION}</strong>" in methodology
    assert METHODOLOGY_VERSION == "1.1" and 'id="fair-clock"' in methodology
    assert "<strong>1.0</strong> (2026-11-23)" in methodology  # the changelog keeps 1.0


def test_a_snapshot_taken_under_the_old_version_keeps_its_numbers(db: Session, client) -> None:
    company, as_of, _ = _fair_co(db)
    snapshot = LeaderboardSnapshot(
        month="2026-10",
        methodology_version="1.0",
        as_of=as_of,
        taken_at=as_of,
        min_ranked=1,
    )
    db.add(snapshot)
    db.flush()
    records = aggregates.load_records(session=db, company_id=company.id)
    data = compute(records, as_of=as_of, min_ranked=1).model_dump()
    data["resolution_median_days"] = 4.0  # as 1.0 computed it
    db.add(
        LeaderboardSnapshotRow(
            snapshot_id=snapshot.id,
            period="all",
            position=1,
            company_id=company.id,
            company_name=company.name,
            company_slug=company.slug,
            data=data,
        )
    )
    db.commit()
    aggregates.refresh_company(session=db, company_id=company.id)  # the live numbers move on
    db.commit()
    frozen = client.get("/leaderboards/2026-10.json?window=all").json()
    assert frozen["methodology_version"] == "1.0"
    assert frozen["rows"][0]["resolution_median_days"] == 4.0
