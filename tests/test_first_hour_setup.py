"""Setting up: links follow the served address in development, logs a person can read."""

import os
from collections.abc import Iterator

import pytest

from app.cli import follow_served_address
from app.config import Settings, get_settings


@pytest.fixture
def development(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("OUTCRY_ENVIRONMENT", "development")
    monkeypatch.delenv("OUTCRY_BASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_unset_base_url_follows_the_served_port_in_development(development):
    assert follow_served_address("127.0.0.1", 8101) == "http://127.0.0.1:8101"
    assert get_settings().base_url == "http://127.0.0.1:8101"
    assert os.environ["OUTCRY_BASE_URL"] == "http://127.0.0.1:8101"  # for uvicorn's workers

    from app.complaints.public import complaint_url

    assert complaint_url(7) == "http://127.0.0.1:8101/complaints/7"


def test_a_wildcard_host_is_linked_as_loopback(development):
    assert follow_served_address("0.0.0.0", 8102) == "http://127.0.0.1:8102"  # noqa: S104


def test_a_base_url_the_operator_set_is_kept(development, monkeypatch):
    monkeypatch.setenv("OUTCRY_BASE_URL", "https://outcry.example")
    get_settings.cache_clear()

    assert follow_served_address("127.0.0.1", 8101) is None
    assert get_settings().base_url == "https://outcry.example"


def test_production_never_guesses_its_address(monkeypatch):
    monkeypatch.setenv("OUTCRY_ENVIRONMENT", "production")
    monkeypatch.delenv("OUTCRY_BASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert follow_served_address("127.0.0.1", 8101) is None
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_logs_are_plain_at_a_terminal_in_development_and_json_elsewhere():
    dev = Settings(environment="development")
    prod = Settings(environment="production", secret_key="x" * 32)

    assert dev.json_logs(terminal=True) is False
    assert dev.json_logs(terminal=False) is True  # piped to a collector
    assert prod.json_logs(terminal=True) is True
    assert Settings(environment="development", log_json=True).json_logs(terminal=True) is True
