"""A company's staff: claiming it, the dashboard, the team, saved replies, integrations."""
