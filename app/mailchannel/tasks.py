"""The email channel's jobs (collected by app/tasks.py): sending on a thread, reading what came in."""

from app.jobs.queue import Handler
from app.mailchannel import outbound, process, send, store

TASKS: dict[str, Handler] = {outbound.SEND_JOB: send.deliver, store.PROCESS_JOB: process.run}
