"""Accounts: users, passwords and server-side sessions."""
