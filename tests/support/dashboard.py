"""The representatives' dashboard scene (a company, its reps and complaints in every queue)
and reading queues back from the page."""

import re
from dataclasses import dataclass

import pytest
from sqlmodel import Session

from app.companies import service as companies
from app.models.company import Company
from app.models.complaint import (
    Complaint,
    SavedReply,
)
from app.models.membership import Role
from app.models.user import User
from tests.support.factories import make_complaint, make_rep, make_user


@dataclass
class Scene:
    """Acme with an owner (Dana) and an agent (Sam), a complaint, and Globex next door."""

    acme: Company
    owner: User
    agent: User
    author: User
    complaint: Complaint
    globex: Company
    globex_rep: User
    globex_complaint: Complaint
    saved: SavedReply  # written by the owner

    @property
    def page(self) -> str:
        return f"/dashboard/acme/complaints/{self.complaint.id}"


def build(db: Session) -> Scene:
    acme = companies.create(session=db, name="Acme", domain="acme.example")
    owner = make_rep(
        db, acme, role=Role.OWNER, public_name="Dana Ortiz", job_title="Customer Relations Lead"
    )
    agent = make_rep(db, acme, public_name="Sam Lee", job_title="Support Agent")
    author = make_user(db, name="Maria K.")
    complaint = make_complaint(db, author, company_name="Acme", private_reference="ACC-991")
    globex = companies.create(session=db, name="Globex")
    globex_rep = make_rep(db, globex, role=Role.OWNER, public_name="Gil Bates")
    globex_complaint = make_complaint(
        db, company_name="Globex", title="Globex lost my parcel", private_reference="GLX-7"
    )
    saved = SavedReply(
        company_id=acme.id,
        author_id=owner.user_id,
        title="Refund",
        body="Your refund is on its way.",
    )
    db.add(saved)
    db.flush()
    return Scene(
        acme,
        db.get(User, owner.user_id),
        db.get(User, agent.user_id),
        author,
        complaint,
        globex,
        db.get(User, globex_rep.user_id),
        globex_complaint,
        saved,
    )


@pytest.fixture
def scene(db: Session) -> Scene:
    built = build(db)
    db.commit()  # so a refused request's rollback keeps the scene
    return built


def queue_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-complaint="(\d+)"', html)]


def queue_counts(html: str) -> dict[str, int]:
    found = re.findall(r'data-queue="(\w+)"[^>]*>[^<]*\(<span class="count">(\d+)</span>\)', html)
    return {name: int(n) for name, n in found}
