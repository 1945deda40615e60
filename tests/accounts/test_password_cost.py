"""Stored passwords cost an attacker what OWASP asks for, whatever the test suite uses."""

from app.accounts.service import password_hasher


def test_production_and_development_hash_with_owasp_argon2id_parameters() -> None:
    for environment in ("production", "development"):
        stored = password_hasher(environment).hash("correct horse battery")
        # argon2id, 64 MiB, 3 passes, 4 lanes (OWASP Password Storage Cheat Sheet's first option
        # is 19 MiB and 2 passes; these are stronger).
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored


def test_a_password_hashed_cheaply_still_verifies_and_is_upgraded_in_production() -> None:
    cheap = password_hasher("test").hash("correct horse battery")
    valid, upgraded = password_hasher("production").verify_and_update(
        "correct horse battery", cheap
    )
    assert valid
    assert upgraded is not None and upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
