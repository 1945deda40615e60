"""What every entry point (the web app, the CLI, the test suite) calls once before doing work:
events to their listeners, job kinds to their handlers, and the flush hooks (invariants only)."""

from app import events, listeners, tasks
from app.accounts import session_cache
from app.companies import listed, not_reps, team_stamp
from app.complaints import touch
from app.jobs import periodic, worker

_wired = False


def wire() -> None:
    global _wired
    if _wired:
        return
    events.install(listeners.LISTENERS)
    worker.install(tasks.TASKS)
    periodic.install(tasks.PERIODIC)
    touch.install()  # Complaint.updated_at moves with anything its page shows
    session_cache.install()  # a login memo forgets a user when their rows change
    not_reps.install()  # the memo of consumers forgets when a membership or claim changes
    listed.install()  # Company.listed moves with the complaints that decide it
    team_stamp.install()  # Company.team_changed_at moves with its reps and their settings
    _wired = True
