"""Where a Bluesky session string is kept between adapter lifetimes.

A PDS allows about 30 createSession calls per 5 minutes and 100 a day (docs/social-networks.md), so a worker restarted by cron must import its last session, not log in again.
"""

import os
from pathlib import Path
from typing import Protocol


class SessionStore(Protocol):
    """Keeps the exported session string (access and refresh tokens: a secret)."""

    def load(self) -> str | None:
        """The last saved session string, or None."""
        ...

    def save(self, session: str) -> None:
        """Called after every login and every token refresh."""
        ...

    def clear(self) -> None:
        """Forget a session the PDS no longer accepts."""
        ...


class MemorySessionStore:
    """Lives as long as the process: enough for a long-running worker."""

    def __init__(self, session: str | None = None) -> None:
        self.session = session

    def load(self) -> str | None:
        return self.session

    def save(self, session: str) -> None:
        self.session = session

    def clear(self) -> None:
        self.session = None


class FileSessionStore:
    """A file readable by its owner only (OUTCRY_BLUESKY_SESSION_FILE)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> str | None:
        try:
            return self.path.read_text().strip() or None
        except FileNotFoundError:
            return None

    def save(self, session: str) -> None:
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(session)
        temporary.replace(self.path)  # atomic: a reader never sees half a session

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
