"""Atom feeds (feedgen) of listed complaints and of one complaint's timeline: public text only."""
