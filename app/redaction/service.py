"""Where public text is written: mask it, and keep what was typed privately.

Complaint.title/body/desired_outcome and Message.body hold the redacted (public) text; the
``original_*`` columns hold what was typed, only when masking changed it. Like every service,
these flush but never commit.
"""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app import audit
from app.broadcast import refresh as broadcast_refresh
from app.errors import Conflict
from app.models.complaint import Complaint, Message
from app.models.keys import pk
from app.models.membership import CompanyMember
from app.models.moderation import ModerationEdit
from app.models.redaction import RedactionCorrection
from app.models.user import User
from app.redaction import redactor, rules

FIELDS = ("title", "body", "desired_outcome")
_PREVIEWED = "outcry_redaction_preview"  # session.info: the filing preview's work, for reuse
TITLE_MAX = 140  # Complaint.title's column width; masks may be longer than what they hide


def can_see_originals(user: User | None, complaint: Complaint) -> bool:
    """The author and moderators (admins, and User.is_moderator where the moderation feature
    defines it) may read the complaint's own text as typed."""
    if user is None:
        return False
    return user.id == complaint.author_id or _moderates(user)


def _moderates(user: User) -> bool:
    return user.is_admin or bool(getattr(user, "is_moderator", False))


def originals(
    *, session: Session, user: User | None, complaint: Complaint
) -> tuple[bool, list[Message]] | None:
    """What ``user`` may read as typed: (the complaint's fields?, messages), or None for nothing.
    What was typed belongs to whoever typed it: the author reads the complaint and their own
    messages, a rep their own replies, moderators everything; nobody reads another's."""
    if user is None:
        return None
    query = select(Message).where(Message.complaint_id == complaint.id)
    if not _moderates(user):
        query = query.where(Message.author_id == user.id)
    typed = list(session.exec(query.order_by(col(Message.created_at), col(Message.id))))
    if not can_see_originals(user, complaint) and not typed:
        return None
    return can_see_originals(user, complaint), [m for m in typed if m.original_body is not None]


def identity(
    author: User | None, *, reference: str | None = None, public_names: tuple[str, ...] = ()
) -> redactor.Identity:
    """The consumer's email is masked; their display name is not (the complaint shows it, so
    masking it hid nothing and garbled replies: "Hello [name],"), nor the reps' signing names,
    though a fuller name around it still is ("Margaret" before a public "Okafor"). The
    complaint's private reference is masked whoever writes it."""
    if author is None:
        return redactor.Identity(reference=reference or "", public_names=public_names)
    return redactor.Identity(
        author.display_name,
        author.email,
        reference=reference or "",
        public_names=(author.display_name, *public_names),
    )


def _rep_names(session: Session, company_id: int | None) -> tuple[str, ...]:
    if company_id is None:
        return ()
    return tuple(
        session.exec(
            select(CompanyMember.public_name).where(CompanyMember.company_id == company_id)
        ).all()
    )


@dataclass(frozen=True)
class Context:
    """Everything one complaint's text is redacted with, loaded once."""

    identity: redactor.Identity
    rules: list[redactor.Rule]
    extra: list[str]
    keep: list[str]

    def redact(self, text: str) -> redactor.Redacted:
        return redactor.redact(
            text, identity=self.identity, rules=self.rules, extra=self.extra, keep=self.keep
        )


def context(
    *,
    session: Session,
    author: User | None,
    complaint: Complaint | None = None,
    reference: str | None = None,
) -> Context:
    """What one complaint's text is masked with; ``reference`` for a complaint not yet filed."""
    extra: list[str] = []
    keep: list[str] = []
    complaint_id = complaint.id if complaint is not None else None
    if complaint is not None:
        reference = complaint.private_reference
    if complaint_id is not None:
        for c in session.exec(
            select(RedactionCorrection).where(RedactionCorrection.complaint_id == complaint_id)
        ):
            (keep if c.keep else extra).append(c.phrase)
    who = identity(
        author,
        reference=reference,
        public_names=_rep_names(session, complaint.company_id if complaint else None),
    )
    return Context(who, rules.compiled_rules(session=session), extra, keep)


def preview(
    *, session: Session, author: User, values: dict[str, str]
) -> dict[str, tuple[str, redactor.Redacted]]:
    """{field: (typed text, its redaction)} for the filing preview."""
    ctx = context(session=session, author=author, reference=values.get("private_reference"))
    fields = {f: (values.get(f, ""), ctx.redact(values.get(f, ""))) for f in FIELDS}
    # The filing that follows in this request masks the same text: it reuses this work.
    session.info[_PREVIEWED] = (author.id, ctx, fields)
    return fields


def _fit_title(text: str) -> str:
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1].rstrip() + "…"


def _apply_complaint(
    ctx: Context,
    complaint: Complaint,
    sources: dict[str, str],
    known: dict[str, tuple[str, redactor.Redacted]] | None = None,
) -> int:
    """Set the public fields from ``sources`` (the typed text), the originals where masked.
    ``known``: redactions already computed with ``ctx`` ({field: (text, its redaction)})."""
    masked = 0
    for field in FIELDS:
        source = sources[field]
        typed, result = (known or {}).get(field, (None, None))
        if typed != source or result is None:
            result = ctx.redact(source)
        public = _fit_title(result.text) if field == "title" else result.text
        setattr(complaint, field, public)
        setattr(complaint, f"original_{field}", source if public != source else None)
        masked += len(result.spans)
    return masked


