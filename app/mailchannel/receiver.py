"""`outcry mail-in`: the SMTP or LMTP receiver a mail server (Postfix) hands our domain's mail
to, on loopback by default. Unknown or expired reply addresses are refused at RCPT time
("550 5.1.1"), so the sending server bounces them: nothing is dropped in silence. Accepted mail
is stored raw before the server says 250 (store.py); the worker reads it afterwards."""

import asyncio

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import get_settings
from app.db import retry_busy
from app.errors import NotFound
from app.mailchannel import store, tokens


class Handler:
    def __init__(self, engine: Engine, via: str) -> None:
        self.engine, self.via = engine, via

    def _known(self, recipient: str) -> bool:
        with Session(self.engine) as session:
            return tokens.find_thread(session=session, recipient=recipient) is not None

    def _store(self, raw: bytes, sender: str, recipient: str) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            store.accept(
                session=session, raw=raw, via=self.via, envelope_from=sender, recipient=recipient
            )
            session.commit()

    async def handle_RCPT(
        self, _server: SMTP, _session: SmtpSession, envelope: Envelope, address: str, _options: list
    ) -> str:
        if not await asyncio.to_thread(self._known, address):
            return "550 5.1.1 No such reply address (unknown or expired)"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, _server: SMTP, _session: SmtpSession, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        statuses = []
        for recipient in envelope.rcpt_tos:
            try:
                await asyncio.to_thread(
                    retry_busy,
                    lambda r=recipient: self._store(raw, envelope.mail_from or "", r),
                    within=20,
                    what="storing inbound mail",
                )
                statuses.append("250 2.0.0 Stored")
            except NotFound:  # expired between RCPT and DATA
                statuses.append("550 5.1.1 No such reply address (unknown or expired)")
            except Exception:  # the database is down: the sender keeps it and tries again
                statuses.append("451 4.3.0 Cannot store the message now; try again later")
        # LMTP answers once per recipient; SMTP once for the message (the worst answer).
        if self.via == "lmtp":
            return "\r\n".join(statuses)
        return max(statuses, key=lambda s: s[0])


class Receiver(Controller):
    def __init__(self, engine: Engine, *, host: str, port: int, lmtp: bool) -> None:
        self.lmtp = lmtp
        super().__init__(
            Handler(engine, "lmtp" if lmtp else "smtp"),
            hostname=host,
            port=port,
            data_size_limit=get_settings().mail_max_bytes,
            enable_SMTPUTF8=True,
        )

    def factory(self) -> SMTP:
        return (LMTP if self.lmtp else SMTP)(self.handler, **self.SMTP_kwargs)
