"""Notifications: email through the outbox, sent by the worker."""
