"""Words and markup shared by pages, mail, feeds and posts: times and counts in words,
Markdown to safe HTML, record numbers as typed, validation errors in plain words. Below the
domain packages: it imports nothing of Outcry's but the clock."""
