"""Takedown notices: the procedure, its calendar, its mail and its jobs."""
