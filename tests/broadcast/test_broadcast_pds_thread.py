"""Issue 4, done when: a complaint's whole broadcast life, from the scan and the real worker to
posts read back from a REAL local PDS (tests/support/pds_fixture.py) — one thread, mentions and links
as facets, and nothing posted twice.

The worker only sees committed rows, so this test commits through real sessions on
``live_engine`` (wiped before and after), like tests/broadcast/test_broadcast_delivery.py.
"""

import time
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.broadcast import delivery, schedule
from app.clock import utcnow
from app.complaints import service as complaints
from app.complaints.public import complaint_url
from app.jobs.worker import drain
from app.models.broadcast import Broadcast
from app.models.company import Company
from app.models.complaint import Complaint, ResolutionType
from app.models.job import Job, JobAttempt
from app.models.user import User
from tests.support.broadcast import all_posts
from tests.support.factories import make_complaint, make_rep
from tests.support.pds_fixture import Pds

MENTION = "app.bsky.richtext.facet#mention"
LINK = "app.bsky.richtext.facet#link"


def drained_at(session: Session, key: str) -> tuple[datetime, datetime]:
    """When the job was queued and when its successful attempt finished (the post landed)."""
    job = session.exec(select(Job).where(Job.key == key)).one()
    attempt = session.exec(
        select(JobAttempt).where(JobAttempt.job_id == job.id, col(JobAttempt.ok).is_(True))
    ).one()
    return job.created_at, attempt.finished_at


async def test_an_unresolved_complaint_becomes_one_thread_on_the_pds(
    live_engine: Engine, pds: Pds, broadcaster: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # Day 0 a month ago, so the worker (on the real clock) finds every due job at once.
    t0 = utcnow() - timedelta(days=30)
    title = f"Widget never delivered {uuid.uuid4().hex[:8]}"
    with Session(live_engine, expire_on_commit=False) as session:
        complaint = make_complaint(
            session, now=t0, broadcast_opt_in=True, title=title, company_name="Acme Widgets"
        )
        company = session.get(Company, complaint.company_id)
        company.bluesky_handle, company.bluesky_did = pds.company.handle, pds.company.did
        company.broadcast_mentions = True  # it asked to be mentioned
        session.add(company)
        rep = make_rep(session, company)  # verifies the claim: the company may be mentioned
        session.commit()
    before = len(all_posts(pds))
    url = complaint_url(complaint.id)
    wall: dict[str, float] = {}

    async def trigger(event: str, action) -> None:
        """Queue and commit (the trigger), then be the worker until nothing is due."""
        with Session(live_engine, expire_on_commit=False) as session:
            action(session)
            session.commit()
        started = time.perf_counter()
        assert await drain(engine=live_engine, kinds=[delivery.KIND]) == 1
        wall[event] = time.perf_counter() - started

    await trigger("milestone:7", lambda s: schedule.scan(session=s, now=t0 + timedelta(days=7)))
    await trigger("milestone:14", lambda s: schedule.scan(session=s, now=t0 + timedelta(days=14)))
    with Session(live_engine) as session:
        complaints.resolve(
            session=session,
            complaint=session.get(Complaint, complaint.id),
            rep=session.get(User, rep.user_id),
            resolution_type=ResolutionType.MONETARY,
            now=t0 + timedelta(days=19),
        )
        session.commit()
    assert await drain(engine=live_engine, kinds=[delivery.KIND]) == 0  # resolving posts nothing

    def consumer_confirms(session: Session) -> None:
        row = session.get(Complaint, complaint.id)
        author = session.get(User, row.author_id)
        complaints.confirm(session=session, complaint=row, user=author, now=t0 + timedelta(days=20))

    await trigger("resolution", consumer_confirms)

    # Read back what the PDS stored in outcry.test's repo.
    ours = [r for r in all_posts(pds) if title in r["value"]["text"]]
    assert len(ours) == 3 and len(all_posts(pds)) == before + 3
    by_start = {
        "Still unresolved after 7 days": None,
        "Still unresolved after 14 days": None,
        "@acme-widgets.test resolved": None,
    }
    for record in ours:
        (start,) = [s for s in by_start if record["value"]["text"].startswith(s)]
        by_start[start] = record
    first, second, third = by_start.values()
    assert "reply" not in first["value"]
    assert "in 19 days; the consumer confirmed the resolution on" in third["value"]["text"]
    for reply, parent in ((second, first), (third, second)):
        ref = reply["value"]["reply"]
        assert (ref["root"]["uri"], ref["root"]["cid"]) == (first["uri"], first["cid"])
        assert (ref["parent"]["uri"], ref["parent"]["cid"]) == (parent["uri"], parent["cid"])
    for record in (first, second, third):
        encoded = record["value"]["text"].encode()
        facets = {
            facet["features"][0]["$type"]: (
                encoded[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode(),
                facet["features"][0],
            )
            for facet in record["value"]["facets"]
        }
        mention_text, mention = facets[MENTION]
        assert (mention_text, mention["did"]) == ("@acme-widgets.test", pds.company.did)
        link_text, link = facets[LINK]
        assert (link_text, link["uri"]) == (url, url)

    # The database agrees: each post is recorded with the URI the PDS gave it.
    with Session(live_engine) as session:
        remote = dict(
            session.exec(
                select(Broadcast.event, Broadcast.remote_id).where(
                    Broadcast.complaint_id == complaint.id
                )
            ).all()
        )
        assert remote == {
            "milestone:7": first["uri"],
            "milestone:14": second["uri"],
            "resolution": third["uri"],
        }
        landed = {
            event: drained_at(session, schedule.record_key(complaint.id, event, "bluesky"))
            for event in remote
        }

    # Running the scan and the worker again, even much later, posts nothing more.
    with Session(live_engine) as session:
        assert schedule.scan(session=session, now=t0 + timedelta(days=29)) == []
        assert schedule.scan(session=session) == []
        session.commit()
    assert await drain(engine=live_engine, kinds=[delivery.KIND]) == 0
    assert len([r for r in all_posts(pds) if title in r["value"]["text"]]) == 3

    with capsys.disabled():
        print("\nbroadcast to the local PDS, trigger (job queued) -> post landed:")
        for event, (queued, finished) in landed.items():
            print(
                f"  {event:<13} job created -> attempt finished {(finished - queued).total_seconds() * 1000:7.1f} ms;"
                f" commit -> drain done {wall[event] * 1000:7.1f} ms"
            )
