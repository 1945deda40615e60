"""Scale-out and fault tests need PostgreSQL (several processes on one database) and start real
`outcry` processes; they are skipped on SQLite."""

import pytest

from tests.support.environment import TEST_DATABASE_URL


@pytest.fixture
def pg_url() -> str:
    if not TEST_DATABASE_URL.startswith("postgresql"):
        pytest.skip("scale-out runs on PostgreSQL (set OUTCRY_TEST_DATABASE_URL)")
    return TEST_DATABASE_URL
