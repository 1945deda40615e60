"""Systemic issues: near-identical complaints against one company, shown as one issue."""
