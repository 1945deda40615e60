"""Moderation: reports, the moderators' queue, actions with statements of reasons, the public log."""
