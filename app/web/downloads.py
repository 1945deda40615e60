"""Downloads: files streamed from a query, named after what they hold."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from app.db import get_session
from app.errors import DomainError
from app.stats.metrics import WINDOWS

# Streaming exports keep the session open until the last line is sent (FastAPI's "request"
# scope); the rest of the app commits before responding (app/web/deps.py).
StreamSessionDep = Annotated[Session, Depends(get_session, scope="request")]


def csv_response(lines: Iterator[str], filename: str) -> StreamingResponse:
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def download_name(*parts: str) -> str:
    return "-".join(p for p in parts if p)


def stats_window(window: str) -> str:
    """A statistics window (``12m``, ``all``...), or a 400 naming the ones there are."""
    if window not in WINDOWS:
        raise DomainError(f"window must be one of {', '.join(WINDOWS)}")
    return window
