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
from app.models.company import Company
from app.models.complaint import (
    Category,
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

COMPANIES = [
    ("Northwind Telecom", "northwind-telecom.example", "Broadband, mobile and TV."),
    ("Brightline Energy", "brightline-energy.example", "Gas and electricity supplier."),
    ("Cobalt Bank", "cobaltbank.example", "Retail bank and credit cards."),
    ("Parcelfast", "parcelfast.example", "Parcel delivery."),
    ("Skyway Airlines", "skyway-air.example", "Short and long-haul flights."),
    ("Harbor Insurance", "harbor-insurance.example", "Home, car and travel insurance."),
    ("Quickcart", "quickcart.example", "Online groceries."),
    ("Meridian Mobile", "meridian-mobile.example", "Mobile network."),
    ("Lumen Streaming", "lumenstream.example", "Video streaming subscriptions."),
    ("Evergreen Water", "evergreen-water.example", "Water and sewerage."),
    ("Atlas Rail", "atlasrail.example", "Train operator."),
    ("Pinnacle Gym", "pinnaclegym.example", "Gym chain."),
    ("Foxglove Furniture", "foxglove-furniture.example", "Furniture retailer."),
    ("Redwood Realty", "redwood-lettings.example", "Letting agent."),
    ("Orbit Electronics", "orbit-electronics.example", "Electronics retailer."),
    ("Sunrise Hotels", "sunrise-hotels.example", "Hotel chain."),
    ("Keystone Credit", "keystone-credit.example", "Personal loans."),
    ("Tidewater Cable", "tidewater-cable.example", "Cable TV and internet."),
    ("Cedar Health", "cedarhealth.example", "Private health insurance."),
    ("Vista Car Rental", "vistacar.example", "Car rental."),
    ("Maple Post", "maplepost.example", "Postal service."),
    ("Nimbus Cloud Storage", "nimbus-storage.example", "Online storage."),
    ("Granite Home Repairs", "granite-repairs.example", "Home repairs and boilers."),
    ("Willow Pharmacy", "willowpharmacy.example", "Pharmacy chain."),
    ("Bluejay Broadband", "bluejay-broadband.example", "Cable and internet."),
]

SECTORS = {  # docs/industries.md
    "Northwind Telecom": "telecoms",
    "Brightline Energy": "energy",
    "Cobalt Bank": "banking",
    "Parcelfast": "delivery",
    "Skyway Airlines": "travel",
    "Harbor Insurance": "insurance",
    "Quickcart": "retail",
    "Meridian Mobile": "telecoms",
    "Lumen Streaming": "leisure",
    "Evergreen Water": "energy",
    "Atlas Rail": "travel",
    "Pinnacle Gym": "leisure",
    "Foxglove Furniture": "retail",
    "Redwood Realty": "housing",
    "Orbit Electronics": "retail",
    "Sunrise Hotels": "travel",
    "Keystone Credit": "banking",
    "Tidewater Cable": "telecoms",
    "Cedar Health": "insurance",
    "Vista Car Rental": "travel",
    "Maple Post": "delivery",
    "Nimbus Cloud Storage": "technology",
    "Granite Home Repairs": "housing",
    "Willow Pharmacy": "health",
    "Bluejay Broadband": "telecoms",
}

FIRST = [
    "Maria",
    "James",
    "Aisha",
    "Tomasz",
    "Wei",
    "Sofia",
    "Kwame",
    "Elena",
    "Ravi",
    "Chloe",
    "Diego",
    "Hannah",
    "Yusuf",
    "Ingrid",
    "Mateo",
    "Priya",
    "Oliver",
    "Fatima",
    "Lukas",
    "Mei",
]

PROBLEMS: dict[Category, list[tuple[str, str]]] = {
    Category.BILLING: [
        (
            "Charged twice for {month}",
            "My card was charged twice for the {month} bill. I have "
            "the bank statement showing both payments.",
        ),
        (
            "Bill tripled with no explanation",
            "My usual bill is about {amount} and this month it "
            "came to three times that. Nobody can tell me why.",
        ),
    ],
    Category.REFUND: [
        (
            "Refund promised {weeks} weeks ago never arrived",
            "I returned the item and was told the "
            "refund of {amount} would take 5 working days. It has been {weeks} weeks.",
        ),
        (
            "Cancelled order, still no refund",
            "I cancelled within the cooling-off period and got "
            "a confirmation email, but the {amount} has not come back.",
        ),
    ],
    Category.DELIVERY: [
        (
            "Parcel marked delivered but never arrived",
            "Tracking says it was left with a neighbour "
            "but nobody on my street has it. The driver photo shows a different door.",
        ),
        (
            "Missed delivery slot three times",
            "I took three days off work for a delivery window "
            "and nobody came. Each time I was given a new slot.",
        ),
    ],
    Category.OUTAGE: [
        (
            "No internet for {days} days",
            "The connection dropped on a Monday and has not come "
            "back. I work from home and have lost {days} days of work.",
        ),
        (
            "Repeated outages every evening",
            "Every evening between 7 and 10 the service drops. "
            "Engineers have visited twice and found nothing.",
        ),
    ],
    Category.QUALITY: [
        (
            "Replacement broke within a week",
            "The original broke, the replacement broke within a "
            "week, and now they say the warranty does not cover it.",
        ),
    ],
    Category.CANCELLATION: [
        (
            "Cannot cancel my contract",
            "The website says to call, the phone line says to use the "
            "website. I have tried to cancel since {month} and I am still being billed.",
        ),
        (
            "Charged after cancelling",
            "I cancelled in {month} and have a reference number, but "
            "they charged me {amount} again this month.",
        ),
    ],
    Category.SUPPORT: [
        (
            "Bounced between departments for weeks",
            "Every call I am transferred at least twice and "
            "asked for my account number each time. Nobody owns the problem.",
        ),
        (
            "Chat closes before anyone answers",
            "I wait in the chat queue for an hour and then it "
            "closes with 'we are experiencing high demand'.",
        ),
    ],
    Category.PRIVACY: [
        (
            "They sent my details to someone else",
            "A letter with my account details went to a "
            "different address. I want to know what else was shared.",
        ),
    ],
    Category.OTHER: [
        (
            "Loyalty points disappeared",
            "Years of points vanished after a system upgrade and "
            "support says there is no record of them.",
        ),
    ],
}

REPLIES = [
    "Hello, I'm sorry for the trouble. I've looked into your account and escalated this to the "
    "team that can fix it. I'll update you here within two working days.",
    "Thanks for raising this. Could you confirm the date you first contacted us? I can see some "
    "of the history but not all of it.",
    "I apologise — this should have been handled the first time you called. I'm taking ownership "
    "of it now.",
]
RESOLUTIONS = [
    (ResolutionType.MONETARY, "We have refunded the full amount and added a goodwill credit."),
    (
        ResolutionType.NON_MONETARY,
        "An engineer fixed the fault and we have confirmed it is stable.",
    ),
    (ResolutionType.EXPLANATION, "We've explained the charge: it was a one-off adjustment."),
]
OUTCOMES = [
    "A full refund.",
    "Fix the problem and credit the lost days.",
    "Cancel the contract with no fee.",
    "An apology and an explanation.",
    "",
]

# Target share of final states; the timing of each complaint then decides what is possible.
PLAN = (
    ["confirmed"] * 35
    + ["answered"] * 18
    + ["open"] * 14
    + ["resolved"] * 13
    + ["disputed"] * 8
    + ["withdrawn"] * 7
    + ["resolved_after_dispute"] * 5
)


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
