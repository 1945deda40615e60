"""HTTP routes: thin functions that parse input, call a service and render or redirect."""
