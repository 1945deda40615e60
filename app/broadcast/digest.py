"""The weekly digest post: the most and the least responsive company, on every network.

The weekly "broadcast.digest" job (app/broadcast/tasks.py) picks the two companies and queues one
"broadcast.digest.post" job per network under the key ``broadcast:digest:<ISO year-week>:<network>``,
which is also the post's record key: one digest per week per network, however often it runs.
It is not threaded and names no complaint: only company names, their on-time rates and the site's
link, never anything about a consumer. Each job has a BroadcastSummary row (its text, where it
went), which /broadcasts lists beside the complaints' posts; catch-up posts are the same.
"""

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.broadcast import budget, compose
from app.broadcast.base import BroadcastError, Link, Post, RemoteRef
from app.broadcast.delivery import (
    OpenSession,
    _failure,
    _paused,
    _succeeded,
    adapters,
    after_effect,
)
from app.clock import utcnow
from app.companies.stats import live
from app.config import get_settings
from app.db import for_reading, retry_busy
from app.jobs.periodic import EPOCH
from app.jobs.queue import Context, Outcome, enqueue
from app.models.broadcast import BroadcastStatus, BroadcastSummary
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
    return queue_picked(
        session=session,
        picked=pick(session=session, now=now),
        week=week_of(now) if week is None else week,
    )


def queue_picked(*, session: Session, picked: tuple[Pick, Pick] | None, week: str) -> list[Job]:
    """``queue`` with the companies already picked (in a read snapshot: the worker's job keeps
    that reading, every company's numbers, out of its write transaction)."""
    if picked is None:
        return []
    best, worst = picked
    payload = {
        "week": week,
        "best": [best.company_id, best.answered_on_time, best.due],
        "worst": [worst.company_id, worst.answered_on_time, worst.due],
    }
    return [
        _queue_one(session, key=key_for(week, network), payload={**payload, "network": network})
        for network in adapters()
    ]


def _queue_one(session: Session, *, key: str, payload: dict) -> Job:
    """The job and its row for /broadcasts, with the text the network will get."""
    job = enqueue(session=session, kind=POST_KIND, key=key, payload=payload)
    if session.exec(select(BroadcastSummary.id).where(BroadcastSummary.key == key)).first():
        return job
    post = post_for(session, payload=payload, record_key=key)
    adapter = adapters().get(payload["network"])
    try:
        text = adapter.format(post).text if adapter else ""
    except BroadcastError:
        text = ""
    session.add(
        BroadcastSummary(
            key=key,
            network=payload["network"],
            kind="catch-up" if "catch_up" in payload else "digest",
            text=text,
            link=post.link.url if post.link else "",
        )
    )
    session.flush()
    return job


CATCH_UP = (
    "Catching up: {count} complaints reached a milestone while our broadcaster was quiet. "
    "Rather than post each one late, here they all are, still waiting: {{link}}"
)


def queue_catch_up(*, session: Session, count: int, now: datetime | None = None) -> list[Job]:
    """One post per network summarising ``count`` milestones too old to post one by one
    (on first switch-on, or after a long pause). At most one a day per network."""
    now = now or utcnow()
    return [
        _queue_one(
            session,
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


def queue_week(engine: Engine, week: str) -> int:
    """The digest job's work: the companies picked in a read snapshot, then their posts queued
    in a short write transaction of their own. Returns the posts queued."""
    with Session(for_reading(engine)) as session:
        picked = pick(session=session)

    def write() -> int:
        with Session(engine) as session:
            queued = queue_picked(session=session, picked=picked, week=week)
            session.commit()
            return len(queued)

    return retry_busy(write, within=60, what=KIND)


async def digest_job(job: Job, context: Context) -> Outcome:
    week = week_of(period_start(int(job.payload["period"])))
    queued = await asyncio.to_thread(queue_week, context.engine, week)
    return Outcome(ok=True, detail=f"queued {queued} digest posts for {week}")


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
        if paused := _paused(session, adapter, now):
            return paused
        if wait := budget.take(session, adapter.name, now=now, urgent=True, key=job.key):
            return Outcome(ok=False, weather=True, retry_after=wait, detail="posting budget spent")
    try:
        retried = job.attempts > 1 or job.last_error is not None
        ref = (await adapter.find(post) if retried else None) or await adapter.publish(post)
        text = adapter.format(post).text
    except BroadcastError as error:
        with open_session() as session:
            budget.refund(session, adapter.name, key=job.key)
        outcome = _failure(open_session, adapter, error, now)
        if outcome.permanent or (not outcome.weather and job.attempts >= job.max_attempts):
            _record(open_session, job, status=BroadcastStatus.FAILED)
        return outcome

    def record() -> None:
        _succeeded(open_session, adapter, now)
        _record(open_session, job, status=BroadcastStatus.POSTED, ref=ref, text=text, now=now)

    await after_effect(record, what=f"recording post {job.key}")
    return Outcome(ok=True, detail=f"posted {ref.id}", result=ref.as_dict())


def _record(
    open_session: OpenSession,
    job: Job,
    *,
    status: BroadcastStatus,
    ref: RemoteRef | None = None,
    text: str | None = None,
    now: datetime | None = None,
) -> None:
    """What became of the post, for /broadcasts (the row is made here if its job predates it)."""
    with open_session() as session:
        row = session.exec(select(BroadcastSummary).where(BroadcastSummary.key == job.key)).first()
        if row is None:
            row = BroadcastSummary(
                key=job.key,
                network=job.payload["network"],
                kind="catch-up" if "catch_up" in job.payload else "digest",
            )
        row.status = status
        if text is not None:
            row.text = text
        if ref is not None:
            row.remote_id, row.remote_url, row.posted_at = ref.id, ref.url, now
        session.add(row)
        session.commit()


async def post_job(job: Job, context: Context) -> Outcome:
    return await publish(job, lambda: Session(context.engine))
