"""The team report against a hand-computed fixture: medians of first response and resolution
times by week and rep (complaints still waiting counted beside, not in, the median), the backlog
at each week's end, and the CSV."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

from app.dashboard import team_report
from tests.support.factories import login, make_complaint

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday
H = timedelta(hours=1)


def _fixture(db, scene):
    sam, dana = scene.agent.id, scene.owner.id

    def filed(at: str, owner: int | None, answered_h: int | None, resolved_h: int | None):
        when = datetime.fromisoformat(at).replace(tzinfo=UTC)
        c = make_complaint(db, company_name="Acme", now=when)
        c.assignee_id = owner
        c.first_response_at = when + answered_h * H if answered_h is not None else None
        c.resolved_at = when + resolved_h * H if resolved_h is not None else None
        db.add(c)

    filed("2026-11-09 10:00", sam, 2, 26)
    filed("2026-11-10 10:00", sam, 6, None)
    filed("2026-11-11 10:00", sam, 10, 48)
    filed("2026-11-12 10:00", sam, None, None)
    filed("2026-11-13 08:00", dana, 1, 3)
    filed("2026-11-16 09:00", None, None, None)
    db.commit()


def test_medians_by_week_and_rep_and_backlog(db, scene):
    _fixture(db, scene)
    report = team_report.build(session=db, company=scene.acme, now=NOW, weeks=3)
    got = {(r.week, r.rep): r for r in report.rows}
    sam = got[(date(2026, 11, 9), "Sam Lee")]
    assert (sam.filed, sam.answered, sam.median_first_response_h, sam.unanswered) == (4, 3, 6.0, 1)
    assert (sam.resolved, sam.median_resolution_h, sam.unresolved) == (2, 37.0, 2)
    dana = got[(date(2026, 11, 9), "Dana Ortiz")]
    assert (dana.median_first_response_h, dana.median_resolution_h, dana.unresolved) == (
        1.0,
        3.0,
        0,
    )
    nobody = got[(date(2026, 11, 16), "Unassigned")]
    assert (nobody.filed, nobody.median_first_response_h, nobody.unanswered) == (1, None, 1)
    assert len(report.rows) == 3  # the scene's own complaint is filed after NOW
    assert [(b.week, b.open_at_end) for b in report.backlog] == [
        (date(2026, 11, 2), 0),
        (date(2026, 11, 9), 2),  # the 10th's and 12th's: the others were resolved that week
        (date(2026, 11, 16), 3),  # by now, the 16th's too
    ]


def test_page_and_csv(db, client, scene):
    _fixture(db, scene)
    login(client, scene.agent)
    page = client.get("/dashboard/acme/team/report")
    assert page.status_code == 200 and "Median first response" in page.text
    response = client.get("/dashboard/acme/team/report.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    sam = next(r for r in rows if r["week_starting"] == "2026-11-09" and r["rep"] == "Sam Lee")
    assert sam["median_first_response_hours"] == "6.0" and sam["median_resolution_hours"] == "37.0"
    assert sam["unanswered"] == "1" and sam["unresolved"] == "2"
    backlog = client.get("/dashboard/acme/team/report.csv?table=backlog").text
    assert "2026-11-09,2" in backlog
    login(client, scene.globex_rep)
    assert client.get("/dashboard/acme/team/report.csv").status_code == 403
