"""Mail and reminders (collected by app/tasks.py)."""

from app.jobs.queue import Handler
from app.notify import mail, reminders

TASKS: dict[str, Handler] = {mail.KIND: mail.send, reminders.KIND: reminders.remind}
