"""The preview step before public text is published: the author sees what will be masked.

Works without JavaScript, for the filing form and for follow-ups and replies alike. The form's
"Preview" button (``step=preview``) shows the result; sending goes straight through when nothing
would be masked, and shows the preview first when something would (once: the preview carries a
fingerprint of what it showed). "Edit" (``step=edit``) returns to the form with everything typed.
The preview shows the text as the page will publish it: Markdown rendered by the same renderer,
masked parts highlighted.
"""

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlmodel import Session

from app.models.complaint import Complaint
from app.models.user import User
from app.redaction import redactor, service
from app.text import markdown

LABELS = {"title": "Title", "body": "What happened", "desired_outcome": "Outcome wanted"}
MARKDOWN_FIELDS = {"body"}  # the ticket renders these as Markdown, the others as plain text
Segments = list[tuple[str, str | None, str]]  # (public text, kind or None, what it hides)

# Stand-ins for masks while Markdown renders: private-use characters, which no Markdown rule or
# sanitiser touches, so each comes out where its mask would and can be wrapped in a <mark>.
_OPEN, _CLOSE = "\ue000", "\ue001"
_HOLE = re.compile(f"{_OPEN}(\\d+){_CLOSE}")


def fingerprint(values: dict[str, str], fields: tuple[str, ...] = service.FIELDS) -> str:
    typed = "\x00".join(values.get(f, "").strip() for f in fields)
    return hashlib.sha256(typed.encode()).hexdigest()[:32]


def _text_html(text: str) -> str:
    # How the sanitised Markdown writes text: &, < and > escaped, quotes left alone.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mark(public: str, kind: str | None, hidden: str, inner: str) -> str:
    return f'<mark class="redacted" title="{escape(kind)}: hides “{escape(hidden)}”">{inner}</mark>'


def rendered(segments: Segments, *, as_markdown: bool) -> Markup:
    """The published HTML of one text, its masks highlighted: escaped (or Markdown-rendered and
    sanitised) first, then marked. Where a mask changes how the Markdown around it reads (inside a
    link's address, say), the published HTML is shown unmarked rather than something else."""
    if not as_markdown:
        inner = "".join(
            _mark(p, kind, hidden, str(escape(p))) if kind else str(escape(p))
            for p, kind, hidden in segments
        )
        return Markup(f"<p>{inner}</p>")  # noqa: S704 - every piece escaped just above
    published = str(markdown.render("".join(p for p, _, _ in segments)))
    holes = "".join(f"{_OPEN}{i}{_CLOSE}" if kind else p for i, (p, kind, _) in enumerate(segments))
    marked = str(markdown.render(holes))
    if _HOLE.sub(lambda m: _text_html(segments[int(m[1])][0]), marked) != published:
        return Markup(published)  # noqa: S704 - the renderer's own sanitised output

    def mark(m: re.Match[str]) -> str:
        p, kind, hidden = segments[int(m[1])]
        return _mark(p, kind, hidden, _text_html(p))

    return Markup(_HOLE.sub(mark, marked))  # noqa: S704 - sanitised output, escaped marks


@dataclass(frozen=True)
class Preview:
    """What the preview shows: each typed text as published, with its masked spans marked."""

    fields: list[tuple[str, Markup, Segments]]  # label, published HTML marked, segments
    masked: dict[str, int]  # spans masked, by kind
    total: int
    fingerprint: str

    def context(self) -> dict[str, Any]:
        return {
            "fields": self.fields,
            "masked": self.masked,
            "total": self.total,
            "fingerprint": self.fingerprint,
        }


def _shown(values: dict[str, str], spans: list, fp: str) -> bool:
    """Show the preview: asked for, or something would be masked that they have not seen."""
    return values.get("step", "") == "preview" or (bool(spans) and values.get("previewed") != fp)


def preview(*, session: Session, author: User, values: dict[str, str]) -> Preview | None:
    """The filing preview to show instead of filing, or None to file now."""
    stripped = {f: values.get(f, "").strip() for f in service.FIELDS}
    fields = service.preview(session=session, author=author, values=stripped)
    spans = [span for _, result in fields.values() for span in result.spans]
    fp = fingerprint(values)
    if not _shown(values, spans, fp):
        return None
    return Preview(
        fields=[
            (
                LABELS[f],
                rendered(result.segments(typed), as_markdown=f in MARKDOWN_FIELDS),
                result.segments(typed),
            )
            for f, (typed, result) in fields.items()
            if typed
        ],
        masked=redactor.counts(spans),
        total=len(spans),
        fingerprint=fp,
    )


def message_preview(
    *, session: Session, complaint: Complaint, values: dict[str, str], label: str
) -> Preview | None:
    """The preview of a follow-up or reply to show instead of posting it, or None to post now.
    A private message is not masked: it is shown only when asked for, as typed."""
    body = values.get("body", "").strip()
    if not body:
        return None
    if values.get("private") == "on":
        if values.get("step", "") != "preview":
            return None
        segments: Segments = [(body, None, "")]
        return Preview([(label, rendered(segments, as_markdown=True), segments)], {}, 0, "")
    author = session.get(User, complaint.author_id)
    result = service.context(session=session, author=author, complaint=complaint).redact(body)
    fp = fingerprint(values, ("body",))
    if not _shown(values, result.spans, fp):
        return None
    segments = result.segments(body)
    return Preview(
        fields=[(label, rendered(segments, as_markdown=True), segments)],
        masked=redactor.counts(result.spans),
        total=len(result.spans),
        fingerprint=fp,
    )
