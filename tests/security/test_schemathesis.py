"""Schemathesis against /api/openapi.json, in-process: no server errors, responses match the schema.

Authenticated as a consumer (session cookie + X-CSRF-Token) and, for the company endpoints, with
a company API token. Deterministic (derandomized) with a bounded number of examples per operation.
"""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.security.world import browser, build

CASES_RUN: list[int] = [0]


def test_api(web_app, db) -> None:
    """schemathesis.pytest.from_fixture does not run on pytest 9 (it reads Function._nodeid), so
    the operations are driven here by hand with the same strategies and checks."""
    world = build(db)
    consumer = browser(web_app, db, world.users["owner"])
    cookie = "; ".join(f"{k}={v}" for k, v in consumer.cookies.items())
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", web_app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/"):
            continue  # the HTML pages are in the schema too; the matrix and XSS tests cover them
        operations += 1
        headers = {"x-csrf-token": consumer.headers["x-csrf-token"], "cookie": cookie}
        if operation.path.startswith("/api/v1/company/"):
            # Named as the schema names it, so the auth probes know what to strip.
            headers["Authorization"] = f"Bearer {world.api_token}"

        check = _checker(operation, headers)
        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # report every operation's failures
            inner = "; ".join(str(e) for e in getattr(exc, "exceptions", ()))
            failures.append(f"{operation.method.upper()} {operation.path}: {exc} {inner}"[:3000])
    print(f"\nschemathesis: {operations} operations, {CASES_RUN[0]} cases run")
    assert operations >= 8, "the API operations vanished from the schema"
    assert not failures, "\n\n".join(failures)


def _checker(operation, headers: dict[str, str]):
    @settings(
        max_examples=30,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case) -> None:
        CASES_RUN[0] += 1
        # On the case, not as call kwargs: the auth checks then know what to strip.
        case.headers = {**(case.headers or {}), **headers}
        # Schema-valid but refused (e.g. from > to, an unknown window) is a documented 4xx, not a
        # bug: the positive-data-acceptance check is left out; every other check runs.
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    return check
