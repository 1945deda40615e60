"""Flat two-part SVG badges ("Outcry | open 12 days"), drawn by hand: a few rects and two texts,
every text escaped, no script, no external reference."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from app.charts.data import Survival, duration_label
from app.clock import as_utc, utcnow
from app.complaints.flags import flags
from app.models.complaint import Complaint, ComplaintState

# Fewer complaints than this and a company's median says more about luck than about the company.
MIN_COMPLAINTS = 5
LABEL_COLOR = "#555"
COLORS = {
    "red": "#b3261e",
    "orange": "#b35c00",
    "blue": "#0b5394",
    "yellow": "#8a6d00",
    "green": "#1e6b35",
    "grey": "#6b6b6b",
}
_NARROW = set("fijlrtI.,:;!'|() ")
_WIDE = set("mwMW@%")


@dataclass(frozen=True)
class Badge:
    label: str
    message: str
    color: str  # a key of COLORS

    @property
    def text(self) -> str:
        return f"{self.label}: {self.message}"


def compact(delta: timedelta) -> str:
    """'less than an hour', '6 hours', '12 days' (whole units, rounded down)."""
    hours = max(delta.total_seconds(), 0) / 3600 + 1e-9  # 0.29166... days is 7 hours, not 6
    if hours < 1:
        return "less than an hour"
    if hours < 48:
        n = int(hours)
        return f"{n} hour{'s' if n != 1 else ''}"
    n = int(hours // 24)
    return f"{n} days"


def complaint_badge(complaint: Complaint, *, now: datetime | None = None) -> Badge:
    now = now or utcnow()
    created = as_utc(complaint.created_at)
    state = ComplaintState(complaint.state)
    if state in (ComplaintState.RESOLVED, ComplaintState.CONFIRMED) and complaint.resolved_at:
        took = compact(as_utc(complaint.resolved_at) - created)
        if state == ComplaintState.CONFIRMED:
            return Badge("Outcry", f"resolved in {took}", "green")
        return Badge("Outcry", f"resolved in {took}, unconfirmed", "yellow")
    if state == ComplaintState.WITHDRAWN:
        return Badge("Outcry", "withdrawn", "grey")
    open_for = compact(now - created)
    if state == ComplaintState.ANSWERED:
        return Badge("Outcry", f"answered, open {open_for}", "blue")
    if state == ComplaintState.DISPUTED:
        return Badge("Outcry", f"disputed, open {open_for}", "red")
    overdue = flags(complaint, now=now).overdue
    return Badge("Outcry", f"open {open_for}", "red" if overdue else "orange")


def company_badge(company_name: str, km: Survival) -> Badge:
    """The company's median time to a first response (Kaplan-Meier, open complaints censored)."""
    label = f"Outcry · {company_name[:40]}"
    if km.n < MIN_COMPLAINTS:
        return Badge(label, "not enough data", "grey")
    if km.median_days is None:  # fewer than half ever answered: there is no median to show
        return Badge(label, "most complaints unanswered", "red")
    median = duration_label(km.median_days)
    color = "green" if km.median_days <= 2 else "orange" if km.median_days <= 14 else "red"
    return Badge(label, f"answers in a median {median}", color)


def _width(text: str) -> int:
    """Rough Verdana 11px advance widths: good enough that text never overflows its box."""
    total = 0.0
    for ch in text:
        total += 3.6 if ch in _NARROW else 10.0 if ch in _WIDE else 8.0 if ch.isupper() else 6.8
    return int(total) + 12


def svg(badge: Badge) -> bytes:
    left, right = _width(badge.label), _width(badge.message)
    total = left + right
    title = escape(badge.text)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" '
        f'viewBox="0 0 {total} 20" role="img" aria-label={quoteattr(badge.text)}>'
        f"<title>{title}</title>"
        f'<rect width="{left}" height="20" fill="{LABEL_COLOR}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{COLORS[badge.color]}"/>'
        '<g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:g}" y="14">{escape(badge.label)}</text>'
        f'<text x="{left + right / 2:g}" y="14">{escape(badge.message)}</text>'
        "</g></svg>"
    ).encode()
