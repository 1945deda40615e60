"""Settings, read from the environment with the ``OUTCRY_`` prefix."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTCRY_", env_file=".env", extra="ignore")

    # Production unless told otherwise: a forgotten setting must fail safe (a secret key is then
    # required, and the development aids such as /dev/mail do not exist). `make run` and the
    # tests ask for development and test themselves.
    environment: Literal["development", "test", "production"] = "production"
    database_url: str = "sqlite:///./outcry.db"
    secret_key: str = DEV_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"

    # Deadlines: BBB asks for an answer within 14 days, CFPB within 15 (docs/lifecycle.md).
    response_deadline_days: int = Field(default=14, ge=1)
    confirm_deadline_days: int = Field(default=14, ge=1)
    # Whose-turn mail waits this long, so several changes in a row make one mail.
    turn_mail_delay_minutes: int = Field(default=5, ge=0, le=1440)
    # Verified company claims (DNS, website file) are re-checked this often.
    reverify_days: int = Field(default=7, ge=1)

    # Mail: without an SMTP host, mail is kept for /dev/mail (development) instead of sent.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "Outcry <no-reply@outcry.invalid>"
    # Email as a channel (app/mailchannel, docs/email-channel.md). Unset mail_domain: no
    # complaint is mailed from a reply address and nothing is received.
    mail_domain: str | None = None  # replies come to reply+<token>@<this domain>
    mail_dkim_selector: str | None = None  # with the key: outgoing mail is DKIM-signed
    mail_dkim_key_file: str | None = None  # PEM private key (RSA or Ed25519)
    mail_inbound_secret: str | None = None  # POST /inbound/email needs it; unset: the door is shut
    mail_in_host: str = "127.0.0.1"  # `outcry mail-in` listens here (loopback: Postfix hands over)
    mail_in_port: int = Field(default=8025, ge=1, le=65535)
    mail_in_lmtp: bool = True  # LMTP (Postfix's lmtp transport); False: plain SMTP
    mail_max_bytes: int = Field(default=40_000_000, ge=1024)  # larger inbound mail is refused
    mail_per_domain_per_hour: int = Field(default=30, ge=1)  # outgoing, per recipient domain
    mail_token_days: int = Field(default=180, ge=1)  # reply addresses die this long after closing
    # The in-process worker that `outcry serve` runs (`outcry worker` runs them separately).
    run_worker: bool = True
    # A worker's hold on a job; if it dies, another worker takes the job after this long.
    job_lease_seconds: int = Field(default=120, ge=1)
    # Jobs one worker runs at once: most wait on the network (a webhook's receiver, a mail
    # server, a PDS), so one worker keeps several in flight.
    worker_concurrency: int = Field(default=4, ge=1, le=64)

    # Broadcaster (app/broadcast/networks.py): with no network configured it runs as a dry run.
    bluesky_service_url: str = "https://bsky.social"
    bluesky_handle: str | None = None
    bluesky_app_password: str | None = None
    bluesky_session_file: str | None = None  # keeps the login across restarts (rate-limited)
    mastodon_base_url: str | None = None
    mastodon_access_token: str | None = None
    mastodon_visibility: Literal["public", "unlisted"] = "unlisted"  # not in public timelines
    mastodon_hashtag: str | None = None  # appended to every status, e.g. "CustomerService"
    broadcast_webhook_urls: list[str] = []  # JSON list: '["https://example.org/hook"]'
    broadcast_webhook_secret: str | None = None
    # Nothing is posted before the company's right of reply has run (app/broadcast/schedule.py);
    # then a post at each of these days open while the complaint is unresolved.
    broadcast_grace_days: int = Field(default=3, ge=0)
    broadcast_milestones: list[int] = [7, 14, 30, 60]  # JSON list
    # Outages (app/broadcast/breaker.py): a network that times out or errs is paused, not failed.
    broadcast_timeout_seconds: float = Field(default=15.0, gt=0)  # one request to a network
    broadcast_pause_seconds: float = Field(default=30.0, gt=0)  # first pause; doubles while down
    broadcast_pause_max_seconds: float = Field(default=600.0, gt=0)  # longest pause between probes
    broadcast_post_give_up_hours: float = Field(default=96.0, gt=0)  # posts; deletions never
    broadcast_alert_after_minutes: float = Field(default=60.0, gt=0)  # stuck deletions → admins
    # Good manners (app/broadcast/budget.py): posts an hour per network, far below the networks'
    # own limits (Bluesky 1,666 creates an hour, Mastodon 300 posts in 3 hours). JSON object.
    broadcast_posts_per_hour: dict[str, int] = {"bluesky": 60, "mastodon": 30}
    # On first switch-on or after a pause, milestones due longer ago than this are not posted
    # one by one but counted in one catch-up post (app/broadcast/schedule.py).
    broadcast_stale_days: int = Field(default=3, ge=0)

    # Operations (app/ops/): JSON log lines by default; /metrics behind a bearer token when set.
    log_level: str = "INFO"
    # Unset: plain lines for a person at a terminal in development, JSON lines everywhere else.
    log_json: bool | None = None
    metrics_token: str | None = None
    # FastAPI's own OpenTelemetry spans, metrics and logs, through the SDK's global providers.
    # Off, FastAPI skips looking for a provider on every request (bench/README.md).
    opentelemetry: bool = False

    session_days: int = Field(default=30, ge=1)
    # How long a process may answer reads for a login from memory (app/accounts/session_cache.py):
    # a login ended in another process still reads pages here for at most this long.
    session_cache_seconds: float = Field(default=2.0, ge=0)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    page_size: int = Field(default=20, ge=1, le=200)

    # Notice-and-takedown (app/takedown/): "48 hours" skip weekends and these public holidays
    # (the Defamation (Operators of Websites) Regulations 2013 reg. 1(3): England & Wales).
    takedown_holidays_country: str = "GB"
    takedown_holidays_subdiv: str | None = "ENG"

    # Abuse limits and account hardening (app/web/ratelimit.py, app/accounts/, app/complaints/gate.py).
    # Rate limits: "N per period" strings of the `limits` library, by name (see DEFAULT_LIMITS);
    # OUTCRY_RATE_LIMITS='{"login_ip": "50/5minutes"}' overrides some. Memory storage unless a
    # Redis URL is set (needed with several server processes).
    redis_url: str | None = None
    ratelimit_enabled: bool = True
    ratelimit_key_prefix: str = "outcry"
    rate_limits: dict[str, str] = {}
    # Proxies (addresses or networks) whose X-Forwarded-For is believed for the client address.
    trusted_proxies: list[str] = []
    verify_link_hours: int = Field(default=48, ge=1)
    reset_link_minutes: int = Field(default=30, ge=5)
    duplicate_days: int = Field(default=7, ge=0)  # same author, company and text: refused
    duplicate_similarity: int = Field(default=90, ge=50, le=100)  # rapidfuzz ratio, 0-100
    # More than burst_complaints against one company within burst_minutes from accounts younger
    # than burst_account_days: the next ones are held for moderation.
    burst_complaints: int = Field(default=5, ge=1)
    burst_minutes: int = Field(default=60, ge=1)
    burst_account_days: int = Field(default=7, ge=0)

    # HTTP caching and benchmarks (app/web/caching.py, bench/): what CDNs may keep of anonymous
    # public pages, how long a process answers repeat visits from its ETag memo, and whether the
    # /bench/plain and /bench/minimal baseline endpoints are mounted.
    cache_max_age: int = Field(default=60, ge=0)
    cache_stale_while_revalidate: int = Field(default=300, ge=0)
    cache_memo_seconds: float = Field(default=1.0, ge=0)
    bench_endpoints: bool = False
    # glibc malloc arenas of a serving process (app/ops/malloc.py); 0 leaves glibc's default.
    malloc_arenas: int = Field(default=2, ge=0)
    # Filings one process works on at once (app/routes/public/complaints.py); unset: one on SQLite,
    # two on PostgreSQL. More helps only when the database is far away (round trips to wait on).
    filing_threads: int | None = Field(default=None, ge=1)
    # Pooled database connections per process, and so requests using the database at once
    # (app/db.py: each holds one of these slots; the others wait on the event loop).
    db_pool_size: int = Field(default=10, ge=1)

    # Statistics and leaderboards (app/stats/): a company is ranked only with at least this many
    # complaints in the window; fewer and it is listed as "not enough complaints to rank".
    min_ranked_complaints: int = Field(default=30, ge=1)

    # Systemic issues (app/systemic/): complaints against one company whose texts are this similar
    # (Jaccard of word shingles, 0-1) and filed within this many days of each other are grouped;
    # a group shows once it has complaints from at least this many different customers.
    systemic_similarity: float = Field(default=0.5, gt=0, le=1)
    systemic_window_days: int = Field(default=30, ge=1)
    systemic_min_customers: int = Field(default=3, ge=2)

    # The nightly public dataset (app/stats/dataset.py, served at /data): the folder it is built
    # in, and how many dated builds to keep there.
    dataset_dir: str = "./data/public"
    dataset_keep: int = Field(default=7, ge=1)

    # The about, privacy, terms and contact pages (app/routes/public/site_pages.py): who runs the site,
    # where to write, and a folder of Markdown files (about.md…) replacing the default texts.
    site_operator: str = "the operator of this Outcry site"
    contact_email: str | None = None
    site_pages_dir: str | None = None

    # Development only: verify DNS and well-known claims against local servers (a DNS server
    # "host:port", the port of a local HTTPS server and the CA that signed its certificate);
    # with any of them set, loopback and private addresses are allowed. Production refuses them.
    dev_claim_dns: str | None = None
    dev_claim_https_port: int | None = Field(default=None, ge=1, le=65535)
    dev_claim_ca_file: str | None = None

    @property
    def dev_claim_overrides(self) -> bool:
        return bool(self.dev_claim_dns or self.dev_claim_https_port or self.dev_claim_ca_file)

    @property
    def is_https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def mail_from_domain(self) -> str:
        return self.mail_from.rsplit("@", 1)[-1].rstrip(">") or "outcry.invalid"

    def json_logs(self, *, terminal: bool) -> bool:
        if self.log_json is not None:
            return self.log_json
        return not (self.environment == "development" and terminal)

    @property
    def base_url_is_set(self) -> bool:
        """Whether the operator gave OUTCRY_BASE_URL (environment or .env), not the default."""
        return "base_url" in self.model_fields_set

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
        if self.environment == "production" and self.dev_claim_overrides:
            raise ValueError(
                "OUTCRY_DEV_CLAIM_DNS, OUTCRY_DEV_CLAIM_HTTPS_PORT and OUTCRY_DEV_CLAIM_CA_FILE "
                "are for development only: in production claims are checked against real DNS, "
                "port 443 and public addresses. Unset them."
            )
        if len(self.secret_key) < 16:
            raise ValueError("OUTCRY_SECRET_KEY must be at least 16 characters")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
