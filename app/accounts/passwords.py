"""Password rules (OWASP ASVS 2.1, NIST SP 800-63B): 8 to 1024 characters, no composition rules,
and not one of the 20,000 most common passwords (data/common-passwords.txt.gz, see its NOTICE)."""

import gzip
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 takes any length; this only stops absurd request bodies
COMMON_LIST = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Why this password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Please use at least {MIN_LENGTH} characters. A long phrase is easiest."
    if len(password) > MAX_LENGTH:
        return f"Please keep your password under {MAX_LENGTH} characters."
    folded = password.strip().lower()
    if folded in common_passwords():
        return (
            "This password is one of the most common ones, which attackers try first. "
            "Please choose another, e.g. a few unrelated words."
        )
    personal = {email.strip().lower(), email.strip().lower().split("@")[0], display_name.lower()}
    if folded in personal - {""}:
        return "Please do not use your email address or name as your password."
    return None
