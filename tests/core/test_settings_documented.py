"""Every setting an operator can set is documented where operators look for it."""

from pathlib import Path

import pytest

from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _documentation() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_setting_is_documented(name: str) -> None:
    variable = f"OUTCRY_{name.upper()}"
    assert f"`{variable}" in _documentation(), (
        f"{variable} is in app/config.py but in no documentation"
    )
