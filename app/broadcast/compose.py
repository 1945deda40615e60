"""What a broadcast says: built only from public facts (title, company, days open, the link).

Never the consumer's name nor the private reference. The company is a ``Mention``: named as its
own account on a network only when its claim is verified, otherwise by its plain name.
"""

from datetime import date

from sqlmodel import Session, select

from app.broadcast.base import Link, Mention, Post, Thread
from app.clock import as_utc
from app.complaints.public import complaint_url
from app.config import get_settings
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.keys import pk
from app.models.membership import Claim, ClaimStatus

RESOLUTION = "resolution"
UNCONFIRMED = "resolution:unconfirmed"


def milestone(days: int) -> str:
    return f"milestone:{days}"


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def text_for(event: str, days: int, confirmed_on: date | None = None) -> str:
    """The post's template; ``{title}`` is the only part a network's limit may shorten.
    A resolution's ``days`` run from filing to the company's resolution; the consumer's
    confirmation is its own fact, with its own date."""
    if event == RESOLUTION:
        confirmed = f" on {confirmed_on:%Y-%m-%d}" if confirmed_on else ""
        return (
            f"{{mention}} resolved “{{title}}” in {_days(days)}; "
            f"the consumer confirmed the resolution{confirmed}. {{link}}"
        )
    if event == UNCONFIRMED:
        waited = get_settings().confirm_deadline_days
        return (
            f"{{mention}} says “{{title}}” is resolved, but the consumer has not confirmed it "
            f"after {_days(waited)} ({_days(days)} since it was filed). {{link}}"
        )
    return f"Still unresolved after {_days(days)}: a complaint against {{mention}}, “{{title}}” {{link}}"


def mention_for(session: Session, company: Company) -> Mention:
    """The company's accounts count only once it has proved it is the company (a verified claim):
    anyone could type a handle into an unclaimed profile; and only if it asked to be mentioned
    (an unasked automatic mention is spam by Bluesky's community guidelines)."""
    verified = session.exec(
        select(Claim.id).where(Claim.company_id == company.id, Claim.status == ClaimStatus.VERIFIED)
    ).first()
    accounts: dict[str, str] = {}
    if verified is not None and company.broadcast_mentions:  # a mention notifies: opt-in only
        if company.bluesky_handle:
            accounts["bluesky"] = company.bluesky_handle
        if company.mastodon_account:
            accounts["mastodon"] = company.mastodon_account
    return Mention(name=company.name, accounts=accounts)


def post_for(
    session: Session,
    *,
    complaint: Complaint,
    event: str,
    days: int,
    record_key: str,
    reply_to: Thread | None = None,
) -> Post:
    company = session.get(Company, complaint.company_id)
    if company is None:
        raise LookupError(f"complaint {complaint.id} has no company")
    url = complaint_url(pk(complaint))
    confirmed = as_utc(complaint.closed_at).date() if complaint.closed_at else None
    return Post(
        text=text_for(event, days, confirmed if event == RESOLUTION else None),
        record_key=record_key,
        title=complaint.title,
        link=Link(
            url=url, title=complaint.title, description=f"A complaint against {company.name}"
        ),
        mentions=(mention_for(session, company),),
        reply_to=reply_to,
    )
