"""Human-readable times for templates and posts."""

from datetime import date, datetime, timedelta

from app.clock import utcnow


def duration(delta: timedelta) -> str:
    """'12 days 4 hours', '3 hours 5 minutes', 'less than a minute'."""
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    units = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in units if n]
    return " ".join(parts[:2]) or "less than a minute"


def since(moment: datetime, now: datetime | None = None) -> str:
    return duration((now or utcnow()) - moment)


def day(value: date | datetime | None) -> str:
    """'3 March 2026'."""
    return "" if value is None else f"{value.day} {value:%B %Y}"


def timestamp(value: datetime | None) -> str:
    return "" if value is None else f"{value.day} {value:%B %Y, %H:%M} UTC"
