"""The rep's place in the queue (which queue, search, filters, sort and page), read from an
address and carried from the queue into a complaint, through every form posted there, and back:
an action that succeeds or is refused brings the rep back to the same view, not the default one.
"""

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

from app.dashboard import service as dashboard
from app.models.complaint import Category

# The queue's own parameters; "page" is where the rep was in it (back to the queue only).
QUEUE_PARAMS = ("queue", "q", "category", "assignee", "cosigns", "older", "sort", "page")


def queue_query(query: Mapping[str, str]) -> str:
    """Only the queue's parameters, in a fixed order (anything else is dropped)."""
    return urlencode([(k, query[k]) for k in QUEUE_PARAMS if query.get(k)])


def carried(query: Mapping[str, str], form_value: str = "") -> str:
    """The view a posted form came from (its hidden ``from`` field), else the address's own."""
    if form_value:
        return queue_query(dict(parse_qsl(form_value)))
    return queue_query(query)


def without_page(kept: str) -> str:
    """ "Next complaint" walks the queue from its top in its order, so the page does not matter."""
    return urlencode([(k, v) for k, v in parse_qsl(kept) if k != "page"])


def queue_of(query: Mapping[str, str]) -> dashboard.Queue:
    wanted = query.get("queue", "")
    return (
        dashboard.Queue(wanted)
        if wanted in dashboard.Queue._value2member_map_
        else dashboard.Queue.OPEN
    )


def filters_of(query: Mapping[str, str]) -> dashboard.Filters:
    """The rep's search from the address; a value that means nothing is ignored."""
    category = query.get("category", "")
    assignee = query.get("assignee", "")
    sort = query.get("sort", "")

    def number(name: str, most: int) -> int:
        value = query.get(name, "")
        return min(int(value), most) if value.isdigit() and len(value) < 7 else 0

    return dashboard.Filters(
        q=query.get("q", "").strip()[:200],
        category=Category(category) if category in Category._value2member_map_ else None,
        assignee=int(assignee) if assignee.isdigit() and len(assignee) < 10 else None,
        min_cosigns=number("cosigns", 1_000_000),
        older_than_days=number("older", 3650),
        sort=dashboard.Sort(sort)
        if sort in dashboard.Sort._value2member_map_
        else dashboard.Sort.DUE,
    )
