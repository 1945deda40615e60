"""Webhook deliveries (collected by app/tasks.py)."""

from app.integrations import delivery, webhooks
from app.jobs.queue import Handler

TASKS: dict[str, Handler] = {webhooks.KIND: delivery.deliver}
