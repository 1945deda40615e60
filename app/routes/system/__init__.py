"""For machines, not people: health, readiness and metrics, and load-test baselines."""
