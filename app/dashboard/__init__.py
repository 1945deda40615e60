"""The company dashboard: the reps' queue of complaints and their saved replies."""
