"""The queue as a team works it: search by number, private reference, name and text; filters and
sorting; due soon / at risk / breached against the company's own targets; bulk actions; saved
replies with placeholders."""

from datetime import timedelta

from sqlmodel import select

from app.clock import utcnow
from app.complaints import company as company_side
from app.dashboard import targets
from app.models.complaint import (
    Category,
    Complaint,
    ComplaintState,
    Message,
    ResolutionType,
    SavedReply,
)
from tests.conftest import post_form
from tests.dashboard.test_dashboard import queue_counts, queue_ids, scene  # noqa: F401 - fixture
from tests.factories import login, make_complaint, make_user


def test_search_by_number_reference_name_and_words(db, client, scene):  # noqa: F811
    other = make_complaint(
        db,
        make_user(db, name="Priya Natarajan"),
        company_name="Acme",
        title="Router replaced three times",
        body="The replacement router drops the connection every evening after eight.",
        category=Category.QUALITY,
    )
    db.commit()
    login(client, scene.agent)

    def found(q: str, **more) -> list[int]:
        return queue_ids(client.get("/dashboard/acme", params={"q": q, **more}).text)

    assert found("ACC-991") == [scene.complaint.id]  # the consumer's account number
    assert found("acc-99") == [scene.complaint.id]
    assert found(f"#{other.id}") == [other.id]
    assert found("Priya") == [other.id]
    assert found("every evening") == [other.id]
    assert found("GLX-7") == []  # another company's reference finds nothing here
    # Filters and counts per view follow the search.
    page = client.get("/dashboard/acme", params={"q": "router"}).text
    assert queue_counts(page)["open"] == 1 and queue_counts(page)["all"] == 1
    assert found("", category="product_quality") == [other.id]
    assert found("", assignee=str(scene.agent.id)) == []
    assert found("", older="1") == []


def test_sorting_and_cosign_filter(db, client, scene):  # noqa: F811
    now = utcnow()
    old = make_complaint(db, company_name="Acme", now=now - timedelta(days=3))
    old.cosign_count = 7
    db.add(old)
    db.commit()
    login(client, scene.agent)
    assert queue_ids(client.get("/dashboard/acme").text) == [old.id, scene.complaint.id]
    newest = client.get("/dashboard/acme", params={"sort": "newest"}).text
    assert queue_ids(newest) == [scene.complaint.id, old.id]
    assert queue_ids(client.get("/dashboard/acme", params={"cosigns": "5"}).text) == [old.id]


def test_due_against_the_companys_own_targets(db, client, scene):  # noqa: F811
    now = utcnow()
    scene.acme.target_response_days = 2
    db.add(scene.acme)
    two_days = make_complaint(db, company_name="Acme", now=now - timedelta(days=2, hours=1))
    soon = make_complaint(db, company_name="Acme", now=now - timedelta(days=1, hours=2))
    db.commit()
    due = targets.due(two_days, scene.acme, now=now)
    assert due.status == targets.BREACHED and due.against == "your answer target"
    assert targets.due(soon, scene.acme, now=now).status == targets.AT_RISK_LABEL
    assert targets.due(scene.complaint, scene.acme, now=now).status == targets.DUE_SOON_LABEL
    login(client, scene.agent)
    page = client.get("/dashboard/acme?queue=at_risk").text
    assert queue_ids(page) == [two_days.id, soon.id]
    assert "breached" in page and "your answer target" in page
    # Answered, it owes only the resolution target, if the company declared one.
    company_side.reply(session=db, complaint=two_days, user=scene.agent, body="On it.")
    db.commit()
    assert targets.due(two_days, scene.acme, now=now) is None
    scene.acme.target_resolution_days = 2
    assert targets.due(two_days, scene.acme, now=now).against == "your resolution target"


