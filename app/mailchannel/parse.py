"""Reading a received message: Python's ``email`` package for the MIME, the plain-text part
preferred and HTML turned into text (tags dropped, never rendered), then the quoted earlier
mail and the signature removed by mail-parser-reply."""

import email
import email.policy
import re
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser

# The languages whose "On … wrote:" lines and signatures the stripper knows (mail-parser-reply).
LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "da", "pl", "cs"]
MAX_TEXT = 10_000  # a message on the ticket holds at most this (app/models/complaint.py)


def load(raw: bytes) -> EmailMessage:
    """Never raises: malformed MIME is read as well as it can be (defects are recorded)."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def address(value: str | None) -> str:
    return parseaddr(str(value or ""))[1].strip().lower()


def domain_of(addr: str) -> str:
    return addr.rpartition("@")[2].lower().rstrip(".")


def recipients(message: EmailMessage) -> list[str]:
    values = [
        str(v)
        for name in ("Delivered-To", "X-Original-To", "To", "Cc")
        for v in message.get_all(name, [])
    ]
    return [a.lower() for _name, a in getaddresses(values) if a]


def _decoded(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, AssertionError, KeyError):
        # An unknown or lying charset: the bytes as Latin-1 lose nothing and never fail.
        payload = part.get_payload(decode=True) or b""
        return (
            payload.decode("utf-8", errors="replace")
            if isinstance(payload, bytes)
            else str(payload)
        )


_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "hr",
}
_SKIP = {"script", "style", "head", "title", "blockquote"}
_QUOTE_MARKERS = ("gmail_quote", "divrplyfwdmsg", "appendonsend", "moz-cite-prefix", "yahoo_quoted")


class _Text(HTMLParser):
    """HTML to plain text: text only, quoted blocks (blockquote, Gmail's and Outlook's quote
    containers) left out. Nothing is ever executed or fetched."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        marker = " ".join(v or "" for k, v in attrs if k in ("class", "id")).lower()
        skipping = tag in _SKIP or any(m in marker for m in _QUOTE_MARKERS)
        if tag not in ("br", "hr", "img", "meta", "link", "input"):
            self.stack.append((tag, skipping))
            if skipping:
                self.skip += 1
        if tag in _BLOCK and not self.skip:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, skipping = self.stack.pop()
            if skipping:
                self.skip -= 1
            if open_tag == tag:
                break
        if tag in _BLOCK and not self.skip:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.out).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def body_text(message: EmailMessage) -> str:
    """The message's text: the text/plain part if there is one, else its HTML as text."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, AttributeError, TypeError):
        part = None
    if part is None:
        if message.get_content_maintype() == "text":
            part = message
        else:
            return ""
    text = _decoded(part)  # type: ignore[arg-type]
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n")


_OUTLOOK_HEADER = re.compile(
    r"^(?:-{3,}\s*Original Message\s*-{3,}|_{10,}|(?:From|Von|De|Da)\s*:\s.+)$",
    re.IGNORECASE | re.MULTILINE,
)
# "On … wrote:" left alone at the end when the quote under it was all there was.
_ATTRIBUTION = re.compile(
    r"^(On|Am|Le|El|Il|Op|Den|W dniu) [^\n]{0,300}(?:\n[^\n]{0,300})?"
    r"(wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev|napisał)\s*:\s*\Z",
    re.MULTILINE,
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def reply_text(message: EmailMessage) -> str:
    """What the sender wrote this time: no quoted mail, no signature, at most MAX_TEXT."""
    text = body_text(message)
    latest = EmailReplyParser(languages=LANGUAGES).parse_reply(text=text) or ""
    # Outlook without a blank line before its header block escapes the library's patterns.
    if (cut := _OUTLOOK_HEADER.search(latest)) and cut.start() > 0:
        latest = latest[: cut.start()]
    latest = "\n".join(line for line in latest.splitlines() if not line.startswith(">"))
    latest = re.sub(r"\n-- ?\n.*\Z", "", latest, flags=re.DOTALL)  # "-- " signature separator
    latest = _ATTRIBUTION.sub("", latest.strip())
    latest = _CONTROL.sub("", latest).strip()
    return latest[:MAX_TEXT]
