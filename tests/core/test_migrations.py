"""Migrations agree with the models and go up, down and up again, on the suite's database."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from app.db import make_engine
from app.models.fulltext import include_name
from app.schema import alembic_config


def _diff(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    return diff


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_upgrade_downgrade_upgrade_matches_models(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    config.attributes["configure_logging"] = False

    command.upgrade(config, "head")
    assert _diff(empty_database_url) == []
    assert set(SQLModel.metadata.tables) <= _tables(empty_database_url)

    command.downgrade(config, "base")
    assert _tables(empty_database_url) <= {"alembic_version"}

    command.upgrade(config, "head")
    assert _diff(empty_database_url) == []
