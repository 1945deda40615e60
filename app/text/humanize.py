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


def category(value: object) -> str:
    """'service_outage' -> 'Service outage', as the filing form names it."""
    text = str(getattr(value, "value", value)).replace("_", " ")
    return text[:1].upper() + text[1:]


def days(value: float) -> str:
    """'4.7 days', '1 day': one way to say a number of days wherever a page says it."""
    rounded = round(float(value), 1)
    return f"{rounded:g} day{'' if rounded == 1 else 's'}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 complaint', '3 complaints'."""
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


def timestamp(value: datetime | None) -> str:
    return "" if value is None else f"{value.day} {value:%B %Y, %H:%M} UTC"
