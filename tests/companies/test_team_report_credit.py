"""The team report credits the work to whoever did it at the time: a complaint Sam answered and
then handed to Dana, who resolved it, shows Sam's first response and Dana's resolution; an answer
that came by email (no acting rep) counts for whoever owned the complaint then, not for whoever
owns it now."""

import csv
import io
from datetime import timedelta

from app.clock import utcnow
from app.complaints import company as company_side
from app.complaints import service as complaints
from app.dashboard import team_report
from app.models.complaint import ResolutionType
from tests.dashboard.test_dashboard import scene  # noqa: F401 - fixture
from tests.factories import login, make_complaint

H = timedelta(hours=1)


def _rows(report) -> dict[str, team_report.Row]:
    return {r.rep: r for r in report.rows if r.filed or r.resolved or r.unresolved}


def test_answer_and_resolution_count_for_who_did_them(db, client, scene):  # noqa: F811
    sam, dana = scene.agent, scene.owner
    filed = utcnow() - 2 * timedelta(days=1)
    handed = make_complaint(db, company_name="Acme", now=filed)
    # Sam answers first (and so owns it), hands it to Dana, who resolves it a day later.
    company_side.reply(
        session=db, complaint=handed, user=sam, body="Looking now.", now=filed + 2 * H
    )
    company_side.assign(session=db, complaint=handed, user=sam, assignee_id=dana.id)
    company_side.resolve(
        session=db,
        complaint=handed,
        user=dana,
        resolution_type=ResolutionType.EXPLANATION,
        now=filed + 26 * H,
    )
    # Another is given to Sam; its first answer comes by email (no rep acts), then Dana takes it.
    emailed = make_complaint(db, company_name="Acme", now=filed)
    company_side.assign(session=db, complaint=emailed, user=dana, assignee_id=sam.id)
    db.flush()
    complaints.answer(session=db, complaint=emailed, rep=None, body="Answered from our inbox.")
    company_side.assign(session=db, complaint=emailed, user=dana, assignee_id=dana.id)
    db.commit()
    db.refresh(handed)
    db.refresh(emailed)
    assert handed.assignee_id == dana.id and emailed.assignee_id == dana.id

    report = team_report.build(session=db, company=scene.acme, weeks=2)
    rows = _rows(report)
    # Sam wrote both first responses (one himself, one arriving while he owned it).
    assert rows["Sam Lee"].answered == 2
    assert rows["Sam Lee"].median_first_response_h is not None
    assert rows["Sam Lee"].resolved == 0
    # Dana resolved the first, in 26 hours, and holds the emailed one, still unresolved.
    assert rows["Dana Ortiz"].resolved == 1 and rows["Dana Ortiz"].median_resolution_h == 26.0
    assert rows["Dana Ortiz"].answered == 0 and rows["Dana Ortiz"].unresolved == 1

    # The page and the CSV say the same.
    login(client, dana)
    page = client.get("/dashboard/acme/team/report").text
    assert "counts for the rep who wrote it" in page
    table = list(csv.DictReader(io.StringIO(client.get("/dashboard/acme/team/report.csv").text)))
    by_rep = {}
    for r in table:
        by_rep.setdefault(r["rep"], []).append(r)
    assert sum(int(r["answered"]) for r in by_rep["Sam Lee"]) == 2
    assert sum(int(r["resolved"]) for r in by_rep["Dana Ortiz"]) == 1
