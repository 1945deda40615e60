"""Build users, companies and complaints through the real services."""

import itertools
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.clock import utcnow
from app.complaints import service as complaints
from app.events import LISTENERS_JOB, emit, from_payload
from app.models.company import Company
from app.models.complaint import Category, Complaint, ComplaintCreate
from app.models.job import Job, JobState
from app.models.membership import Claim, ClaimMethod, ClaimStatus, CompanyMember, Role
from app.models.user import User

PASSWORD = "correct horse battery"
_HASH = accounts.hash_password(PASSWORD)  # hash once: argon2 is slow on purpose
_n = itertools.count(1)


def make_user(
    db: Session,
    *,
    email: str | None = None,
    name: str | None = None,
    is_admin: bool = False,
    verified: bool = True,
) -> User:
    """A user whose email address is verified (so their complaints publish), unless told."""
    n = next(_n)
    return accounts.create_user(
        session=db,
        email=email or f"user{n}@example.org",
        password_hash=_HASH,
        display_name=name or f"User {n}",
        is_admin=is_admin,
        verified=verified,
    )


def complaint_data(**overrides) -> ComplaintCreate:
    values = {
        "title": "Charged twice for March",
        "body": "My card was charged twice for the March bill and nobody will refund it.",
        "category": Category.BILLING,
        "company_name": "Northwind Telecom",
        "submission_key": f"k{next(_n)}",
        **overrides,
    }
    return ComplaintCreate(**values)


def make_complaint(
    db: Session, author: User | None = None, *, now: datetime | None = None, **overrides
) -> Complaint:
    overrides.setdefault("accept_new_company", True)
    complaint = complaints.file(
        session=db,
        author=author or make_user(db),
        data=complaint_data(**overrides),
        now=now,
        bulk=True,  # test data repeats one text from brand-new accounts: no duplicate/burst rules
    )
    run_queued_listeners(db)  # as if the worker had had its turn
    return complaint


def run_queued_listeners(db: Session) -> int:
    """Do the worker's part for the events queued in this transaction (``events.emit_later``):
    run their listeners here, in the test's transaction."""
    jobs = db.exec(
        select(Job).where(Job.kind == LISTENERS_JOB, Job.state == JobState.PENDING)
    ).all()
    for job in jobs:
        emit(session=db, event=from_payload(job.payload))
        job.state = JobState.DONE
        db.add(job)
    db.flush()
    return len(jobs)


def login(client, user: User, password: str = PASSWORD) -> None:
    from tests.support.forms import post_form

    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 303, response.text


def make_rep(
    db: Session,
    company: Company,
    *,
    user: User | None = None,
    role: Role = Role.AGENT,
    public_name: str | None = None,
    job_title: str = "",
) -> CompanyMember:
    """An active member of ``company``, with the company's claim verified (made here if missing)
    so that the membership grants access."""
    user = user or make_user(db)
    verified = db.exec(
        select(Claim).where(Claim.company_id == company.id, Claim.status == ClaimStatus.VERIFIED)
    ).first()
    if verified is None:
        db.add(
            Claim(
                company_id=company.id,
                user_id=user.id,
                domain=company.domain or "example.com",
                method=ClaimMethod.MANUAL,
                status=ClaimStatus.VERIFIED,
                token="test-claim",
                expires_at=utcnow() + timedelta(days=30),
                verified_at=utcnow(),
            )
        )
    member = CompanyMember(
        company_id=company.id,
        user_id=user.id,
        role=role,
        public_name=public_name or user.display_name,
        job_title=job_title,
    )
    db.add(member)
    db.flush()
    return member


def confirm_domain(db: Session, company: Company) -> Company:
    """As if an admin had confirmed the company's domain: claims proven on it are granted."""
    company.domain_confirmed_at = utcnow()
    db.add(company)
    db.flush()
    return company


def finish_sign_up(client, db: Session, email: str):
    """Use the link mailed at sign-up, as its reader would: it proves the address and signs in.
    Returns the response that signs in."""
    import re

    from tests.support.forms import post_form

    job = db.exec(
        select(Job)
        .where(Job.kind == "mail", col(Job.key).like("mail:verify-email:%"))
        .order_by(col(Job.id).desc())
    ).first()
    assert job is not None and job.payload["to"] == email.lower(), "no sign-up link was mailed"
    link = re.search(r"https?://[^/\s]+(/account/verify/\S+)", job.payload["text"]).group(1)
    page = client.get(link)
    action = re.search(r'action="(/account/verify/[^"]+)"', page.text).group(1)
    target = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
    return post_form(client, action, {"next": target}, page=link)
