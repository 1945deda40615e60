"""XSS corpus: every payload through every displayed field, then every surface must be inert.

Fields: complaint title/body/desired outcome, company name, display names, rep public name and
job title, messages, saved replies, report details, takedown notice fields, moderation reasons.
Surfaces: HTML pages (public, consumer, company dashboard, moderation), Atom feeds, SVG badges,
oEmbed JSON, the card page, JSON/CSV exports, queued mail (rendered HTML) and broadcast posts.
"""

from pathlib import Path
from urllib.parse import quote

import pytest
from sqlmodel import select

from app.broadcast.compose import post_for
from app.companies import service as companies
from app.complaints import service as complaints
from app.models.complaint import SavedReply, Visibility
from app.models.job import Job
from app.models.membership import Role
from app.models.moderation import ReportReason
from app.models.takedown import TakedownNotice
from app.models.user import User
from app.moderation import reports
from app.moderation.service import set_visibility
from tests.security.inert import MARKER, html_problems, json_problems, xml_problems
from tests.security.world import browser, build
from tests.support.factories import make_complaint, make_rep

CORPUS = [
    line
    for line in (Path(__file__).parent / "xss_corpus.txt").read_text().splitlines()
    if line.strip() and not line.startswith("# ")
]
SURFACES_CHECKED: list[int] = [0]


def _fit(text: str, size: int) -> str:
    return text[:size]


def seed(db, payload: str):
    world = build(
        db,
        title=_fit(f"Title {payload}", 140),
        body=f"The body text, long enough to file: {payload}",
        desired_outcome=payload,
    )
    world.users["owner"].display_name = _fit(payload, 60)
    company = companies.create(session=db, name=_fit(f"Co {payload}", 120), domain=None)
    rep = make_rep(
        db, company, role=Role.OWNER, public_name=_fit(payload, 60), job_title=_fit(payload, 60)
    )
    evil = make_complaint(
        db,
        world.users["stranger"],
        company_name=company.name,
        title=_fit(f"Second {payload}", 140),
        body=f"Another body long enough to file: {payload}",
    )
    rep_user = db.get(User, rep.user_id)
    complaints.answer(session=db, complaint=evil, rep=rep_user, body=f"Reply {payload}")
    complaints.follow_up(
        session=db, complaint=world.complaint, user=world.users["owner"], body=f"Follow {payload}"
    )
    reports.file_report(
        session=db,
        complaint=world.complaint,
        reason=next(iter(ReportReason)),
        detail=f"Report {payload}",
        reporter=world.users["stranger"],
    )
    hidden = make_complaint(
        db,
        world.users["owner"],
        company_name="Northwind Telecom",
        title="A third complaint to hide",
        body="A body long enough for the third complaint to be filed.",
    )
    set_visibility(
        session=db,
        complaint=hidden,
        visibility=Visibility.HIDDEN,
        reason=f"Reason {payload}",
        actor=world.users["moderator"],
    )
    saved = db.get(SavedReply, int(world.ids["saved_id"]))
    saved.title, saved.body = _fit(payload, 120), payload
    notice = db.get(TakedownNotice, int(world.ids["notice_id"]))
    notice.complainant_name = _fit(payload, 200)
    notice.statement = notice.meaning = notice.why_wrong = notice.why_defamatory = payload
    db.add_all([saved, notice, world.users["owner"]])
    db.commit()
    return world, company, evil, hidden


def check(response, kind: str) -> list[str]:
    assert response.status_code < 500, f"{response.request.url}: {response.status_code}"
    SURFACES_CHECKED[0] += 1
    text = response.text
    if kind == "html":
        return html_problems(text)
    if kind == "xml":
        return xml_problems(text)
    return json_problems(text)


@pytest.mark.parametrize("payload", CORPUS)
def test_payload_is_inert_everywhere(web_app, db, payload: str) -> None:
    world, company, evil, hidden = seed(db, payload)
    cid, slug = world.complaint.id, world.company.slug
    pages = {
        None: [
            ("/", "html"),
            (f"/complaints/{cid}", "html"),
            (f"/complaints/{evil.id}", "html"),
            (f"/complaints/{hidden.id}", "html"),
            (f"/complaints/{cid}/card", "html"),
            (f"/companies/{slug}", "html"),
            (f"/companies/{company.slug}", "html"),
            (f"/companies/{slug}/moderation", "html"),
            ("/companies", "html"),
            (f"/search?q={quote(payload)}", "html"),
            ("/leaderboards", "html"),
            (f"/complaints/{cid}/badge.svg", "xml"),
            (f"/companies/{company.slug}/badge.svg", "xml"),
            (f"/complaints/{cid}/feed.atom", "xml"),
            (f"/companies/{company.slug}/feed.atom", "xml"),
            ("/feeds/complaints.atom", "xml"),
            (f"/oembed?url={quote(f'http://testserver/complaints/{evil.id}')}", "json"),
            ("/data/complaints.json", "json"),
            ("/api/v1/complaints", "json"),
        ],
        "owner": [("/me/complaints", "html"), (f"/complaints/{cid}/original", "html")],
        "rep": [
            (f"/dashboard/{slug}", "html"),
            (f"/dashboard/{slug}/complaints/{cid}", "html"),
            (f"/dashboard/{slug}/saved-replies", "html"),
            (f"/dashboard/{slug}/members", "html"),
        ],
        "moderator": [
            ("/moderation", "html"),
            (f"/moderation/complaints/{cid}", "html"),
            (f"/moderation/complaints/{hidden.id}", "html"),
            ("/moderation/notices", "html"),
        ],
    }
    problems: list[str] = []
    for role, surfaces in pages.items():
        client = browser(web_app, db, world.users[role] if role else None)
        for path, kind in surfaces:
            problems += [f"{path}: {p}" for p in check(client.get(path), kind)]
    # The CSV export is data: its cells hold the text verbatim, and it is served as text/csv.
    csv = browser(web_app, db, None).get("/data/complaints.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    # Queued mail: every rendered HTML part.
    for job in db.exec(select(Job).where(Job.kind == "mail")).all():
        if html := (job.payload or {}).get("html"):
            SURFACES_CHECKED[0] += 1
            problems += [f"mail {job.key}: {p}" for p in html_problems(html)]
    # Broadcast posts are plain text for the networks; the link card must not carry markup.
    post = post_for(db, complaint=evil, event="filed", days=0, record_key="xss")
    SURFACES_CHECKED[0] += 1
    assert MARKER in post.title  # the text itself survives, as text
    assert not post.text.lstrip().startswith("<")
    assert not problems, "\n".join(problems)
