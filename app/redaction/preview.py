"""The filing form's preview step: before publishing, the consumer sees what will be masked.

Works without JavaScript. The form's "Preview" button (``step=preview``) shows the masked text;
"Publish complaint" on the form goes straight through when nothing would be masked, and shows the
preview first when something would (once: the preview carries a fingerprint of what it showed).
"Change something" (``step=edit``) returns to the form with everything typed.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.models.user import User
from app.redaction import redactor, service
from app.web.templating import render

LABELS = {"title": "Title", "body": "What happened", "desired_outcome": "Outcome wanted"}


def fingerprint(values: dict[str, str]) -> str:
    typed = "\x00".join(values.get(f, "").strip() for f in service.FIELDS)
    return hashlib.sha256(typed.encode()).hexdigest()[:32]


def step(
    request: Request,
    session: Session,
    user: User,
    values: dict[str, str],
    form_context: Callable[[dict, dict], dict[str, Any]],
) -> Response | None:
    """A page to show instead of filing, or None to file now."""
    wanted = values.get("step", "")
    if wanted == "edit":
        return render(request, "complaints/new.html", form_context(values, {}))
    stripped = {f: values.get(f, "").strip() for f in service.FIELDS}
    fields = service.preview(session=session, author=user, values=stripped)
    spans = [span for _, result in fields.values() for span in result.spans]
    seen = values.get("previewed") == fingerprint(values)
    if wanted != "preview" and (not spans or seen):
        return None
    return render(
        request,
        "complaints/preview.html",
        {
            **form_context(values, {}),
            "fields": [
                (LABELS[f], result.segments(typed))
                for f, (typed, result) in fields.items()
                if typed
            ],
            "masked": redactor.counts(spans),
            "total": len(spans),
            "fingerprint": fingerprint(values),
        },
    )
