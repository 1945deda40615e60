"""Pages anyone may read, signed in or not: complaints, companies, statistics, feeds, embeds."""
