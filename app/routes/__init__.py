"""HTTP routes: thin functions that parse input, call a service and render or redirect.

Grouped by who uses them: ``public`` (anyone, signed in or not), ``account`` (a person's own
account, mail settings and emailed links), ``company`` (a company's staff: dashboard, team,
claims, integrations), ``moderation`` (moderators' queues, reports, takedown, the mail holding
pen), ``admin`` (site admins), ``api`` (the JSON API and its docs) and ``system`` (machines:
health, metrics, load-test baselines)."""