def redact_complaint(*, session: Session, complaint: Complaint, author: User) -> int:
    """Mask a complaint's public text before it is first stored; returns how many masks."""
    sources = {f: getattr(complaint, f) or "" for f in FIELDS}
    previewed = session.info.pop(_PREVIEWED, None)
    if previewed is not None and complaint.id is None and previewed[0] == author.id:
        # Shown by the preview step of this request, with the same rules and author (a new
        # complaint has no corrections yet): only text that differs is masked again.
        return _apply_complaint(previewed[1], complaint, sources, previewed[2])
    ctx = context(session=session, author=author, complaint=complaint)
    return _apply_complaint(ctx, complaint, sources)


def redact_message(*, session: Session, message: Message, complaint: Complaint) -> int:
    """Mask a message (consumer's or company's) with the complaint author's name and email."""
    author = session.get(User, complaint.author_id)
    ctx = context(session=session, author=author, complaint=complaint)
    return _apply_message(ctx, message, message.body)


def _apply_message(ctx: Context, message: Message, source: str) -> int:
    result = ctx.redact(source)
    message.body = result.text
    message.original_body = source if result.text != source else None
    return len(result.spans)


def _hand_edited(session: Session, complaint_id: int) -> set[tuple[int | None, str]]:
    """(message id or None, field) a moderator rewrote (app/moderation/edits.py): re-redaction
    works on their public text then, never from the original, so their edit survives."""
    rows = session.exec(
        select(ModerationEdit.message_id, ModerationEdit.field).where(
            ModerationEdit.complaint_id == complaint_id
        )
    ).all()
    return {(message_id, field) for message_id, field in rows}


def rerun(*, session: Session, complaint: Complaint) -> int:
    """Redact a complaint and its messages again from what was typed (after a rule or a
    correction changed): masks that no longer apply come back as typed. Returns rows changed."""
    author = session.get(User, complaint.author_id)
    ctx = context(session=session, author=author, complaint=complaint)
    edited = _hand_edited(session, pk(complaint))
    changed = 0
    before = {f: getattr(complaint, f) for f in FIELDS}
    sources = {}
    for field in FIELDS:
        original = getattr(complaint, f"original_{field}")
        typed = original if original is not None and (None, field) not in edited else None
        sources[field] = typed if typed is not None else before[field]
    kept = {f: getattr(complaint, f"original_{f}") for f in FIELDS}
    _apply_complaint(ctx, complaint, sources)
    for field in FIELDS:
        if (None, field) in edited and kept[field] is not None:
            setattr(complaint, f"original_{field}", kept[field])  # the author's text stays
    if any(getattr(complaint, f) != before[f] for f in FIELDS):
        session.add(complaint)
        changed += 1
    for message in session.exec(
        select(Message).where(Message.complaint_id == complaint.id, col(Message.private).is_(False))
    ):
        old_body, old_original = message.body, message.original_body
        typed = old_original if (message.id, "body") not in edited else None
        _apply_message(ctx, message, typed if typed is not None else old_body)
        if typed is None and old_original is not None:
            message.original_body = old_original
        if message.body != old_body:
            session.add(message)
            changed += 1
    session.flush()
    return changed


def reapply(*, session: Session, after_id: int = 0, limit: int = 100) -> tuple[int, int, int]:
    """Re-redact complaints with id > ``after_id`` (at most ``limit``); returns (complaints seen,
    rows changed, last id). The worker job calls this batch after batch."""
    batch = session.exec(
        select(Complaint)
        .where(col(Complaint.id) > after_id)
        .order_by(col(Complaint.id))
        .limit(limit)
    ).all()
    changed = 0
    for complaint in batch:
        posted_title = complaint.title  # the only part of the complaint its social posts quote
        changed += rerun(session=session, complaint=complaint)
        if complaint.title != posted_title:  # its live posts must say what the page says
            broadcast_refresh.refresh_posts(session=session, complaint=complaint)
    return len(batch), changed, pk(batch[-1]) if batch else after_id


def redact_again(
    *,
    session: Session,
    complaint: Complaint,
    actor: User,
    reason: str,
    mask: list[str] | tuple[str, ...] = (),
    keep: list[str] | tuple[str, ...] = (),
) -> int:
    """A moderator's correction ("edit redactions"): mask phrases the finders missed, or keep
    phrases they masked wrongly, in this complaint and its messages; re-redacts at once and is
    audited. Returns rows changed."""
    reason = reason.strip()
    phrases = [(p.strip(), False) for p in mask] + [(p.strip(), True) for p in keep]
    phrases = [(p, k) for p, k in phrases if p]
    if not reason:
        raise Conflict("Please give a reason; it is audited.")
    if not phrases or any(len(p) < 3 or len(p) > 200 for p, _ in phrases):
        raise Conflict("Give phrases of 3 to 200 characters to mask or to keep.")
    for phrase, is_keep in phrases:
        session.add(
            RedactionCorrection(
                complaint_id=pk(complaint),
                phrase=phrase,
                keep=is_keep,
                actor_id=actor.id,
                reason=reason,
            )
        )
    session.flush()
    changed = rerun(session=session, complaint=complaint)
    masked, kept = sum(not k for _, k in phrases), sum(k for _, k in phrases)
    audit.record(
        session=session,
        actor=actor,
        action="redaction.correct",
        target_type="complaint",
        target_id=pk(complaint),
        # The phrases are personal data: the audit log records how many, not which.
        detail=f"{masked} phrase(s) masked, {kept} kept; reason: {reason}",
    )
    return changed


def masks_in(*, session: Session, complaint: Complaint) -> int:
    """How many masks the complaint's public text carries (the API's ``redactions``)."""
    author = session.get(User, complaint.author_id)
    ctx = context(session=session, author=author, complaint=complaint)
    typed = [getattr(complaint, f"original_{f}") for f in FIELDS]
    return sum(len(ctx.redact(text).spans) for text in typed if text is not None)
