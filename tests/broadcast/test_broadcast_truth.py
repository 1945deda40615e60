"""Posts stay true: a moderator's edit of a complaint's title replaces its live posts, on a REAL
local PDS (tests/support/pds_fixture.py): the old text is gone from the network, the new posts form one
thread in the same order, and /broadcasts shows the current text."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.broadcast import compose, delivery, listing, refresh, schedule
from app.broadcast.dryrun import DryRunAdapter
from app.clock import utcnow
from app.companies import profile as profiles
from app.config import get_settings
from app.jobs.worker import drain
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.company import Company
from app.models.complaint import Complaint, Visibility
from app.moderation.edits import edit_text
from app.moderation.service import set_visibility
from tests.support.broadcast import all_posts
from tests.support.factories import make_complaint, make_rep, make_user
from tests.support.pds_fixture import Pds

KINDS = [delivery.KIND, delivery.DELETE_KIND, refresh.KIND]


async def test_a_moderators_edit_reaches_the_posts_already_out(
    live_engine: Engine,
    pds: Pds,
    broadcaster: None,
) -> None:
    t0 = utcnow() - timedelta(days=30)
    tag = uuid.uuid4().hex[:8]
    with Session(live_engine, expire_on_commit=False) as session:
        complaint = make_complaint(
            session, now=t0, broadcast_opt_in=True, title=f"Charged twice for August {tag}"
        )
        moderator = make_user(session)
        moderator.is_moderator = True
        session.add(moderator)
        session.commit()
    for days in (7, 14):
        with Session(live_engine) as session:
            schedule.scan(session=session, now=t0 + timedelta(days=days))
            session.commit()
        await drain(engine=live_engine, kinds=KINDS)
    assert len([r for r in all_posts(pds) if tag in r["value"]["text"]]) == 2

    with Session(live_engine) as session:
        edit_text(
            session=session,
            complaint=session.get(Complaint, complaint.id),
            reason="Personal data",
            actor=session.get(type(moderator), moderator.id),
            mask=["August"],
        )
        session.commit()
    await drain(engine=live_engine, kinds=KINDS)

    ours = [r for r in all_posts(pds) if tag in r["value"]["text"]]
    assert len(ours) == 2 and not [r for r in ours if "August" in r["value"]["text"]]
    with Session(live_engine) as session:
        rows = session.exec(
            select(Broadcast)
            .where(Broadcast.complaint_id == complaint.id)
            .order_by(col(Broadcast.id))
        ).all()
    assert [row.status for row in rows] == [BroadcastStatus.POSTED] * 2
    by_uri = {record["uri"]: record for record in ours}
    first, second = (by_uri[row.remote_id] for row in rows)  # the database names the new records
    assert "after 7 days" in first["value"]["text"] and "reply" not in first["value"]
    reply = second["value"]["reply"]
    for ref in (reply["root"], reply["parent"]):
        assert (ref["uri"], ref["cid"]) == (first["uri"], first["cid"])
    with Session(live_engine) as session:  # what /broadcasts lists
        shown, _ = listing.recent(session=session)
    assert [row.text for row in shown if tag in row.text]
    assert not [row.text for row in shown if "August" in row.text]


async def test_hide_restore_then_the_next_milestone_threads_onto_a_live_record(
    live_engine: Engine,
    pds: Pds,
    broadcaster: None,
) -> None:
    t0 = utcnow() - timedelta(days=30)
    tag = uuid.uuid4().hex[:8]
    with Session(live_engine, expire_on_commit=False) as session:
        complaint = make_complaint(session, now=t0, broadcast_opt_in=True, title=f"Lost {tag}")
        session.commit()
        schedule.scan(session=session, now=t0 + timedelta(days=7))
        session.commit()
    await drain(engine=live_engine, kinds=KINDS)
    for grade, reason in ((Visibility.HIDDEN, "Personal data"), (Visibility.PUBLIC, "")):
        with Session(live_engine) as session:
            set_visibility(
                session=session,
                complaint=session.get(Complaint, complaint.id),
                visibility=grade,
                reason=reason,
                actor=None,
            )
            session.commit()
        await drain(engine=live_engine, kinds=KINDS)
    with Session(live_engine) as session:
        schedule.scan(session=session, now=t0 + timedelta(days=14))
        session.commit()
    await drain(engine=live_engine, kinds=KINDS)

    (live,) = [r for r in all_posts(pds) if tag in r["value"]["text"]]
    assert "after 14 days" in live["value"]["text"]
    assert "reply" not in live["value"]  # a new thread, never a reply to the deleted post


def test_a_handle_hosted_on_the_configured_pds_resolves_through_it(
    pds: Pds, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTCRY_BLUESKY_SERVICE_URL", pds.url)
    get_settings.cache_clear()
    try:
        assert profiles.resolve_with_atproto(pds.company.handle) == pds.company.did
        assert profiles.resolve_with_atproto("nobody-here.test") is None
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_the_configured_pds_is_asked_only_at_an_address_the_guard_accepts(
    pds: Pds, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTCRY_BLUESKY_SERVICE_URL", pds.url)
    monkeypatch.setenv("OUTCRY_ENVIRONMENT", "production")  # loopback is refused in production
    monkeypatch.setenv("OUTCRY_SECRET_KEY", "x" * 48)
    get_settings.cache_clear()
    try:
        assert profiles.resolve_through_pds(pds.company.handle) is None
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_the_dry_run_says_byte_for_byte_what_the_pds_holds(
    live_engine: Engine,
    pds: Pds,
    broadcaster: None,
) -> None:
    t0 = utcnow() - timedelta(days=30)
    tag = uuid.uuid4().hex[:8]
    with Session(live_engine, expire_on_commit=False) as session:
        complaint = make_complaint(
            session,
            now=t0,
            broadcast_opt_in=True,
            title=f"Ünïcode 👩‍👩‍👧 and עברית {tag}",
            company_name="Acme Widgets",
        )
        company = session.get(Company, complaint.company_id)
        company.bluesky_handle, company.bluesky_did = pds.company.handle, pds.company.did
        company.broadcast_mentions = True
        session.add(company)
        make_rep(session, company)
        session.commit()
    for days in (7, 14):
        with Session(live_engine) as session:
            schedule.scan(session=session, now=t0 + timedelta(days=days))
            session.commit()
        await drain(engine=live_engine, kinds=KINDS)
    records = {r["uri"]: r["value"] for r in all_posts(pds) if tag in r["value"]["text"]}
    dry = DryRunAdapter()
    with Session(live_engine) as session:
        rows = session.exec(
            select(Broadcast)
            .where(Broadcast.complaint_id == complaint.id)
            .order_by(col(Broadcast.id))
        ).all()
        shapes = listing.shapes(session=session, rows=list(rows))
        for row in rows:
            record = records[row.remote_id]
            post = compose.post_for(
                session,
                complaint=session.get(Complaint, complaint.id),
                event=row.event,
                days=row.days_open,
                record_key="dry",
            )
            rendered = dry.format(post)
            assert rendered.text.encode() == record["text"].encode() == row.text.encode()
            spans = {(s.start, s.end) for s in rendered.spans}
            facets = {(f["index"]["byteStart"], f["index"]["byteEnd"]) for f in record["facets"]}
            assert spans == facets
            card = record["embed"]["external"]
            shape = shapes[row.id]
            assert (shape.card_title, shape.card_description) == (
                card["title"],
                card["description"],
            )
            assert shape.reply == ("reply" in record)
