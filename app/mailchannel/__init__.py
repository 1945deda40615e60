"""Email as a channel: companies that never sign up are mailed each complaint from a reply
address of its own, and answer by replying (docs/email-channel.md).

- tokens.py: reply addresses (reply+<token>@OUTCRY_MAIL_DOMAIN) and the threads they open
- directory.py: companies' complaints addresses, suggested, approved, scored, retired
- outbound.py: what is mailed and when (listener); send.py: the worker's SMTP delivery, DKIM
- store.py: inbound mail kept raw first, from either door (mail-in receiver, POST /inbound/email)
- parse.py, classify.py, authenticate.py: the reply's text, auto-replies and bounces, the sender
- process.py: the worker turns stored mail into answers, timeline entries or held mail
- pen.py: the moderators' holding pen
- choice.py: a claimed company's choice of answering by email (its owners' setting)
"""
