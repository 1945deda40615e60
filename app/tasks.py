"""Every job the worker runs: each domain declares its handlers (and periodic jobs) in its own
tasks.py; this is the one list of them. A job kind queued anywhere must appear here
(tests/core/test_registries.py checks)."""

from app.broadcast import tasks as broadcast
from app.claims import tasks as claims
from app.events import LISTENERS_JOB
from app.integrations import tasks as integrations
from app.jobs.periodic import Periodic
from app.jobs.queue import Handler
from app.listeners import run_later
from app.mailchannel import tasks as mailchannel
from app.notify import tasks as notify
from app.redaction import tasks as redaction
from app.stats import tasks as stats
from app.systemic import tasks as systemic
from app.takedown import tasks as takedown

_DOMAINS = (
    broadcast,
    claims,
    integrations,
    mailchannel,
    notify,
    redaction,
    stats,
    systemic,
    takedown,
)


def _collect() -> dict[str, Handler]:
    tasks: dict[str, Handler] = {LISTENERS_JOB: run_later}  # events.emit_later
    for domain in _DOMAINS:
        if clash := tasks.keys() & domain.TASKS.keys():
            raise RuntimeError(f"job kinds declared twice: {sorted(clash)}")
        tasks.update(domain.TASKS)
    return tasks


TASKS: dict[str, Handler] = _collect()

PERIODIC: list[Periodic] = [
    *claims.PERIODIC,
    *broadcast.PERIODIC,
    *takedown.PERIODIC,
    *stats.PERIODIC,
    *systemic.PERIODIC,
    *integrations.PERIODIC,
]
