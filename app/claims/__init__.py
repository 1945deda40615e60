"""Claiming a company: proving control of its domain, admin review, periodic re-verification."""
