"""Admin redaction rules: validated, audited, and re-applied to existing text by a worker job."""

import uuid
from datetime import datetime

import regex
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.errors import DomainError, NotFound
from app.jobs.queue import enqueue
from app.models.keys import pk
from app.models.redaction import RedactionRule
from app.models.user import User
from app.redaction import redactor

REAPPLY = "redaction.reapply"
CHECK_TIMEOUT = 0.05  # seconds a pattern may take on each adversarial probe below
# Inputs that make nested or overlapping repetition backtrack exponentially ("(a+)+$",
# "(\w|\d)*x", "(.*a){12}"): a pattern that is slow on any of them is refused.
_PROBES = [
    "a" * 3000 + "!",
    "1" * 3000 + "!",
    "aA1 " * 800 + "\x00",
    " " * 3000 + "x",
    "é" * 3000 + "!",
    "ab" * 1500,
    "a@" * 1500,
    "-" * 3000 + "1",
]


def _own_probes(pattern: str) -> list[str]:
    """Long runs of the pattern's own letters ("(x+x+)+y" is slow on "xxxx…"), each ending in a
    character it is unlikely to expect."""
    letters = sorted({ch for ch in pattern if ch.isalnum()})[:20]
    return [ch * 3000 + "\x00" for ch in letters]


class InvalidRule(DomainError):
    status_code = 422
    title = "Invalid redaction rule"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """The pattern compiled, or InvalidRule saying in plain words what is wrong with it."""
    pattern = pattern.strip()
    if not pattern:
        raise InvalidRule("pattern", "Please give a pattern.")
    if len(pattern) > 500:
        raise InvalidRule("pattern", "Please keep the pattern under 500 characters.")
    try:
        compiled = regex.compile(pattern, regex.VERSION1)
    except (regex.error, ValueError, OverflowError) as exc:
        raise InvalidRule("pattern", f"This is not a valid pattern: {exc}.") from exc
    try:
        if compiled.search("", timeout=CHECK_TIMEOUT) is not None:
            raise InvalidRule(
                "pattern", "This pattern matches empty text, so it would mask everywhere."
            )
        for probe in _PROBES + _own_probes(pattern):
            compiled.search(probe, timeout=CHECK_TIMEOUT)
    except TimeoutError as exc:
        raise InvalidRule(
            "pattern",
            "This pattern can take too long on some texts (nested repetition such as (a+)+ "
            "backtracks for ever). Please simplify it.",
        ) from exc
    return compiled


def validate(pattern: str, replacement: str, reason: str) -> tuple[str, str, str]:
    compiled = compile_pattern(pattern)
    replacement, reason = replacement.strip(), reason.strip()
    if not replacement or len(replacement) > 60:
        raise InvalidRule("replacement", "Please give a replacement of 1 to 60 characters.")
    # Redacting twice must change nothing: the replacement may not be masked again.
    if compiled.search(replacement, timeout=CHECK_TIMEOUT) or redactor.find(replacement):
        raise InvalidRule(
            "replacement", "The replacement would itself be masked; choose one like [staff name]."
        )
    if not reason or len(reason) > 500:
        raise InvalidRule("reason", "Please say why (up to 500 characters); it is audited.")
    return pattern.strip(), replacement, reason


def compiled_rules(*, session: Session) -> list[redactor.Rule]:
    rows = session.exec(select(RedactionRule).order_by(col(RedactionRule.id))).all()
    # regex keeps its own cache of compiled patterns, so this is cheap per request.
    return [
        redactor.Rule(pk(r), regex.compile(r.pattern, regex.VERSION1), r.replacement) for r in rows
    ]


def list_rules(*, session: Session) -> list[RedactionRule]:
    return list(session.exec(select(RedactionRule).order_by(col(RedactionRule.id))))


def get_or_404(*, session: Session, rule_id: int) -> RedactionRule:
    if (rule := session.get(RedactionRule, rule_id)) is None:
        raise NotFound("There is no redaction rule with that number.")
    return rule


def _reapply_later(session: Session) -> None:
    # A fresh key per change: a job already running may have passed the rows this change affects.
    enqueue(session=session, kind=REAPPLY, key=f"{REAPPLY}:{uuid.uuid4().hex}", payload={})


def _audit(session: Session, admin: User, action: str, rule: RedactionRule, reason: str) -> None:
    audit.record(
        session=session,
        actor=admin,
        action=f"redaction.rule.{action}",
        target_type="redaction_rule",
        target_id=pk(rule),
        detail=f"/{rule.pattern}/ -> {rule.replacement!r}; reason: {reason}",
    )


def create(
    *,
    session: Session,
    admin: User,
    pattern: str,
    replacement: str,
    reason: str,
    now: datetime | None = None,
) -> RedactionRule:
    pattern, replacement, reason = validate(pattern, replacement, reason)
    now = now or utcnow()
    rule = RedactionRule(
        pattern=pattern,
        replacement=replacement,
        reason=reason,
        created_by_id=admin.id,
        created_at=now,
        updated_at=now,
    )
    session.add(rule)
    session.flush()
    _audit(session, admin, "create", rule, reason)
    _reapply_later(session)
    return rule


def update(
    *,
    session: Session,
    admin: User,
    rule: RedactionRule,
    pattern: str,
    replacement: str,
    reason: str,
    now: datetime | None = None,
) -> RedactionRule:
    pattern, replacement, reason = validate(pattern, replacement, reason)
    rule.pattern, rule.replacement, rule.reason = pattern, replacement, reason
    rule.updated_at = now or utcnow()
    session.add(rule)
    session.flush()
    _audit(session, admin, "update", rule, reason)
    _reapply_later(session)
    return rule


def delete(*, session: Session, admin: User, rule: RedactionRule, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise InvalidRule("reason", "Please say why the rule goes; it is audited.")
    _audit(session, admin, "delete", rule, reason)
    session.delete(rule)
    session.flush()
    _reapply_later(session)  # text it masked is restored from the originals
