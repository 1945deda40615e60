"""The two lists of work are complete: every event has its listeners in app/listeners.py, and
every job kind the code queues has its handler in app/tasks.py."""

import ast
import importlib
from pathlib import Path

from app import events
from app.listeners import LISTENERS
from app.tasks import PERIODIC, TASKS

APP = Path(__file__).resolve().parents[2] / "app"
QUEUERS = {"enqueue", "ensure_queued"}


def _event_classes(base: type) -> set[type]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub} | _event_classes(sub)
    return found


def test_every_event_has_a_listener_entry() -> None:
    concrete = {
        kind for kind in _event_classes(events.Event) if kind is not events.ComplaintUpdated
    }
    assert concrete == set(events.EVENTS)
    assert set(LISTENERS) == set(events.EVENTS)
    assert all(LISTENERS[kind] for kind in events.EVENTS)  # none listener-free today


def _resolve(node: ast.expr, namespace: dict) -> object:
    """A constant, or a module-level name or attribute chain; None for anything local."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


# Queueing code whose kind is a variable: the periodic scheduler (PERIODIC is checked below)
# and helpers passing their caller's kind on.
VARIABLE_KINDS = {"app/jobs/periodic.py", "app/events.py"}


def _queued_kinds() -> tuple[dict[str, str], set[str]]:
    """Each ``kind=`` given to enqueue/ensure_queued in app/, resolved in its module."""
    kinds: dict[str, str] = {}
    unresolved: set[str] = set()
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text())
        calls = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in QUEUERS
        ]
        if not calls:
            continue
        where = path.relative_to(APP.parent)
        module = importlib.import_module(".".join(where.with_suffix("").parts))
        for call in calls:
            for keyword in call.keywords:
                if keyword.arg != "kind":
                    continue
                value = _resolve(keyword.value, vars(module))
                if isinstance(value, str):
                    kinds[value] = f"{where}:{call.lineno}"
                else:
                    unresolved.add(str(where))
    return kinds, unresolved


def test_every_queued_job_kind_has_a_handler() -> None:
    kinds, unresolved = _queued_kinds()
    assert unresolved <= VARIABLE_KINDS
    assert len(kinds) >= 10  # the scan found the queueing code
    missing = {kind: where for kind, where in kinds.items() if kind not in TASKS}
    assert missing == {}
    assert {p.kind for p in PERIODIC} <= set(TASKS)
