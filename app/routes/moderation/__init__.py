"""Moderators: reports and the queue, notice-and-takedown, the email holding pen."""
