"""Personal-data redaction of public text (issue 6): see redactor.py."""
