"""Redaction's job handlers (collected by app/tasks.py)."""

from app.jobs.queue import Handler
from app.redaction import jobs, rules

TASKS: dict[str, Handler] = {rules.REAPPLY: jobs.reapply}
