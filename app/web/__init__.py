"""The web layer's shared parts: templates, CSRF, sessions, errors, middleware."""
