"""Inbound mail is stored raw before anything else happens (nothing is lost), once per message
and reply address (a replay of the same Message-ID is recorded once), and its processing is
queued in the same transaction. Both doors (mail-in, POST /inbound/email) come through here."""

import hashlib
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.errors import NotFound
from app.jobs.queue import enqueue
from app.mailchannel import tokens
from app.mailchannel.parse import address
from app.models.mail import MailInbound

PROCESS_JOB = "mailchannel.process"
UNKNOWN = "No such reply address (unknown or expired)."


def _headers(raw: bytes) -> dict[str, str]:
    parsed = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    values = {}
    for name in ("Message-ID", "From", "Subject"):
        try:
            values[name] = " ".join(str(parsed.get(name, "") or "").split())
        except (ValueError, TypeError, IndexError):  # a header too broken to read
            values[name] = ""
    return values


def accept(
    *, session: Session, raw: bytes, via: str, envelope_from: str, recipient: str
) -> tuple[MailInbound, bool]:
    """Store one message for one of our reply addresses; (row, False) when it was seen before.
    An unknown or expired address raises NotFound: the sender gets a refusal, never silence."""
    thread = tokens.find_thread(session=session, recipient=recipient)
    if thread is None:
        raise NotFound(UNKNOWN)
    headers = _headers(raw)
    message_id = headers["Message-ID"].strip()
    identity = message_id[:150] or "sha256:" + hashlib.sha256(raw).hexdigest()
    key = f"{identity}|{thread.id}"
    existing = session.exec(select(MailInbound).where(MailInbound.dedupe_key == key)).first()
    if existing is not None:
        return existing, False
    row = MailInbound(
        dedupe_key=key,
        received_via=via,
        envelope_from=envelope_from[:254],
        envelope_to=recipient[:254],
        header_from=address(headers["From"])[:254],
        subject=headers["Subject"][:500],
        raw=raw,
        size=len(raw),
        thread_id=thread.id,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same message arriving at the same moment through the other door
        existing = session.exec(select(MailInbound).where(MailInbound.dedupe_key == key)).one()
        return existing, False
    enqueue(
        session=session, kind=PROCESS_JOB, key=f"mailchannel-in:{row.id}", payload={"id": row.id}
    )
    return row, True
