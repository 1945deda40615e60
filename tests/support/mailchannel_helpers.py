"""Shared set-up for the email-channel tests: DKIM keys served by a local DNS server, the
channel's settings, an unclaimed company with a verified domain, and signed replies."""

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.config import get_settings
from tests.support.dns_https_servers import LocalDNS

MAIL_DOMAIN = "mail.outcry.test"
SECRET = "inbound-secret-0123456789"


@dataclass
class Key:
    private_pem: bytes
    record: str  # the DNS TXT value


def make_key() -> Key:
    # 1024 bits: the smallest dkimpy accepts, and one TXT string (a test key, never a real one).
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Key(private_pem, f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}")


@dataclass
class Channel:
    dns: LocalDNS
    company_key: Key
    outcry_key: Key


@pytest.fixture
def channel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Channel]:
    company_key, outcry_key = make_key(), make_key()
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(outcry_key.private_pem)
    records = {
        "sel._domainkey.acme.test": {"TXT": [company_key.record]},
        f"out._domainkey.{MAIL_DOMAIN}": {"TXT": [outcry_key.record]},
        "_dmarc.acme.test": {"TXT": ["v=DMARC1; p=reject"]},
    }
    with LocalDNS(records) as dns:
        monkeypatch.setenv("OUTCRY_MAIL_DOMAIN", MAIL_DOMAIN)
        monkeypatch.setenv("OUTCRY_MAIL_INBOUND_SECRET", SECRET)
        monkeypatch.setenv("OUTCRY_MAIL_DKIM_SELECTOR", "out")
        monkeypatch.setenv("OUTCRY_MAIL_DKIM_KEY_FILE", str(key_file))
        monkeypatch.setenv("OUTCRY_DEV_CLAIM_DNS", f"127.0.0.1:{dns.port}")
        get_settings.cache_clear()
        yield Channel(dns, company_key, outcry_key)
    monkeypatch.undo()
    get_settings.cache_clear()


def reply(
    *,
    to: str,
    sender: str = "support@acme.test",
    text: str = "We have refunded the second charge today. Sorry for the trouble.",
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Acme Support <{sender}>"
    message["To"] = to
    message["Subject"] = "Re: Complaint about Acme"
    message["Date"] = formatdate()
    message["Message-ID"] = message_id or make_msgid(domain=sender.rpartition("@")[2])
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(
        f"{text}\n\nOn Mon, 4 May 2026 at 09:00, Outcry complaints <{to}> wrote:\n"
        "> A customer filed a public complaint about Acme on Outcry.\n> HOW TO ANSWER: reply\n"
    )
    return message


def signed(message: EmailMessage, key: Key, domain: str = "acme.test") -> bytes:
    raw = message.as_bytes()
    return (
        dkim.sign(
            raw,
            b"sel",
            domain.encode(),
            key.private_pem,
            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
        )
        + raw
    )
