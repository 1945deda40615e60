"""Statistics people can cite: metrics, aggregates, leaderboards and snapshots."""
