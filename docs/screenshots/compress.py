"""Shrink screenshots to 256-colour PNGs (about a quarter of the size; text stays sharp).

.venv/bin/python docs/screenshots/compress.py docs/screenshots/after
"""

import sys
from pathlib import Path

from PIL import Image

for path in Path(sys.argv[1]).glob("*.png"):
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
