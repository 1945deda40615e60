"""The broadcaster's network layer: cross-posting complaint milestones and resolutions.

The scheduler (which complaints, when, outbox jobs, /broadcasts) builds a network-neutral ``Post``
and hands it to each configured adapter; adding a network means adding one adapter module.

- ``base``: ``Post`` / ``Link`` / ``Mention`` / ``Thread`` / ``RemoteRef`` values, the ``Adapter``
  protocol, the errors (``RateLimited``, ``PermanentError``, ``TemporaryError``) and ``outcome_for``
  which maps them to the outbox's ``Outcome``.
- ``layout``: fits a post into a network's limits (graphemes, bytes, URLs as 23) and locates its
  links and mentions by UTF-8 byte offsets.
- ``bluesky``, ``mastodon``, ``webhook``: the real networks. ``dryrun``: nothing leaves the
  machine. ``fake``: an in-memory network for tests.
- ``sessions``: where the Bluesky login is kept between restarts.
- ``networks.configured_adapters()``: the adapters the settings ask for (dry run if none).
"""
