"""The broadcaster: cross-posts milestones and resolutions to social networks (to come)."""
