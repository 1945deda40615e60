"""The filing form's preview step: before publishing, the consumer sees what will be masked.

Works without JavaScript. The form's "Preview" button (``step=preview``) shows the masked text;
"Publish complaint" on the form goes straight through when nothing would be masked, and shows the
preview first when something would (once: the preview carries a fingerprint of what it showed).
"Change something" (``step=edit``) returns to the form with everything typed.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.models.user import User
from app.redaction import redactor, service

LABELS = {"title": "Title", "body": "What happened", "desired_outcome": "Outcome wanted"}


def fingerprint(values: dict[str, str]) -> str:
    typed = "\x00".join(values.get(f, "").strip() for f in service.FIELDS)
    return hashlib.sha256(typed.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Preview:
    """What the preview page shows: each typed field with its masked spans marked."""

    fields: list[tuple[str, list[tuple[str, str | None, str]]]]  # label, then its segments
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


def preview(*, session: Session, author: User, values: dict[str, str]) -> Preview | None:
    """The preview to show instead of filing, or None to file now: asked for (``step=preview``),
    or something would be masked that the author has not seen yet."""
    stripped = {f: values.get(f, "").strip() for f in service.FIELDS}
    fields = service.preview(session=session, author=author, values=stripped)
    spans = [span for _, result in fields.values() for span in result.spans]
    seen = values.get("previewed") == fingerprint(values)
    if values.get("step", "") != "preview" and (not spans or seen):
        return None
    return Preview(
        fields=[
            (LABELS[f], result.segments(typed)) for f, (typed, result) in fields.items() if typed
        ],
        masked=redactor.counts(spans),
        total=len(spans),
        fingerprint=fingerprint(values),
    )
