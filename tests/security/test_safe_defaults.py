"""Defaults that fail safe: production unless told otherwise, one reader of the client address
(X-Forwarded-For believed only from OUTCRY_TRUSTED_PROXIES), development aids and unauthenticated
metrics for this computer only, and a development server that will not face a network."""

import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import Settings, get_settings
from app.main import create_app
from tests.security.live import live_server

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_with_no_environment_set_the_app_runs_in_production(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("OUTCRY_ENVIRONMENT")
    monkeypatch.chdir(tmp_path)  # no .env file either
    assert Settings().environment == "production"
    monkeypatch.delenv("OUTCRY_SECRET_KEY")
    with pytest.raises(ValueError, match="OUTCRY_SECRET_KEY"):
        Settings()


def test_make_run_asks_for_development_itself(tmp_path) -> None:
    """`make run` with a stand-in `outcry` that reports the environment each step runs in."""
    (tmp_path / "python").write_text("#!/bin/sh\n")
    (tmp_path / "outcry").write_text('#!/bin/sh\necho "$1 $OUTCRY_ENVIRONMENT"\n')
    for name in ("python", "outcry"):
        (tmp_path / name).chmod(0o755)
    (tmp_path / ".installed").touch()  # newer than pyproject.toml: nothing to install
    env = {k: v for k, v in os.environ.items() if k != "OUTCRY_ENVIRONMENT"}
    steps = subprocess.run(  # noqa: S603 - our own Makefile
        ["make", "-s", "run", f"VENV={tmp_path}", f"BIN={tmp_path}"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert steps[:3] == ["db development", "demo development", "serve development"]


def test_development_refuses_to_serve_on_a_network_address(monkeypatch) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: pytest.fail(f"served on {kw['host']}"))
    monkeypatch.setenv("OUTCRY_ENVIRONMENT", "development")
    get_settings.cache_clear()
    try:
        for host in ("0.0.0.0", "192.0.2.10", "::"):  # noqa: S104 - refused, never bound
            result = CliRunner().invoke(cli, ["serve", "--host", host, "--port", "1"])
            assert result.exit_code != 0
            assert "loopback" in result.output
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.fixture
def development(monkeypatch):
    monkeypatch.setenv("OUTCRY_ENVIRONMENT", "development")
    monkeypatch.setenv("OUTCRY_RUN_WORKER", "false")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_development_mailbox_answers_only_on_this_computer(development, engine) -> None:
    app = create_app()
    with TestClient(app, client=("203.0.113.9", 40000)) as remote:
        refused = remote.get("/dev/mail")
        assert refused.status_code == 403
        assert "only to this computer" in refused.text
        assert remote.get("/dev/mail", headers={"x-forwarded-for": "127.0.0.1"}).status_code == 403
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/dev/mail").status_code == 200


def test_metrics_without_a_token_answer_only_on_this_computer(engine, monkeypatch) -> None:
    app = create_app()
    settings = get_settings()
    monkeypatch.setattr(settings, "environment", "production")
    # Production would start the in-process worker, whose periodic jobs would outlive the test.
    monkeypatch.setattr(settings, "run_worker", False)
    with TestClient(app, client=("203.0.113.9", 40000)) as remote:
        assert remote.get("/metrics").status_code == 403
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 200


@pytest.mark.live_server
@pytest.mark.parametrize("trusted", [False, True])
def test_rotating_forwarded_for_does_not_escape_rate_limits(trusted: bool) -> None:
    """A real `outcry serve`: the client address is the socket's peer unless that peer is listed
    in OUTCRY_TRUSTED_PROXIES, and only then is X-Forwarded-For believed."""
    env = {"OUTCRY_RATE_LIMITS": '{"login_ip": "3/hour"}'}
    if trusted:
        env["OUTCRY_TRUSTED_PROXIES"] = '["127.0.0.1"]'
    with live_server(env=env) as server, httpx.Client(base_url=server.url) as browser:
        statuses = []
        for n in range(6):
            token = CSRF.search(browser.get("/login").text).group(1)
            statuses.append(
                browser.post(
                    "/login",
                    data={"email": "x@example.org", "password": "wrong-1", "csrf_token": token},
                    headers={"x-forwarded-for": f"198.51.100.{n + 1}"},
                ).status_code
            )
    if trusted:  # the proxy vouches for six different clients
        assert 429 not in statuses, statuses
    else:
        assert statuses[3:] == [429, 429, 429], statuses


@pytest.mark.live_server
def test_a_live_answer_does_not_name_the_server_software() -> None:
    """docs/security-facts.md, "No `Server` header": a real `outcry serve`, as a scanner sees it."""
    with live_server() as server:
        for path in ("/", "/healthz", "/no-such-page"):
            response = httpx.get(server.url + path)
            assert "server" not in response.headers, (path, response.headers["server"])
            assert response.headers["date"].endswith(" GMT")  # required of an origin server


def test_serve_runs_uvicorn_without_its_own_proxy_header_handling(monkeypatch) -> None:
    seen = {}
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: seen.update(kw))
    result = CliRunner().invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False
    assert "forwarded_allow_ips" not in seen
