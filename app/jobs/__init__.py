"""Background jobs: the outbox queue, its handlers and the worker loop."""
