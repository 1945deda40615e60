"""Readiness: the database answers and its schema is at the newest migration."""

from dataclasses import dataclass
from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from app.schema import alembic_config


@lru_cache
def head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


@dataclass(frozen=True)
class Readiness:
    database: str  # "ok" or why not
    migrations: str  # "head", "behind", or "unknown" when the database is down

    @property
    def ready(self) -> bool:
        return self.database == "ok" and self.migrations == "head"


def check(engine: Engine) -> Readiness:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except Exception as exc:
        return Readiness(f"unreachable: {type(exc).__name__}", "unknown")
    return Readiness("ok", "head" if current == head_revisions() else "behind")
