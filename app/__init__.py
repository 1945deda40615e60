"""Outcry: public complaint tickets that companies answer in the open."""
