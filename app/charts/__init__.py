"""A company's statistics as charts: the numbers (data.py), SVG drawing (render.py), and an
in-process cache of the drawings (cache.py)."""
