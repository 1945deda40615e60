"""Settings, read from the environment with the ``OUTCRY_`` prefix."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTCRY_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./outcry.db"
    secret_key: str = DEV_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"

    # Deadlines: BBB asks for an answer within 14 days, CFPB within 15 (shared/domain-notes.md).
    response_deadline_days: int = Field(default=14, ge=1)
    confirm_deadline_days: int = Field(default=14, ge=1)
    # Verified company claims (DNS, website file) are re-checked this often.
    reverify_days: int = Field(default=7, ge=1)

    # Mail: without an SMTP host, mail is kept for /dev/mail (development) instead of sent.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "Outcry <no-reply@outcry.invalid>"
    # The in-process worker that `outcry serve` runs (`outcry worker` runs them separately).
    run_worker: bool = True

    # Broadcaster (app/broadcast/networks.py): with no network configured it runs as a dry run.
    bluesky_service_url: str = "https://bsky.social"
    bluesky_handle: str | None = None
    bluesky_app_password: str | None = None
    bluesky_session_file: str | None = None  # keeps the login across restarts (rate-limited)
    mastodon_base_url: str | None = None
    mastodon_access_token: str | None = None
    broadcast_webhook_urls: list[str] = []  # JSON list: '["https://example.org/hook"]'
    broadcast_webhook_secret: str | None = None
    # Nothing is posted before the company's right of reply has run (app/broadcast/schedule.py);
    # then a post at each of these days open while the complaint is unresolved.
    broadcast_grace_days: int = Field(default=3, ge=0)
    broadcast_milestones: list[int] = [7, 14, 30, 60]  # JSON list

    session_days: int = Field(default=30, ge=1)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    page_size: int = Field(default=20, ge=1, le=200)

    @property
    def is_https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def mail_domain(self) -> str:
        return self.mail_from.rsplit("@", 1)[-1].rstrip(">") or "outcry.invalid"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if self.environment != "development" and self.secret_key == DEV_SECRET_KEY:
            raise ValueError(
                "OUTCRY_SECRET_KEY must be set to a random value outside development "
                '(python -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
        if len(self.secret_key) < 16:
            raise ValueError("OUTCRY_SECRET_KEY must be at least 16 characters")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
