"""Webhook deliveries and the integration's daily housekeeping (collected by app/tasks.py)."""

from datetime import timedelta

from app.integrations import delivery, jobs, webhooks
from app.jobs.periodic import Periodic
from app.jobs.queue import Handler

TASKS: dict[str, Handler] = {
    webhooks.KIND: delivery.deliver,
    jobs.HOUSEKEEPING: jobs.housekeeping,
}

# Forget API Idempotency-Keys past their day.
PERIODIC = [Periodic(kind=jobs.HOUSEKEEPING, every=timedelta(days=1))]
