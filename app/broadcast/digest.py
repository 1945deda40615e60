"""The weekly digest post: the most and the least responsive company, on every network.

The weekly "broadcast.digest" job (app/broadcast/tasks.py) picks the two companies and queues one
"broadcast.digest.post" job per network under the key ``broadcast:digest:<ISO year-week>:<network>``,
which is also the post's record key: one digest per week per network, however often it runs.
It is not threaded and names no complaint: only company names, their on-time rates and the site's
link, never anything about a consumer. No Broadcast row is written (that table is per complaint).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.broadcast import breaker, budget, compose
from app.broadcast.base import BroadcastError, Link, Post
from app.broadcast.delivery import OpenSession, _failure, _paused, adapters
from app.clock import utcnow
from app.companies.stats import live
from app.config import get_settings
from app.jobs.periodic import EPOCH
from app.jobs.queue import Context, Outcome, enqueue
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.job import Job

KIND, POST_KIND = "broadcast.digest", "broadcast.digest.post"
EVERY = timedelta(weeks=1)
MIN_DUE = 5  # a rate over fewer complaints says more about luck than about the company
TEXT = (
    "Outcry weekly: answering complaints on time, the best was {mention} ({best}) "
    "and the worst {mention} ({worst}), among companies with at least {min_due} complaints due. "
    "{link}"
)


@dataclass(frozen=True)
class Pick:
    company_id: int
    answered_on_time: int
    due: int

    @property
    def rate(self) -> float:
        return self.answered_on_time / self.due


def week_of(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def key_for(week: str, network: str) -> str:
    return f"broadcast:digest:{week}:{network}"


def pick(*, session: Session, now: datetime | None = None) -> tuple[Pick, Pick] | None:
    """The most and the least responsive company, by the timely rate of app/stats/metrics.py
    (answered within the response deadline, over complaints answered or past it), among companies with at least
    MIN_DUE such complaints. Ties go to the company with more due complaints, then the lower id.
    None when fewer than two companies qualify or all of them have the same rate."""
    ids = session.exec(select(Complaint.company_id).distinct().order_by(col(Complaint.company_id)))
    picks = []
    for company_id in ids:
        numbers = live(session=session, company_id=company_id, now=now)
        if numbers.due >= MIN_DUE:
            picks.append(Pick(company_id, numbers.timely, numbers.due))
    if len(picks) < 2:
        return None
    best = min(picks, key=lambda p: (-p.rate, -p.due, p.company_id))
    worst = min(picks, key=lambda p: (p.rate, -p.due, p.company_id))
    return None if best.rate == worst.rate else (best, worst)


def queue(*, session: Session, now: datetime | None = None, week: str | None = None) -> list[Job]:
    """One digest job per configured network for ``week`` (default: the week of ``now``), unless
    already queued. Flushes, never commits."""
    now = now or utcnow()
    week = week or week_of(now)
    picked = pick(session=session, now=now)
    if picked is None:
        return []
    best, worst = picked
    payload = {
        "week": week,
        "best": [best.company_id, best.answered_on_time, best.due],
        "worst": [worst.company_id, worst.answered_on_time, worst.due],
    }
    return [
        enqueue(
            session=session,
            kind=POST_KIND,
            key=key_for(week, network),
            payload={**payload, "network": network},
        )
        for network in adapters()
    ]


CATCH_UP = (
    "Catching up: {count} complaints reached a milestone while our broadcaster was quiet. "
    "Rather than post each one late, here they all are, still waiting: {{link}}"
)


def queue_catch_up(*, session: Session, count: int, now: datetime | None = None) -> list[Job]:
    """One post per network summarising ``count`` milestones too old to post one by one
    (on first switch-on, or after a long pause). At most one a day per network."""
    now = now or utcnow()
    return [
        enqueue(
            session=session,
            kind=POST_KIND,
            key=f"broadcast:catch-up:{now:%Y-%m-%d}:{network}",
            payload={"network": network, "catch_up": count},
        )
        for network in adapters()
    ]


def _percent(answered_on_time: int, due: int) -> str:
    return f"{round(100 * answered_on_time / due)}% of {due} on time"


def post_for(session: Session, *, payload: dict, record_key: str) -> Post:
    """The digest as a network-neutral post; the companies are mentions so each network names
    them its own way (an account only for a verified claim, see compose.mention_for)."""
    if "catch_up" in payload:
        return Post(
            text=CATCH_UP.format(count=payload["catch_up"]),
            record_key=record_key,
            link=Link(
                url=f"{get_settings().base_url}/",
                title="Outcry",
                description="Complaints still waiting for an answer",
            ),
        )
    mentions = []
    for which in ("best", "worst"):
        company = session.get(Company, payload[which][0])
        if company is None:
            raise LookupError(f"company {payload[which][0]} is gone")
        mentions.append(compose.mention_for(session, company))
    url = f"{get_settings().base_url}/companies"
    text = TEXT.format(
        mention="{mention}",
        link="{link}",
        best=_percent(*payload["best"][1:]),
        worst=_percent(*payload["worst"][1:]),
        min_due=MIN_DUE,
    )
    return Post(
        text=text,
        record_key=record_key,
        link=Link(url=url, title="Outcry", description="How companies answer their complaints"),
        mentions=tuple(mentions),
    )


def period_start(period: int) -> datetime:
    """A weekly period's first moment: a Thursday (the epoch's weekday), so each period falls in
    exactly one ISO week."""
    return EPOCH + period * EVERY


async def digest_job(job: Job, context: Context) -> Outcome:
    week = week_of(period_start(int(job.payload["period"])))
    with Session(context.engine) as session:
        queued = queue(session=session, week=week)
        session.commit()
    return Outcome(ok=True, detail=f"queued {len(queued)} digest posts for {week}")


async def publish(job: Job, open_session: OpenSession) -> Outcome:
    """Publish one network's digest; the job key is the record key, so a retry never posts twice.
    The database is read before the network call, in a session closed before it."""
    adapter = adapters().get(job.payload["network"])
    if adapter is None:
        detail = f"network {job.payload['network']} is not configured"
        return Outcome(ok=False, permanent=True, detail=detail)
    with open_session() as session:
        try:
            post = post_for(session, payload=job.payload, record_key=job.key)
        except LookupError as error:
            return Outcome(ok=False, permanent=True, detail=str(error))
    now = utcnow()
    if paused := _paused(adapter, now):
        return paused
    if wait := budget.take(adapter, now=now, urgent=True):
        return Outcome(ok=False, weather=True, retry_after=wait, detail="posting budget spent")
    try:
        retried = job.attempts > 1 or job.last_error is not None
        ref = (await adapter.find(post) if retried else None) or await adapter.publish(post)
    except BroadcastError as error:
        return _failure(adapter, error, now)
    breaker.succeeded(adapter)
    return Outcome(ok=True, detail=f"posted {ref.id}", result=ref.as_dict())


async def post_job(job: Job, context: Context) -> Outcome:
    return await publish(job, lambda: Session(context.engine))
