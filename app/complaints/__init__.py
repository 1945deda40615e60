"""The complaint domain: state machine, services and time-based flags."""
