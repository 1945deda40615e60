"""The expected authorization outcome of every route, by role (see test_authz_matrix.py).

Roles: anonymous; owner (wrote the complaint); stranger (another consumer); rep (owner-role member
of the complaint's company); other_rep (member of another company); moderator; admin. A route the
table does not know fails the suite. Reviewed by hand against the observed behaviour.
"""

ROLES = ("anonymous", "owner", "stranger", "rep", "other_rep", "moderator", "admin")


def _by_role(*outcomes: str) -> dict[str, str]:
    return dict(zip(ROLES, outcomes, strict=True))


PUBLIC = _by_role(*["ok"] * 7)
# Unguessable tokens and ids in links: a guessed one gets nothing, whoever asks.
GUESSED_TOKEN = _by_role(*["missing"] * 7)
SIGNED_IN = _by_role("login", *["ok"] * 6)
ADMIN = _by_role("login", *["forbidden"] * 5, "ok")
MODERATOR = _by_role("login", *["forbidden"] * 4, "ok", "ok")
# The company's own representatives only; admins and moderators do not act for companies.
COMPANY = _by_role("login", "forbidden", "forbidden", "ok", "forbidden", "forbidden", "forbidden")
# Admins read a company's dashboard (read only, without private references or internal notes).
COMPANY_READ = _by_role("login", "forbidden", "forbidden", "ok", "forbidden", "forbidden", "ok")
# Bearer-token API: a browser's cookie never counts, whoever it belongs to.
BEARER_ONLY = _by_role(*["login"] * 7)
# Someone else's claim does not exist for you.
CLAIMANT = _by_role("login", "missing", "missing", "ok", "missing", "missing", "missing")

PARAMS: dict[str, dict[str, str]] = {
    "*": {
        "action": "follow-up",
        "decision": "approve",
        "change": "disable",
        "token": "not-a-real-token",
        "month": "2026-10",
        "category": "billing",
        "name": "monthly",
        "inbound_id": "987654",
        "day": "2026-10-01",
        "address_id": "987654",
    },
    "/moderation/complaints/{complaint_id}/{action}": {"action": "unlist"},
    "/moderation/messages/{message_id}/{action}": {"action": "hide"},
    "/moderation/users/{user_id}/{action}": {"action": "suspend"},
    "/r/{token}/{action}": {"action": "confirm"},
    "/trends/charts/{name}.svg": {"name": "trend_counts"},
}

