"""Mail that is not an answer: automatic replies (RFC 3834) and delivery status notifications
(RFC 3464). Both are recorded on the ticket; neither ever counts as the company's answer."""

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message

from app.mailchannel.parse import address

# Out-of-office subjects in the languages of the reply stripper; a header says it first.
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic|matische|matique)?[ -]?(reply|response|antwort|réponse|respuesta|risposta)"
    r"|out of (the )?office|abwesenheit|absence|abwesend|réponse automatique|respuesta automática"
    r"|fuera de la oficina|risposta automatica|automatisch antwoord|frånvaro|autosvar|ferie)",
    re.IGNORECASE,
)


def auto_reply(message: EmailMessage) -> str | None:
    """Why ``message`` is an automatic reply, or None."""
    submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if submitted and not submitted.startswith("no"):
        return f"Auto-Submitted: {submitted}"
    for header in ("X-Autoreply", "X-Autorespond"):
        if header in message:
            return f"{header} header"
    if str(message.get("Precedence", "")).strip().lower() in ("auto_reply", "bulk", "junk"):
        return f"Precedence: {message.get('Precedence')}"
    if _AUTO_SUBJECT.search(str(message.get("Subject", ""))):
        return "out-of-office subject"
    return None


@dataclass(frozen=True)
class Bounce:
    recipient: str  # empty when the report does not say
    status: str
    diagnostic: str


def _fields(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def bounce(message: EmailMessage) -> Bounce | None:
    """A permanent delivery failure, from an RFC 3464 report or an old-style mailer-daemon
    message; None for anything else (a delayed-delivery report is not a failure)."""
    if message.get_content_type() == "multipart/report":
        for part in message.walk():
            if part.get_content_type() != "message/delivery-status":
                continue
            for block in _fields(part)[1:] or _fields(part):
                action = str(block.get("Action", "")).strip().lower()
                if action != "failed":
                    continue
                recipient = str(
                    block.get("Final-Recipient") or block.get("Original-Recipient") or ""
                )
                return Bounce(
                    recipient=address(recipient.partition(";")[2] or recipient),
                    status=str(block.get("Status", "")).strip(),
                    diagnostic=str(block.get("Diagnostic-Code", ""))
                    .partition(";")[2]
                    .strip()[:200],
                )
        return None
    sender = address(message.get("From"))
    subject = str(message.get("Subject", "")).lower()
    if sender.startswith(("mailer-daemon@", "postmaster@")) and any(
        word in subject
        for word in ("undeliver", "failure", "returned", "unzustellbar", "non remis")
    ):
        return Bounce(recipient="", status="5.0.0", diagnostic=subject[:200])
    return None
