"""The test environment, set before anything imports the app: the suite runs on SQLite, or on
PostgreSQL when OUTCRY_TEST_DATABASE_URL is set. Imported first by tests/conftest.py."""

import os
import tempfile
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="outcry-tests-"))
TEST_DATABASE_URL = os.environ.get("OUTCRY_TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
os.environ.update(
    OUTCRY_ENVIRONMENT="test",
    OUTCRY_DATABASE_URL=TEST_DATABASE_URL,
    OUTCRY_SECRET_KEY="test-secret-key-0123456789abcdef",
    OUTCRY_BASE_URL="http://testserver",
    # Tests change data and look again within a second; the per-process memo's second of
    # staleness for anonymous visitors has its own tests (tests/web/test_caching.py), which turn it on.
    OUTCRY_CACHE_MEMO_SECONDS="0",
)
# Rate limits in Redis (OUTCRY_REDIS_URL set) use a prefix of their own per test run.
os.environ.setdefault("OUTCRY_RATELIMIT_KEY_PREFIX", f"outcry-test-{os.getpid()}-{_TMP.name}")
