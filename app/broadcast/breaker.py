"""One circuit breaker per network, shared by every worker: an outage pauses that network's
deliveries, it fails nothing.

A network that times out, answers 5xx or asks us to wait (429) is "open" until a pause has run:
its jobs are put back without contacting it and without spending an attempt, so an outage of any
length costs no job its life. When the pause has run, ONE job (whichever worker claims it first)
is let through as the probe, the others keep waiting while it runs; a success closes the
breaker, another failure doubles the pause (up to ``broadcast_pause_max_seconds``). Other
networks' jobs are never held: each network has its own breaker.

The state is a row per network (``broadcast_network``), so every worker process learns of an
outage from the first failure any of them met, and a restarted worker does not hammer a network
that is still down. Each function commits the session it is given when it writes.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from app.broadcast import alerts
from app.clock import as_utc, utcnow
from app.config import get_settings
from app.models.broadcast import BroadcastNetwork

CLOSED, OPEN, PROBING = "closed", "open", "probing"
# A single failure whose probe then succeeds is a blip: the admins are mailed once a probe has
# failed too (the network is really down), never per attempt.
ALERT_AFTER_FAILURES = 2


def probe_seconds() -> float:
    """The probe's turn: other workers wait this long for its answer (a login, a read-back and
    a post, each within the request timeout) before another one is let through."""
    return 3 * get_settings().broadcast_timeout_seconds + 1


def locked(session: Session, network: str) -> BroadcastNetwork:
    """The network's row, created if new and locked until the session commits (PostgreSQL: a row
    lock; SQLite: writers already hold the database's one write lock)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(BroadcastNetwork)
        .values(network=network, state=CLOSED, failures=0, cause="")
        .on_conflict_do_nothing(index_elements=["network"])
    )
    row = session.exec(
        select(BroadcastNetwork)
        .where(BroadcastNetwork.network == network)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return row


def _read(session: Session, network: str) -> BroadcastNetwork | None:
    return session.exec(
        select(BroadcastNetwork)
        .where(BroadcastNetwork.network == network)
        .execution_options(populate_existing=True)
    ).first()


def paused_for(session: Session, network: str, *, now: datetime | None = None) -> float | None:
    """Seconds until ``network`` may be tried again, or None when this caller may try it now
    (the breaker is closed, or its pause has run and this caller is the probe)."""
    now = now or utcnow()
    row = _read(session, network)
    if row is None or row.state == CLOSED:
        return None
    if row.open_until is not None and as_utc(row.open_until) > now:
        return (as_utc(row.open_until) - now).total_seconds()
    row = locked(session, network)  # the pause has run: be the probe, unless another worker is
    if row.state != CLOSED and row.open_until is not None and as_utc(row.open_until) > now:
        wait = (as_utc(row.open_until) - now).total_seconds()
        session.commit()
        return wait
    if row.state != CLOSED:
        row.state, row.open_until = PROBING, now + timedelta(seconds=probe_seconds())
        session.add(row)
    session.commit()
    return None


def failed(
    session: Session,
    network: str,
    *,
    wait: float | None = None,
    cause: str = "",
    now: datetime | None = None,
) -> float:
    """The network failed (or asked for ``wait`` seconds): pause it; returns the pause."""
    now = now or utcnow()
    settings = get_settings()
    row = locked(session, network)
    row.failures += 1
    row.down_since = row.down_since or now
    doubling = settings.broadcast_pause_seconds * 2 ** min(row.failures - 1, 30)
    pause = min(settings.broadcast_pause_max_seconds, doubling)
    if wait is not None:
        pause = max(wait, 0.0)  # the network said how long: no more, no less
    row.state, row.open_until, row.cause = OPEN, now + timedelta(seconds=pause), cause[:300]
    if row.failures >= ALERT_AFTER_FAILURES and row.alerted_at is None:
        since = as_utc(row.down_since)
        alerts.network_down(session=session, network=network, since=since, cause=cause)
        row.alerted_at = now
    session.add(row)
    session.commit()
    return pause


def succeeded(session: Session, network: str, *, now: datetime | None = None) -> None:
    """The network answered: close its breaker (and tell the admins it is back, if they were told
    it was down). Writes nothing when it was closed already."""
    row = _read(session, network)
    if row is None or (row.state == CLOSED and row.failures == 0):
        return
    row = locked(session, network)
    if row.alerted_at is not None and row.down_since is not None:
        alerts.network_up(
            session=session, network=network, since=as_utc(row.down_since), now=now or utcnow()
        )
    row.state, row.failures, row.down_since, row.open_until = CLOSED, 0, None, None
    row.cause, row.alerted_at = "", None
    session.add(row)
    session.commit()


def down_since(session: Session, network: str) -> datetime | None:
    row = _read(session, network)
    return as_utc(row.down_since) if row is not None and row.down_since else None


def paused(session: Session) -> list[BroadcastNetwork]:
    """The networks whose breaker is open (or probing) now, for /admin/jobs."""
    return list(
        session.exec(
            select(BroadcastNetwork)
            .where(BroadcastNetwork.state != CLOSED)
            .order_by(BroadcastNetwork.network)
        )
    )


def spread(seconds: float) -> float:
    """When a paused job comes back: after the pause, jobs spread over a quarter of it so the
    probe goes first and the backlog does not arrive in one burst."""
    return seconds + random.uniform(0, max(seconds, 1.0) / 4)  # noqa: S311 - not security
