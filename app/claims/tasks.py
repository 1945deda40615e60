"""Company claims' job handlers and periodic jobs (collected by app/tasks.py)."""

from datetime import timedelta

from app.claims import jobs
from app.jobs.periodic import Periodic
from app.jobs.queue import Handler

TASKS: dict[str, Handler] = {jobs.REVERIFY: jobs.reverify}

PERIODIC = [
    # Re-check verified company claims; which ones are due is decided by the handler.
    Periodic(kind=jobs.REVERIFY, every=timedelta(days=1)),
]
