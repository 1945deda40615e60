"""Helpdesk integration: API tokens for the company-side JSON API, and signed webhooks."""