EXPECTED: dict[str, dict[str, str]] = {
    "GET /": PUBLIC,
    "GET /about": PUBLIC,
    "GET /contact": PUBLIC,
    "GET /favicon.ico": PUBLIC,
    "GET /privacy": PUBLIC,
    "GET /terms": PUBLIC,
    "GET /account/email/confirm/{token}": GUESSED_TOKEN,
    "POST /account/email/confirm/{token}": GUESSED_TOKEN,
    "GET /login/link": PUBLIC,
    "POST /login/link": PUBLIC,
    "GET /login/link/{token}": GUESSED_TOKEN,
    "POST /login/link/{token}": GUESSED_TOKEN,
    "GET /account/forgot": PUBLIC,
    "POST /account/forgot": PUBLIC,
    "GET /account/reset/{token}": GUESSED_TOKEN,
    "POST /account/reset/{token}": GUESSED_TOKEN,
    "GET /account/verify/{token}": GUESSED_TOKEN,
    "POST /account/verify/{token}": GUESSED_TOKEN,
    "GET /admin": ADMIN,
    "GET /admin/claims": ADMIN,
    "GET /admin/companies": ADMIN,
    "POST /admin/companies/merge": ADMIN,
    "POST /admin/claims/{claim_id}/{decision}": ADMIN,
    "POST /admin/companies/domain": ADMIN,
    "GET /admin/jobs": ADMIN,
    "POST /admin/jobs/{job_id}/retry": ADMIN,
    "GET /admin/redaction": ADMIN,
    "POST /admin/redaction": ADMIN,
    "POST /admin/redaction/{rule_id}": ADMIN,
    "POST /admin/redaction/{rule_id}/delete": ADMIN,
    "GET /api/docs": PUBLIC,
    "GET /api/openapi.json": PUBLIC,
    "GET /api/v1/companies": PUBLIC,
    "GET /api/v1/companies/{company_id}": PUBLIC,
    "GET /api/v1/companies/{company_id}/stats": PUBLIC,
    "GET /api/v1/company/complaints": BEARER_ONLY,
    "GET /api/v1/company/complaints/{complaint_id}": BEARER_ONLY,
    "POST /api/v1/company/complaints/{complaint_id}/replies": BEARER_ONLY,
    "POST /api/v1/company/complaints/{complaint_id}/resolve": BEARER_ONLY,
    "POST /api/v1/company/complaints/{complaint_id}/assignment": BEARER_ONLY,
    "GET /api/v1/company/complaints/{complaint_id}/messages/{message_id}": BEARER_ONLY,
    "GET /api/v1/company/complaints/{complaint_id}/notes": BEARER_ONLY,
    "POST /api/v1/company/complaints/{complaint_id}/notes": BEARER_ONLY,
    "GET /api/v1/company/complaints/{complaint_id}/notes/{note_id}": BEARER_ONLY,
    "PATCH /api/v1/company/complaints/{complaint_id}/notes/{note_id}": BEARER_ONLY,
    "GET /api/v1/company/members": BEARER_ONLY,
    "GET /api/v1/complaints": PUBLIC,
    "POST /api/v1/complaints": PUBLIC,
    "GET /api/v1/complaints/{complaint_id}": PUBLIC,
    "GET /api/v1/leaderboard": PUBLIC,
    "GET /broadcasts": PUBLIC,
    "GET /claims/{claim_id}": CLAIMANT,
    "POST /claims/{claim_id}/send-code": CLAIMANT,
    "POST /claims/{claim_id}/verify": CLAIMANT,
    "GET /companies": PUBLIC,
    "GET /companies/suggest": PUBLIC,
    "GET /companies/{slug}": PUBLIC,
    "GET /companies/{slug}/badge.svg": PUBLIC,
    "GET /companies/{slug}/charts/{name}.svg": PUBLIC,
    "GET /companies/{slug}/claim": SIGNED_IN,
    "POST /companies/{slug}/claim": SIGNED_IN,
    "GET /companies/{slug}/feed.atom": PUBLIC,
    "GET /companies/{slug}/issues/{issue_id}": GUESSED_TOKEN,
    "GET /companies/{slug}/moderation": PUBLIC,
    "GET /companies/{slug}/stats": PUBLIC,
    "GET /trends": PUBLIC,
    "GET /trends/charts/{name}.svg": PUBLIC,
    # Anyone may read a company's complaints addresses and their delivery record; suggesting
    # one needs an account (moderators approve it).
    "GET /companies/{slug}/complaints-address": SIGNED_IN,
    "POST /companies/{slug}/complaints-address": SIGNED_IN,
    # The company's own reps and admins set its industry (audited).
    "POST /companies/{slug}/sector": _by_role(
        "login", "forbidden", "forbidden", "ok", "forbidden", "forbidden", "ok"
    ),
    # The consumer confirms an emailed answer that masking changed; an id not theirs is missing.
    "GET /complaints/{complaint_id}/mail/{inbound_id}": _by_role("login", *["missing"] * 6),
    "POST /complaints/{complaint_id}/mail/{inbound_id}": _by_role("login", *["missing"] * 6),
    # A mail provider's inbound webhook: without the configured shared secret it does not exist,
    # whoever asks (a browser's cookie never counts).
    "POST /inbound/email": GUESSED_TOKEN,
    "GET /complaints/new": SIGNED_IN,
    "POST /complaints/new": SIGNED_IN,
    "GET /complaints/{complaint_id}": PUBLIC,
    "GET /complaints/{complaint_id}/badge.svg": PUBLIC,
    "GET /complaints/{complaint_id}/card": PUBLIC,
    "GET /complaints/{complaint_id}/feed.atom": PUBLIC,
    # What was typed belongs to whoever typed it (the world's rep replied, so reads that reply);
    # someone else's original is not there for you: no answer tells it exists.
    "GET /complaints/{complaint_id}/original": _by_role(
        "login", "ok", "missing", "ok", "missing", "ok", "ok"
    ),
    "POST /complaints/{complaint_id}/{action}": _by_role(
        "login", "ok", "forbidden", "forbidden", "forbidden", "forbidden", "forbidden"
    ),
    "GET /dashboard": SIGNED_IN,
    "GET /dashboard/{slug}": COMPANY_READ,
    "GET /dashboard/{slug}/complaints/{complaint_id}": COMPANY_READ,
    "POST /dashboard/{slug}/complaints/{complaint_id}/assign": COMPANY,
    "POST /dashboard/{slug}/complaints/{complaint_id}/note": COMPANY,
    # The world's note is the rep's own; another rep of the company is refused (403).
    "POST /dashboard/{slug}/complaints/{complaint_id}/notes/{note_id}/edit": COMPANY,
    "POST /dashboard/{slug}/complaints/{complaint_id}/reply": COMPANY,
    "POST /dashboard/{slug}/complaints/{complaint_id}/resolve": COMPANY,
    "POST /dashboard/{slug}/complaints/{complaint_id}/use-saved": COMPANY,
    "POST /dashboard/{slug}/bulk": COMPANY,
    "GET /dashboard/{slug}/integrations": COMPANY,
    "POST /dashboard/{slug}/integrations/deliveries/{job_id}/retry": _by_role(
        "login", "forbidden", "forbidden", "missing", "forbidden", "forbidden", "forbidden"
    ),
    "POST /dashboard/{slug}/integrations/tokens": COMPANY,
    "POST /dashboard/{slug}/integrations/tokens/{token_id}/revoke": COMPANY,
    "POST /dashboard/{slug}/integrations/webhooks": COMPANY,
    "POST /dashboard/{slug}/integrations/webhooks/{webhook_id}/{change}": COMPANY,
    "POST /dashboard/{slug}/invitations/{invitation_id}/cancel": COMPANY,
    "GET /dashboard/{slug}/me": COMPANY,
    "POST /dashboard/{slug}/me": COMPANY,
    "GET /dashboard/{slug}/members": COMPANY,
    "POST /dashboard/{slug}/members/invite": COMPANY,
    "POST /dashboard/{slug}/members/{member_id}/revoke": COMPANY,
    "POST /dashboard/{slug}/members/{member_id}/role": COMPANY,
    "GET /dashboard/{slug}/profile": COMPANY,
    "POST /dashboard/{slug}/profile": COMPANY,
    "GET /dashboard/{slug}/email": COMPANY,
    "POST /dashboard/{slug}/email": COMPANY,
    "GET /dashboard/{slug}/saved-replies": COMPANY,
    "GET /dashboard/{slug}/next": COMPANY_READ,
    "GET /dashboard/{slug}/team": COMPANY,
    "POST /dashboard/{slug}/team/routing": COMPANY,
    "POST /dashboard/{slug}/views": COMPANY,
    "POST /dashboard/{slug}/views/{view_id}/delete": COMPANY,
    "GET /dashboard/{slug}/team/report": COMPANY,
    "GET /dashboard/{slug}/team/report.csv": COMPANY,
    "POST /dashboard/{slug}/saved-replies": COMPANY,
    "GET /dashboard/{slug}/saved-replies/{saved_id}": COMPANY,
    "POST /dashboard/{slug}/saved-replies/{saved_id}": COMPANY,
    "POST /dashboard/{slug}/saved-replies/{saved_id}/delete": COMPANY,
    "GET /data/complaints.csv": PUBLIC,
    "GET /data/complaints.json": PUBLIC,
    "GET /dev/mail": GUESSED_TOKEN,
    "GET /dev/mail/{job_id}": GUESSED_TOKEN,
    "GET /dev/mail/{job_id}/html": GUESSED_TOKEN,
    "GET /feeds/category/{category}.atom": PUBLIC,
    "GET /feeds/complaints.atom": PUBLIC,
    "GET /healthz": PUBLIC,
    "GET /invitations/{token}": GUESSED_TOKEN,
    "POST /invitations/{token}": _by_role(
        "login", "missing", "missing", "missing", "missing", "missing", "missing"
    ),
    "GET /leaderboards": PUBLIC,
    "GET /leaderboards/ignored": PUBLIC,
    # The public dataset: the page for everyone; a file that was never built is missing.
    "GET /data": PUBLIC,
    "GET /data/latest/{name}": GUESSED_TOKEN,
    "GET /data/archive/{day}/{name}": GUESSED_TOKEN,
    "GET /leaderboards.csv": PUBLIC,
    "GET /leaderboards.json": PUBLIC,
    "GET /leaderboards/snapshots": PUBLIC,
    "GET /leaderboards/{month}": GUESSED_TOKEN,
    "GET /leaderboards/{month}.csv": GUESSED_TOKEN,
    "GET /leaderboards/{month}.json": GUESSED_TOKEN,
    "GET /login": PUBLIC,
    "POST /login": BEARER_ONLY,
    "POST /logout": PUBLIC,
    "GET /me/account": SIGNED_IN,
    "POST /me/account/email": SIGNED_IN,
    "POST /me/account/password": _by_role(
        "login", "forbidden", "forbidden", "forbidden", "forbidden", "forbidden", "forbidden"
    ),
    "POST /me/account/verify": SIGNED_IN,
    "GET /me/complaints": SIGNED_IN,
    "GET /me/settings": SIGNED_IN,
    "POST /me/settings": SIGNED_IN,
    "GET /methodology": PUBLIC,
    "GET /metrics": PUBLIC,
    "GET /moderation": MODERATOR,
    "GET /moderation/mail": MODERATOR,
    # Held mail and suggested addresses: a moderator's decision on an id that is not there finds
    # nothing; everyone else is refused before the id is read.
    "POST /moderation/mail/{inbound_id}/{decision}": _by_role(
        "login", "forbidden", "forbidden", "forbidden", "forbidden", "missing", "missing"
    ),
    "POST /moderation/mail-addresses/{address_id}/{decision}": _by_role(
        "login", "forbidden", "forbidden", "forbidden", "forbidden", "missing", "missing"
    ),
    "GET /moderation/complaints/{complaint_id}": MODERATOR,
    "POST /moderation/complaints/{complaint_id}/{action}": MODERATOR,
    "POST /moderation/messages/{message_id}/{action}": MODERATOR,
    "GET /moderation/notices": _by_role(
        "login", "missing", "missing", "missing", "missing", "ok", "ok"
    ),
    "POST /moderation/users/{user_id}/{action}": MODERATOR,
    "GET /oembed": PUBLIC,
    "GET /r/{token}": GUESSED_TOKEN,
    "POST /r/{token}/{action}": GUESSED_TOKEN,
    "GET /readyz": _by_role(
        "unavailable",
        "unavailable",
        "unavailable",
        "unavailable",
        "unavailable",
        "unavailable",
        "unavailable",
    ),
    "POST /reports": GUESSED_TOKEN,
    "GET /reports/new": PUBLIC,
    "GET /search": PUBLIC,
    "GET /signup": PUBLIC,
    "POST /signup": PUBLIC,
    "GET /signup/sent": PUBLIC,
    "GET /takedown/new": GUESSED_TOKEN,
    "POST /takedown/new": GUESSED_TOKEN,
    "GET /takedown/status/{token}": GUESSED_TOKEN,
    "GET /takedown/{notice_id}/answer": _by_role(
        "login", "missing", "missing", "missing", "missing", "missing", "missing"
    ),
    "POST /takedown/{notice_id}/answer": _by_role(
        "login", "missing", "missing", "missing", "missing", "missing", "missing"
    ),
    "GET /unsubscribe/{token}": GUESSED_TOKEN,
    "POST /unsubscribe/{token}": GUESSED_TOKEN,
    "POST /unsubscribe/{token}/one-click": GUESSED_TOKEN,
}


def expected_for(key: str, role: str) -> set[str]:
    return {EXPECTED[key][role]}
