"""The team page: workload per rep, and routing rules for new complaints (round robin, by
category), applied when a complaint is published; a removed or suspended rep gets nothing."""

import re
from collections import Counter
from datetime import timedelta

from sqlmodel import col, select

from app.clock import utcnow
from app.companies import members
from app.complaints import company as company_side
from app.models.audit import AuditEntry
from app.models.complaint import Category, TimelineEvent
from app.models.job import Job
from app.models.membership import CompanyMember
from app.models.user import User
from tests.support.factories import login, make_complaint, make_rep
from tests.support.forms import post_form

TEAM = "/dashboard/acme/team"


def _route(client, data: dict):
    return post_form(client, f"{TEAM}/routing", data, page=TEAM)


def _assigned_mail(db, complaint_id: int, user_id: int) -> list[Job]:
    return list(
        db.exec(select(Job).where(col(Job.key).contains(f"assigned:{complaint_id}:{user_id}")))
    )


def test_round_robin_is_fair_and_skips_removed_and_suspended_reps(db, client, scene):
    third = make_rep(db, scene.acme, public_name="Ravi Patel")
    db.commit()
    login(client, scene.owner)
    assert _route(client, {"mode": "round_robin"}).status_code == 303
    audit = db.exec(select(AuditEntry).where(AuditEntry.action == "team.routing")).one()
    assert audit.actor_id == scene.owner.id and audit.detail == "round_robin"

    filed = [make_complaint(db, company_name="Acme") for _ in range(6)]
    db.commit()
    got = Counter(c.assignee_id for c in filed)
    assert got == {scene.owner.id: 2, scene.agent.id: 2, third.user_id: 2}  # fair: two each
    # In turn, not by chance: the same order each round.
    assert [c.assignee_id for c in filed[:3]] == [c.assignee_id for c in filed[3:]]
    # Recorded like a manual assignment, and the assignee mailed.
    first = filed[0]
    assign = db.exec(
        select(TimelineEvent).where(
            TimelineEvent.complaint_id == first.id, TimelineEvent.kind == "assign"
        )
    ).one()
    assert assign.actor_id is None
    assert len(_assigned_mail(db, first.id, first.assignee_id)) == 1

    # Sam removed, Ravi suspended: only Dana gets new work.
    me = members.membership(session=db, company_id=scene.acme.id, user=scene.agent)
    me.revoked_at = utcnow()
    db.add(me)
    ravi = db.get(User, third.user_id)
    ravi.suspended_at = utcnow()
    db.add(ravi)
    db.commit()
    later = [make_complaint(db, company_name="Acme") for _ in range(3)]
    db.commit()
    assert {c.assignee_id for c in later} == {scene.owner.id}


def test_by_category_routes_to_the_named_rep_and_a_removed_one_gets_nothing(db, client, scene):
    login(client, scene.owner)
    response = _route(
        client,
        {"mode": "category", "category_billing": str(scene.agent.id), "category_refund": ""},
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Routing rules saved" in page
    bill = make_complaint(db, company_name="Acme", category=Category.BILLING)
    other = make_complaint(db, company_name="Acme", category=Category.DELIVERY)
    db.commit()
    assert bill.assignee_id == scene.agent.id
    assert other.assignee_id is None  # no rep named for deliveries: it waits
    assert len(_assigned_mail(db, bill.id, scene.agent.id)) == 1

    member = db.exec(select(CompanyMember).where(CompanyMember.user_id == scene.agent.id)).one()
    member.revoked_at = utcnow()
    db.add(member)
    db.commit()
    again = make_complaint(db, company_name="Acme", category=Category.BILLING)
    db.commit()
    assert again.assignee_id is None


def test_routing_off_leaves_new_complaints_unassigned(db, client, scene):
    assert scene.complaint.assignee_id is None
    login(client, scene.owner)
    _route(client, {"mode": "round_robin"})
    _route(client, {"mode": "off"})
    assert make_complaint(db, company_name="Acme").assignee_id is None


def test_only_owners_set_routing_and_bad_choices_change_nothing(db, client, scene):
    login(client, scene.agent)
    page = client.get(TEAM)
    assert page.status_code == 200 and "Owners change this" in page.text
    assert 'action="/dashboard/acme/team/routing"' not in page.text
    assert _route(client, {"mode": "round_robin"}).status_code == 403
    login(client, scene.owner)
    refused = _route(client, {"mode": "category"})
    assert refused.status_code == 400 and "Name a rep" in refused.text
    refused = _route(client, {"mode": "category", "category_billing": str(scene.globex_rep.id)})
    assert "active representatives" in refused.text
    assert db.exec(select(AuditEntry).where(AuditEntry.action == "team.routing")).all() == []
    assert make_complaint(db, company_name="Acme").assignee_id is None


def test_workload_per_rep(db, client, scene):
    now = utcnow()
    old = make_complaint(db, company_name="Acme", now=now - timedelta(days=20))
    company_side.assign(session=db, complaint=old, user=scene.owner, assignee_id=scene.agent.id)
    company_side.assign(
        session=db, complaint=scene.complaint, user=scene.agent, assignee_id=scene.agent.id
    )
    answered = make_complaint(db, company_name="Acme")
    company_side.reply(session=db, complaint=answered, user=scene.owner, body="Looking into it.")
    db.commit()
    login(client, scene.agent)  # reps read it too
    page = client.get(TEAM).text
    sam = page.split(f'id="load-{scene.agent.id}"')[1].split("</tr>")[0]
    dana = page.split(f'id="load-{scene.owner.id}"')[1].split("</tr>")[0]

    def cells(row: str) -> list[int]:
        return [int(n) for n in re.findall(r"<td>(\d+)</td>", row)]

    assert cells(sam) == [2, 1, 1, 0]  # two open, the 20-day one overdue and at risk
    assert cells(dana) == [1, 0, 0, 1]  # took the one she answered
