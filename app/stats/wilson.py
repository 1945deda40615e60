"""Wilson score interval for a binomial proportion.

Chosen over the normal ("Wald") interval because it stays inside [0, 1] and is honest at
0%, 100% and small n, which is exactly where small companies live.
"""

from __future__ import annotations

import math


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """Return the (low, high) Wilson interval for ``successes`` out of ``n``; None when n == 0."""
    if n <= 0:
        return None
    if successes < 0 or successes > n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = (z / denom) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # Clamp float noise so 0/n gives exactly 0.0 and n/n exactly 1.0.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)
