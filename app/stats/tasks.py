"""Statistics' job handlers and periodic jobs (collected by app/tasks.py)."""

from datetime import timedelta

from app.jobs.periodic import Periodic
from app.jobs.queue import Handler
from app.stats import jobs

TASKS: dict[str, Handler] = {
    jobs.REFRESH: jobs.refresh_job,
    jobs.REFRESH_ALL: jobs.refresh_all_job,
    jobs.SNAPSHOT: jobs.snapshot_job,
}

PERIODIC = [
    # Recompute the companies marked dirty by changes every minute, every company daily
    # (windows slide), and freeze last month's leaderboard once it is over (the handler skips a
    # taken month).
    Periodic(kind=jobs.REFRESH, every=timedelta(minutes=1)),
    Periodic(kind=jobs.REFRESH_ALL, every=timedelta(days=1)),
    Periodic(kind=jobs.SNAPSHOT, every=timedelta(days=1)),
]
