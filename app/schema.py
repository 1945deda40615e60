"""Where the database schema's migrations live, for the ``outcry db`` commands and the
readiness check (is the database at the newest migration?)."""

from pathlib import Path

from alembic.config import Config

ROOT = Path(__file__).resolve().parents[1]


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config
