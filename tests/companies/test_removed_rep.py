"""Nobody owns a complaint they cannot act on: a removed rep's open complaints go back to the
unassigned queue, the owners are told, and the public page stops naming the removed rep."""

import re

from sqlmodel import Session, col, select

from app.complaints import company as company_side
from app.complaints import service as complaints
from app.models.company import Company
from app.models.complaint import ResolutionType
from app.models.job import Job
from app.models.membership import Role
from app.models.user import User
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import post_form


def test_a_removed_reps_open_complaints_return_to_the_queue(db: Session, client) -> None:
    first = make_complaint(db, company_name="Maple Post", title="Parcel one lost")
    second = make_complaint(db, company_name="Maple Post", title="Parcel two lost")
    done = make_complaint(db, company_name="Maple Post", title="Parcel three lost")
    company = db.get(Company, first.company_id)
    owner_member = make_rep(db, company, role=Role.OWNER, public_name="Olu Owner")
    owner = db.get(User, owner_member.user_id)
    leaver_member = make_rep(db, company, public_name="Lee Leaver")
    leaver = db.get(User, leaver_member.user_id)
    for complaint in (first, second, done):
        company_side.reply(session=db, complaint=complaint, user=leaver, body="On it.")
    company_side.resolve(
        session=db, complaint=done, user=leaver, resolution_type=ResolutionType.EXPLANATION
    )
    complaints.confirm(session=db, complaint=done, user=db.get(User, done.author_id))
    db.commit()
    assert re.search(r'id="owner">Lee Leaver<', client.get(f"/complaints/{first.id}").text)

    login(client, owner)
    members_page = f"/dashboard/{company.slug}/members"
    response = post_form(
        client,
        f"/dashboard/{company.slug}/members/{leaver_member.id}/revoke",
        {},
        page=members_page,
    )
    assert response.status_code == 303
    for complaint in (first, second, done):
        db.refresh(complaint)
    assert (first.assignee_id, second.assignee_id) == (None, None)
    assert done.assignee_id == leaver.id  # closed: nothing to act on, the record stays

    unassigned = client.get(f"/dashboard/{company.slug}?queue=unassigned").text
    assert set(re.findall(r'data-complaint="(\d+)"', unassigned)) == {str(first.id), str(second.id)}

    mails = db.exec(select(Job).where(Job.kind == "mail").order_by(col(Job.id))).all()
    (told,) = [m.payload for m in mails if "need a new owner" in m.payload["subject"]]
    assert told["to"] == owner.email
    assert told["subject"] == "2 complaints need a new owner at Maple Post"
    assert "Parcel one lost" in told["text"] and "Parcel two lost" in told["text"]

    client.cookies.clear()
    public = client.get(f"/complaints/{first.id}").text
    # No longer named as the owner; the replies they signed stay signed (the record).
    assert 'id="owner"' not in public and "Owner at Maple Post" not in public
    assert "returned it to the team's queue" in public
    assert 'id="owner"' not in client.get(f"/complaints/{done.id}").text


def test_a_stranger_cannot_release_anything(db: Session, client) -> None:
    complaint = make_complaint(db, company_name="Maple Post")
    company = db.get(Company, complaint.company_id)
    make_rep(db, company, role=Role.OWNER)
    rep = make_rep(db, company)
    company_side.reply(
        session=db, complaint=complaint, user=db.get(User, rep.user_id), body="Mine."
    )
    db.commit()
    login(client, make_user(db))
    db.commit()
    response = client.post(f"/dashboard/{company.slug}/members/{rep.id}/revoke", data={})
    assert response.status_code in (403, 404)
    db.refresh(complaint)
    assert complaint.assignee_id == rep.user_id
