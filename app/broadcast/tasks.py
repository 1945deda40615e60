"""The broadcaster's job handlers and periodic jobs (collected by app/tasks.py)."""

from datetime import timedelta

from app.broadcast import delivery, digest, refresh, schedule
from app.jobs.periodic import Periodic
from app.jobs.queue import Handler

TASKS: dict[str, Handler] = {
    delivery.KIND: delivery.publish,
    delivery.DELETE_KIND: delivery.delete,
    digest.KIND: digest.digest_job,
    digest.POST_KIND: digest.post_job,
    refresh.KIND: refresh.refresh,
    schedule.MILESTONE_KIND: schedule.milestone_job,
    schedule.SCAN_KIND: schedule.scan_job,
}

PERIODIC = [
    # Milestones are jobs at their exact time; this scan only catches up what they missed
    # (complaints from before the broadcaster was switched on).
    Periodic(kind=schedule.SCAN_KIND, every=timedelta(days=1)),
    # The weekly digest post; periods start on Thursdays (the epoch's weekday), so each one
    # falls in exactly one ISO week.
    Periodic(kind=digest.KIND, every=timedelta(weeks=1)),
]
