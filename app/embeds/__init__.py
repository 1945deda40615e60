"""Things other sites embed: SVG badges, oEmbed and its complaint cards."""
