"""Site admins (User.is_admin): claims, merges, dead jobs, redaction rules."""
