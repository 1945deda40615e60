"""Notice-and-takedown's job handlers and periodic jobs (collected by app/tasks.py)."""

from datetime import timedelta

from app.jobs.periodic import Periodic
from app.jobs.queue import Handler
from app.takedown import jobs, notices

TASKS: dict[str, Handler] = {jobs.TICK: jobs.tick, notices.PROCESS: jobs.process}

PERIODIC = [
    # Deadlines: every step is owed "within 48 hours".
    Periodic(kind=jobs.TICK, every=timedelta(minutes=15)),
]
