"""Schemathesis against a REAL `outcry serve` (a subprocess on a loopback port, on its own
database beside the test database: PostgreSQL or SQLite), the way an outside reviewer runs it:
the schemathesis command line, every phase (examples, coverage, fuzzing, stateful) and both
positive and negative data. The in-process run (test_schemathesis.py) never saw the database
errors a real server and driver give (ids past INTEGER, NUL in text on PostgreSQL).

Two runs, a bounded budget (a few thousand cases in all):
- the JSON API, signed in as a consumer (cookie and CSRF header) and with a company API token,
  every check schemathesis has except positive_data_acceptance (a schema-valid but refused value,
  such as from > to, is a documented 4xx);
- the HTML pages (GET), anonymous, for server errors only (their 200s are HTML, not the schema's
  JSON placeholder).
"""

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from tests.security.live import live_server
from tests.security.world import build
from tests.support.factories import PASSWORD

ST = str(Path(sys.executable).with_name("schemathesis"))
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SEED = "20261204"


def _signed_in(base: str, email: str) -> tuple[str, str]:
    """Log in through the form as a browser does: the session cookie and a CSRF token."""
    with httpx.Client(base_url=base) as browser:
        token = CSRF.search(browser.get("/login").text).group(1)
        done = browser.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
        )
        assert done.status_code in (200, 303), done.text[-500:]
        csrf = CSRF.search(browser.get("/me/settings").text).group(1)
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    return cookie, csrf


def _run(schema_url: str, *args: str, cwd: Path) -> tuple[int, str, int]:
    """One `schemathesis run`, in ``cwd``: its crash cache (replayed first by later runs)
    stays out of the working tree, so every run is the same fresh, seeded run."""
    result = subprocess.run(  # noqa: S603 - our own virtualenv's schemathesis
        [
            ST,
            "run",
            schema_url,
            "--phases=examples,coverage,fuzzing,stateful",
            "--mode=all",
            f"--seed={SEED}",
            "--no-shrink",
            "--workers=1",  # the coverage phase is not thread-safe on Python 3.11 (AST recursion)
            "--request-timeout=20",
            "--suppress-health-check=all",
            "--continue-on-failure",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=cwd,
    )
    output = result.stdout + result.stderr
    cases = sum(int(n) for n in re.findall(r"(\d+) generated", output))
    return result.returncode, output, cases


@pytest.mark.live_server
def test_schemathesis_against_a_running_server(tmp_path: Path) -> None:
    env = {"OUTCRY_RATELIMIT_ENABLED": "false"}  # tens of thousands of requests from one address
    with live_server(env=env) as server:
        with Session(server.engine, expire_on_commit=False) as session:
            world = build(session)
        cookie, csrf = _signed_in(server.url, world.users["owner"].email)
        schema = f"{server.url}/api/openapi.json"

        api_code, api_out, api_cases = _run(
            schema,
            "--include-path-regex=^/api/",
            "--checks=all",
            # positive_data_acceptance: a schema-valid but refused value (from > to) is a
            # documented 4xx. allow_header_conformance: Starlette's 405 lists the methods of the
            # one route it matched, not of every route on the path.
            "--exclude-checks=positive_data_acceptance,allow_header_conformance",
            "--max-examples=40",
            f"--header=Cookie: {cookie}",
            f"--header=X-CSRF-Token: {csrf}",
            f"--header=Authorization: Bearer {world.api_token}",
            cwd=tmp_path,
        )
        log = server.tail()
    # The published schema lists only the JSON API; every HTML route is driven with hostile
    # record numbers and bodies by test_malformed_requests.py and the authorization matrix.
    print(f"\nschemathesis (live server): {api_cases} API cases")
    assert api_cases >= 1000, api_out[-3000:]
    assert api_code == 0, api_out[-8000:] + "\n--- server log ---\n" + log
