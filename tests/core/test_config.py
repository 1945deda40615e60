"""Settings refuse unsafe production configurations."""

import pytest
from pydantic import ValidationError

from app.config import DEV_SECRET_KEY, Settings


def test_default_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValidationError, match="OUTCRY_SECRET_KEY"):
        Settings(environment="production", secret_key=DEV_SECRET_KEY)


def test_default_secret_is_allowed_in_development() -> None:
    assert Settings(environment="development", secret_key=DEV_SECRET_KEY).secret_key


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTCRY_RESPONSE_DEADLINE_DAYS", "15")
    monkeypatch.setenv("OUTCRY_BASE_URL", "https://outcry.example")
    settings = Settings()
    assert settings.response_deadline_days == 15
    assert settings.is_https


def test_nonsense_deadline_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(response_deadline_days=0)
