"""Seeing, from outside, that a PostgreSQL transaction waits on a lock (tests of row locks)."""

from sqlalchemy import Engine, text


def waiting_on_a_lock(engine: Engine) -> bool:
    """True while some session of this database waits for a lock another one holds."""
    with engine.connect() as probe:
        return bool(
            probe.execute(
                text(
                    "select count(*) from pg_stat_activity where datname = current_database() "
                    "and wait_event_type = 'Lock'"
                )
            ).scalar()
        )
