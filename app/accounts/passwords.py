"""Password rules (OWASP ASVS 2.1, NIST SP 800-63B 5.1.1.2): 8 to 1024 characters, no
composition rules; refused when, after Unicode normalisation, it is a known breached or common
password (or one with digits and symbols stuck on), names this site, or uses the account's own
email address or name. Facts and sources: docs/security.md."""

import re
import unicodedata

from app.accounts.breached import breached

MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 takes any length; this only stops absurd request bodies
SITE_WORDS = ("outcry",)
MIN_PART = 4  # shorter parts of an email address or name are too common to refuse
# What people stick before or after a word to pass rules: "Password123!", "!!summer2024".
_AFFIX = re.compile(r"^[\d\W_]+|[\d\W_]+$")
_PARTS = re.compile(r"[^\w]+|_")


def normalize(password: str) -> str:
    """NFKC (full-width letters become ASCII, ligatures split), without invisible characters
    (format characters such as U+200B zero-width space and U+FEFF), folded to lower case."""
    text = unicodedata.normalize("NFKC", password)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return text.strip().casefold()


def _parts(*values: str) -> set[str]:
    parts: set[str] = set()
    for value in values:
        local, _, domain = normalize(value).partition("@")
        labels = domain.split(".")[:-1]  # the top-level domain says nothing about the person
        parts |= {p for p in _PARTS.split(local) + labels if len(p) >= MIN_PART}
        if len(local) >= MIN_PART:
            parts.add(local)
    return parts


def problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Why this password is refused, or None when it is acceptable."""
    if len(password) > MAX_LENGTH:
        return f"Please keep your password under {MAX_LENGTH} characters."
    folded = normalize(password)
    if len(folded) < MIN_LENGTH:
        return f"Please use at least {MIN_LENGTH} characters. A long phrase is easiest."
    root = _AFFIX.sub("", folded)
    if folded in breached() or (len(root) >= 4 and root in breached()):
        return (
            "This password is one of the most common ones or appeared in a data breach, so "
            "attackers try it first. Please choose another, e.g. a few unrelated words."
        )
    if any(word in folded for word in SITE_WORDS):
        return "Please do not use the name of this site in your password."
    if any(part in folded for part in _parts(email, display_name)):
        return "Please do not use your email address or name in your password."
    return None
