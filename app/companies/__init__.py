"""The company domain: lookup, fuzzy matching and headline numbers."""
