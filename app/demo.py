"""Realistic demo data: companies, consumers and 400 complaints with timelines over 18 months.

Built through the real services (with back-dated ``now``) so every timeline is one the platform
itself could have produced.
"""

import random
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from app import events
from app.accounts import service as accounts
from app.clock import utcnow
from app.companies import members
from app.companies import service as companies
from app.complaints import service as complaints
from app.demo_texts import COMPANIES, FIRST, OUTCOMES, PLAN, PROBLEMS, REPLIES, RESOLUTIONS, SECTORS
from app.models.company import Company
from app.models.complaint import (
    Channel,
    Complaint,
    ComplaintCreate,
    ContactAttemptIn,
    CoSign,
    ResolutionType,
)
from app.models.keys import pk
from app.models.membership import Claim, ClaimMethod, ClaimStatus, CompanyMember, Role
from app.models.user import User

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - documented demo accounts, development only

DEMO_COMPLAINTS = 1000
BIG = 13  # companies drawing most complaints
RECENT_SHARE = 0.6  # of complaints filed in the last 90 days


class DemoNotEmpty(Exception):
    """The database already has complaints; demo data only goes into an empty one."""


def load(
    *,
    session: Session,
    seed: int = 7,
    complaints_count: int = DEMO_COMPLAINTS,
    now: datetime | None = None,
) -> str:
    """Load the demo set without mailing, webhooking or broadcasting anything."""
    with events.muted():
        return _load(session=session, seed=seed, complaints_count=complaints_count, now=now)


def _load(
    *,
    session: Session,
    seed: int = 7,
    complaints_count: int = DEMO_COMPLAINTS,
    now: datetime | None = None,
) -> str:
    if session.exec(select(func.count()).select_from(Complaint)).one():
        raise DemoNotEmpty("The database already has complaints; demo data needs an empty one.")
    rng = random.Random(seed)
    now = now or utcnow()
    start = now - timedelta(days=548)
    recent = now - timedelta(days=90)
    hashed = accounts.hash_password(DEMO_PASSWORD)
    made = [
        companies.create(session=session, name=n, domain=d, description=desc)
        for n, d, desc in COMPANIES
    ]
    for company in made:
        company.sector = SECTORS[company.name]
    consumers = [
        accounts.create_user(
            session=session,
            email=f"consumer{i}@demo.example",
            password_hash=hashed,
            display_name=f"{FIRST[i % len(FIRST)]} {chr(65 + i % 26)}.",
        )
        for i in range(40)
    ]
    reps = [
        accounts.create_user(
            session=session,
            email=f"rep{i}@demo.example",
            password_hash=hashed,
            display_name=f"{FIRST[-1 - i]} {chr(90 - i)}.",
        )
        for i in range(10)
    ]
    # Thirteen big companies draw most complaints (enough that every window ranks at least ten
    # of them), the rest a few each.
    weights = [
        rng.uniform(1.0, 1.5) if i < BIG else rng.uniform(0.05, 0.3) for i in range(len(made))
    ]
    rng.shuffle(weights)
    # The ten busiest companies have claimed their profile, each answered by one named rep;
    # the others never answer (an unclaimed company cannot reply on Outcry).
    busiest = sorted(range(len(made)), key=lambda i: -weights[i])[: len(reps)]
    answerers = {
        made[i].id: _claim(session, made[i], rep, start)
        for i, rep in zip(busiest, reps, strict=True)
    }
    for n in range(complaints_count):
        company = rng.choices(made, weights)[0]
        author = rng.choice(consumers)
        # Growing use: over half of the complaints came in the last 90 days.
        since = recent if rng.random() < RECENT_SHARE else start
        filed = since + timedelta(seconds=rng.uniform(0, (now - since).total_seconds()))
        _one(
            session, rng, n, company.name, author, answerers.get(company.id), consumers, filed, now
        )
    session.flush()
    return (
        f"Loaded {len(made)} companies ({len(reps)} claimed), {len(consumers)} consumers and "
        f"{complaints_count} complaints. Log in as consumer0@demo.example (a consumer) or "
        f"rep0@demo.example (a company rep), password {DEMO_PASSWORD}."
    )


def _claim(session: Session, company: Company, rep: User, at: datetime) -> tuple[User, str]:
    """A verified (admin-approved) claim with the rep as owner, the company's domain confirmed by
    that approval; returns the rep and signature."""
    company.domain_confirmed_at = at
    session.add(company)
    session.add(
        Claim(
            company_id=pk(company),
            user_id=pk(rep),
            domain=company.domain or "",
            method=ClaimMethod.MANUAL,
            status=ClaimStatus.VERIFIED,
            token=secrets.token_hex(16),
            created_at=at,
            expires_at=at,
            verified_at=at,
            note="demo data",
        )
    )
    member = CompanyMember(
        company_id=pk(company),
        user_id=pk(rep),
        role=Role.OWNER,
        public_name=rep.display_name,
        job_title="Customer Relations Lead",
        created_at=at,
    )
    session.add(member)
    session.flush()
    return rep, members.signature(member)


