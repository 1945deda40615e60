"""Systemic issues' job handlers and periodic jobs (collected by app/tasks.py)."""

from app.jobs.periodic import Periodic
from app.jobs.queue import Handler
from app.systemic import jobs

TASKS: dict[str, Handler] = {jobs.KIND: jobs.regroup, jobs.SCAN_KIND: jobs.scan}

PERIODIC = [
    # Regroup systemic issues of companies whose complaints changed.
    Periodic(kind=jobs.SCAN_KIND, every=jobs.SCAN_EVERY),
]
