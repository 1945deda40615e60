"""The JSON API v1 (public and company-side) and its documentation."""
