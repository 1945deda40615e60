"""A throwaway database of the suite's kind, for tests that migrate or load one from nothing."""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.support.environment import TEST_DATABASE_URL


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    """A database of the suite's kind that no other test touches."""
    if TEST_DATABASE_URL.startswith("sqlite"):
        yield f"sqlite:///{Path(tempfile.mkdtemp()) / 'migrations.db'}"
        return
    name = f"outcry_migrations_{os.getpid()}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
