"""A person's own account: signing up and in, emailed links, security, mail settings."""