def _one(
    session: Session,
    rng: random.Random,
    n: int,
    company_name: str,
    author: User,
    answerer: tuple[User, str] | None,
    consumers: list[User],
    filed: datetime,
    now: datetime,
) -> None:
    category = rng.choice(list(PROBLEMS))
    title, body = rng.choice(PROBLEMS[category])
    words = {
        "month": filed.strftime("%B"),
        "amount": f"£{rng.randint(20, 400)}",
        "weeks": rng.randint(3, 9),
        "days": rng.randint(3, 14),
    }
    tries = {ch: rng.randint(1, 6) for ch in rng.sample(list(Channel), rng.randint(0, 3))}
    data = ComplaintCreate(
        title=title.format(**words),
        body=body.format(**words) + "\n\nWhat I need: a person who owns this and an answer.",
        category=category,
        desired_outcome=rng.choice(OUTCOMES),
        company_name=company_name,
        private_reference=f"ACC-{rng.randint(10_000_000, 99_999_999)}",
        broadcast_opt_in=rng.random() < 0.6,
        contact_attempts=[ContactAttemptIn(channel=ch, count=c) for ch, c in tries.items()],
        contact_since=(filed - timedelta(days=rng.randint(3, 60))).date() if tries else None,
        submission_key=f"demo-{n}",
    )
    # bulk: random texts may repeat; no duplicate refusal or burst hold (app/complaints/gate.py)
    complaint = complaints.file(session=session, author=author, data=data, now=filed, bulk=True)
    # Co-signs written in one go (the rules of cosigns.cosign hold: a new open complaint, each
    # other consumer once): one by one they were half of the demo's loading time.
    others = [
        o for o in rng.sample(consumers, rng.choice([0, 0, 1, 2, 3, 5, 8, 13])) if o.id != author.id
    ]
    for other in others:
        session.add(
            CoSign(
                complaint_id=pk(complaint),
                user_id=pk(other),
                created_at=min(now, filed + timedelta(hours=rng.uniform(1, 400))),
            )
        )
    complaint.cosign_count = len(others)

    plan = rng.choice(PLAN)
    t = filed + timedelta(hours=rng.lognormvariate(4, 1.3))  # median ~2 days, long tail
    if answerer is None:
        plan = "withdrawn" if plan == "withdrawn" else "open"
    if plan == "open" or t >= now:
        return
    if plan == "withdrawn" and (answerer is None or rng.random() < 0.5):
        complaints.withdraw(
            session=session,
            complaint=complaint,
            user=author,
            body="Sorted it out another way.",
            now=t,
        )
        return
    if answerer is None:  # unreachable: unclaimed plans end above; kept for the type checker
        return
    rep, signature = answerer
    complaint.assignee_id = rep.id
    complaints.answer(
        session=session,
        complaint=complaint,
        rep=rep,
        body=rng.choice(REPLIES),
        now=t,
        signature=signature,
    )
    t += timedelta(hours=rng.lognormvariate(3.5, 1))
    if plan in ("answered", "open") or t >= now:
        return
    if plan == "withdrawn":
        complaints.withdraw(session=session, complaint=complaint, user=author, now=t)
        return
    complaints.follow_up(
        session=session,
        complaint=complaint,
        user=author,
        body="Thanks. It is still not fixed as of today.",
        now=t,
    )
    t += timedelta(days=rng.uniform(1, 20))
    if t >= now:
        return
    kind, note = rng.choice(RESOLUTIONS)
    complaints.resolve(
        session=session,
        complaint=complaint,
        rep=rep,
        resolution_type=kind,
        body=note,
        now=t,
        signature=signature,
    )
    t += timedelta(days=rng.uniform(0.2, 10))
    if plan == "resolved" or t >= now:
        return
    if plan == "confirmed":
        complaints.confirm(
            session=session, complaint=complaint, user=author, body="Confirmed, thank you.", now=t
        )
        return
    complaints.dispute(
        session=session,
        complaint=complaint,
        user=author,
        body="The refund was only partial; I am still out of pocket.",
        now=t,
    )
    t += timedelta(days=rng.uniform(1, 15))
    if plan == "resolved_after_dispute" and t < now:
        complaints.resolve(
            session=session,
            complaint=complaint,
            rep=rep,
            resolution_type=ResolutionType.MONETARY,
            body="We have refunded the remaining balance.",
            now=t,
            signature=signature,
        )
