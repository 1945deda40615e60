"""Filing a complaint: one insert and the consequences queued for the worker (bench/README.md,
"What makes filing cheap")."""

import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from app.clock import utcnow
from app.companies import listed
from app.companies import service as companies
from app.complaints import gate
from app.events import ComplaintCreated, emit_later
from app.models.complaint import (
    Complaint,
    ComplaintCreate,
    ComplaintState,
    ContactAttempt,
    Side,
    TimelineEvent,
)
from app.models.keys import pk
from app.models.user import User
from app.redaction import service as redaction


def file(
    *,
    session: Session,
    author: User,
    data: ComplaintCreate,
    now: datetime | None = None,
    bulk: bool = False,
) -> Complaint:
    """Publish a complaint. Re-submitting the same form (same submission key) returns the first.

    An unverified author's complaint waits (gate.py). Unless ``bulk`` (demo loads, test
    factories), a near-duplicate of the author's recent complaint against the same company is
    refused (gate.DuplicateComplaint), and a burst from new accounts is held for moderation."""
    now = now or utcnow()
    key = data.submission_key or uuid.uuid4().hex
    company = companies.resolve(
        session=session,
        name=data.company_name,
        domain=data.company_domain,
        accept_new=data.accept_new_company,
        user_id=author.id,
    )
    # Abuse limits (gate.py): near-duplicates refused; unverified or burst filings wait.
    if not bulk:
        try:
            gate.refuse_duplicate(
                session=session,
                author=author,
                company_id=pk(company),
                title=data.title,
                body=data.body,
                now=now,
            )
        except gate.DuplicateComplaint as exc:
            if exc.existing.submission_key == key:
                return exc.existing  # the same form sent again: the first filing stands
            raise
    shown, why = gate.hold(
        session=session, author=author, company_id=pk(company), now=now, bursts=not bulk
    )
    complaint = Complaint(
        **data.model_dump(
            include={
                "title",
                "body",
                "category",
                "desired_outcome",
                "broadcast_opt_in",
                "reference_by_email",
                "contact_since",
            }
        ),
        private_reference=(data.private_reference or "").strip() or None,
        company_id=pk(company),
        author_id=pk(author),
        submission_key=key,
        created_at=now,
        updated_at=now,
        visibility=shown,
        visibility_reason=why,
    )
    redaction.redact_complaint(session=session, complaint=complaint, author=author)  # issue 6
    # One statement: no lookup first and no savepoint. A form sent twice (a double click, or a
    # retry after a lost response) inserts nothing the second time and gets the first back.
    columns = complaint.model_dump(exclude={"id"})
    inserted = session.scalars(_insert_once(session.get_bind().dialect.name), columns).first()
    if inserted is None:
        return session.exec(
            select(Complaint).where(
                Complaint.author_id == author.id, Complaint.submission_key == key
            )
        ).one()
    complaint = inserted  # the row as stored, in the session: nothing left to flush
    listed.filed(session=session, company=company, complaint=complaint)
    # Bulk inserts, not session.add: the complaint was dated by this very filing, so the
    # updated_at listener (touch.py) must not UPDATE the row it has just inserted.
    if data.contact_attempts:
        session.execute(
            insert(ContactAttempt),
            [
                {"complaint_id": complaint.id, "channel": a.channel, "count": a.count}
                for a in data.contact_attempts
            ],
        )
    session.execute(
        insert(TimelineEvent),
        [
            {
                "complaint_id": complaint.id,
                "at": now,
                "actor_id": author.id,
                "side": Side.CONSUMER,
                "kind": "filed",
                "to_state": ComplaintState.OPEN,
                "detail": f"against {company.name}",
            }
        ],
    )
    if not gate.is_waiting(complaint):  # else gate.publish emits it when it goes public
        # Its consequences run in the worker: a spike of filings pays only for the filings.
        created = ComplaintCreated(complaint_id=complaint.id, actor_id=author.id)
        emit_later(session=session, event=created)
    return complaint


@lru_cache
def _insert_once(dialect: str) -> Any:
    # Built once, values bound at execution (as app/jobs/queue.py's).
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_(Complaint).on_conflict_do_nothing(index_elements=["author_id", "submission_key"])
    return stmt.returning(Complaint)