def test_bulk_assign_take_resolve_and_saved_reply_with_placeholders(db, client, scene):  # noqa: F811
    five = [
        make_complaint(db, make_user(db, name=f"Pat{n} Jones"), company_name="Acme")
        for n in range(5)
    ]
    five[0].private_reference = "CUST-0"
    db.add(five[0])
    db.add(
        SavedReply(
            company_id=scene.acme.id,
            title="Hello",
            body="Hi {first_name}, about {reference}: {company} is on it.",
        )
    )
    db.commit()
    saved = db.exec(select(SavedReply).where(SavedReply.title == "Hello")).one()
    login(client, scene.owner)
    ids = [str(c.id) for c in five]

    def bulk(**data):
        return post_form(client, "/dashboard/acme/bulk", data, page="/dashboard/acme")

    done = bulk(
        complaint=ids, action="assign", assignee=str(scene.agent.id), back="/dashboard/acme"
    )
    assert done.status_code == 303 and "bulk_done=5" in done.headers["location"]
    for c in five:
        db.refresh(c)
    assert {c.assignee_id for c in five} == {scene.agent.id}
    assert "5 changed" in client.get(done.headers["location"]).text

    sent = bulk(complaint=ids[:2], action="saved_reply", saved_id=str(saved.id))
    assert "bulk_done=2" in sent.headers["location"]
    # As the rep sent them (the public text is masked: names and references are private).
    bodies = sorted(
        m.original_body or m.body
        for m in db.exec(select(Message).where(Message.complaint_id.in_([five[0].id, five[1].id])))
        if m.side == "company"
    )
    assert bodies == sorted(
        ["Hi Pat0, about CUST-0: Acme is on it.", f"Hi Pat1, about #{five[1].id}: Acme is on it."]
    )

    resolved = bulk(complaint=ids[:1], action="resolve", resolution_type="explanation")
    assert "bulk_done=1" in resolved.headers["location"]
    db.refresh(five[0])
    assert five[0].state == ComplaintState.RESOLVED
    page = client.get("/dashboard/acme?queue=resolved").text
    assert queue_ids(page) == [five[0].id]
    # A resolved one cannot be resolved again: reported, the others still done.
    again = bulk(complaint=ids[:2], action="resolve", resolution_type="explanation")
    assert (
        "bulk_done=1" in again.headers["location"] and "bulk_skipped" in again.headers["location"]
    )
    # Another company's complaint is never touched.
    foreign = bulk(complaint=[str(scene.globex_complaint.id)], action="take")
    assert "bulk_done=0" in foreign.headers["location"]
    db.refresh(scene.globex_complaint)
    assert scene.globex_complaint.assignee_id is None


def test_saved_reply_placeholders_in_the_complaint_page(db, client, scene):  # noqa: F811
    db.add(SavedReply(company_id=scene.acme.id, title="Hi", body="Dear {first_name} ({reference})"))
    db.commit()
    login(client, scene.agent)
    page = client.get(scene.page).text
    assert 'data-body="Dear Maria (ACC-991)"' in page


def test_the_queue_links_every_company_page(db, client, scene):  # noqa: F811
    login(client, scene.owner)
    page = client.get("/dashboard/acme").text
    for href in ("/members", "/profile", "/integrations", "/saved-replies"):
        assert f'href="/dashboard/acme{href}"' in page, href
    assert 'href="/companies/acme/stats"' in page
    assert "Keyboard shortcuts" in page
    assert db.exec(select(Complaint)).first()


def test_every_queues_count_follows_the_search(db, client, scene):  # noqa: F811
    """One count per queue, as many as the queue then lists, with words found in any form."""
    resolved = make_complaint(
        db,
        company_name="Acme",
        title="Refunds never arrive",
        body="Three refunds were promised and none came.",
    )
    company_side.resolve(
        session=db,
        complaint=resolved,
        user=scene.owner,
        resolution_type=ResolutionType.EXPLANATION,
    )
    taken = make_complaint(
        db,
        make_user(db, name="Olu Refundwala"),
        company_name="Acme",
        title="Billing mistake",
        body="The bill shows a line I never ordered.",
    )
    company_side.assign(session=db, complaint=taken, user=scene.agent, assignee_id=scene.agent.id)
    make_complaint(
        db,
        company_name="Acme",
        title="Slow broadband",
        body="Speeds are poor every single evening.",
    )
    db.commit()
    login(client, scene.agent)
    counts = queue_counts(client.get("/dashboard/acme", params={"q": "refund"}).text)
    # "refund" finds "Refunds" (a word's other forms), the scene's "refund it", and the consumer
    # whose name holds it; not the broadband one.
    assert counts["all"] == 3 and counts["resolved"] == 1 and counts["mine"] == 1
    assert counts["open"] == 2 and counts["unassigned"] == 1
    for queue, n in counts.items():
        listed = queue_ids(
            client.get("/dashboard/acme", params={"q": "refund", "queue": queue}).text
        )
        assert len(listed) == n, queue
    found = queue_ids(client.get("/dashboard/acme", params={"q": "refund"}).text)
    assert found == [scene.complaint.id, taken.id]
