"""A company's visual identity when it has no logo: initials and a colour, both from its name."""

import re
import zlib

HUES = 8  # .hue-0 … .hue-7 in static/app.css, each dark enough for white initials


def initials(name: str) -> str:
    """Initials: "Maple Post" gives "MP", "Comcast" gives "CO" (first letters of two words)."""
    words = re.findall(r"\w+", name)
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[1][0]).upper()


def hue(name: str) -> int:
    """A stable colour index, the same on every page and every process (unlike ``hash``)."""
    return zlib.crc32(name.strip().lower().encode()) % HUES
