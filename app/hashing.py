"""The one way Outcry stores bearer secrets (session cookies, links, invitations, API tokens):
only their SHA-256, so a database leak hands out nothing usable."""

import hashlib


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
