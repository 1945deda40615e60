"""Kaplan-Meier survival estimate for "time until the company acts".

A complaint still waiting is *censored*: we know it has waited at least this long, not how long it
will wait. Ignoring those (or treating them as done) would make slow companies look fast.

Plain arithmetic below every package: the statistics (app/stats) and the charts (app/charts)
both draw on it.
"""

from __future__ import annotations

from collections.abc import Sequence

Curve = list[tuple[float, float]]


def kaplan_meier(durations: Sequence[float], observed: Sequence[bool]) -> Curve:
    """Step points ``(time, survival)`` starting at ``(0, 1.0)``, one point per event time.

    ``observed[i]`` is True when the event happened at ``durations[i]`` and False when the
    subject was censored then. At a tie, events are counted before censorings (the usual
    convention: a complaint censored at t was still at risk at t).
    """
    if len(durations) != len(observed):
        raise ValueError("durations and observed must have the same length")
    pairs = sorted(zip(durations, observed, strict=True), key=lambda p: p[0])
    curve: Curve = [(0.0, 1.0)]
    at_risk = len(pairs)
    survival = 1.0
    i = 0
    while i < len(pairs):
        t = pairs[i][0]
        events = 0
        leaving = 0
        while i < len(pairs) and pairs[i][0] == t:
            events += 1 if pairs[i][1] else 0
            leaving += 1
            i += 1
        if events:
            survival *= 1 - events / at_risk
            curve.append((float(t), survival))
        at_risk -= leaving
    return curve


def km_quantile(curve: Curve, q: float) -> float | None:
    """Smallest time t with S(t) <= 1 - q; None when the curve never gets there ("not reached")."""
    target = 1 - q + 1e-12  # tolerance: 1 - 0.5 must match a survival of exactly 0.5
    for t, s in curve:
        if s <= target:
            return t
    return None
