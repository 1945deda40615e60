"""Search for journalists: full text (SQLite FTS5 or PostgreSQL) plus filters, one interface."""
