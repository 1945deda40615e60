"""How long each periodic job holds SQLite's write lock: its longest write transaction.

    OUTCRY_ENVIRONMENT=development .venv/bin/python bench/lock_holds.py \\
        --url sqlite:////tmp/10k.db [--code /tmp/before]

Runs each job once (as the worker would, ``drain`` on a job queued for this period) on a copy
of a database made by bench/generate.py, timing every write transaction (``BEGIN IMMEDIATE`` to
commit or rollback) on the job's engine. Every filing waits for the longest of them; with
``--code`` the jobs come from another checkout (an older commit from ``git archive``).
"""

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

JOBS = [
    "broadcast.scan",
    "broadcast.digest",
    "stats.refresh_all",
    "stats.refresh",
    "stats.snapshot",
    "stats.dataset",
    "systemic.company",  # one per company, as a busy day's scan would queue
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a database made by bench/generate.py")
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--jobs", nargs="*", default=JOBS)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="outcry-holds-"))
    shutil.copy(args.url.removeprefix("sqlite:///"), work / "holds.db")
    os.environ.update(
        OUTCRY_DATABASE_URL=f"sqlite:///{work / 'holds.db'}",
        OUTCRY_DATASET_DIR=str(work / "data"),
    )
    sys.path.insert(0, str(args.code))
    from sqlalchemy import event, text
    from sqlmodel import Session

    from app.db import READ_ONLY, make_worker_engine
    from app.jobs import periodic
    from app.jobs.queue import enqueue
    from app.jobs.worker import drain
    from app.startup import wire

    wire()
    engine = make_worker_engine()
    holds: list[float] = []
    began: dict[int, float] = {}

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # after app/db.py's BEGIN IMMEDIATE: the lock is held
        if not connection.get_execution_options().get(READ_ONLY, False):
            began[id(connection)] = time.perf_counter()

    def _end(connection) -> None:
        if (start := began.pop(id(connection), None)) is not None:
            holds.append(time.perf_counter() - start)

    event.listen(engine, "commit", _end)
    event.listen(engine, "rollback", _end)
    print(f"code: {args.code}")
    for kind in args.jobs:
        with Session(engine) as session:
            if kind == "systemic.company":
                ids = session.execute(text("SELECT id FROM company ORDER BY id")).scalars()
                for company_id in ids:
                    enqueue(session=session, kind=kind, key=f"holds:{kind}:{company_id}",
                            payload={"company_id": company_id})  # fmt: skip
            else:
                every = next(p.every for p in periodic.SCHEDULE if p.kind == kind)
                period = periodic.period_of(periodic.utcnow(), every)
                enqueue(session=session, kind=kind, key=f"holds:{kind}",
                        payload={"period": period})  # fmt: skip
            session.commit()
        holds.clear()
        started = time.perf_counter()
        done = asyncio.run(drain(engine=engine, kinds=[kind]))
        took = time.perf_counter() - started
        print(
            f"{kind:20} jobs {done:3}  {took:6.2f} s  write transactions {len(holds):5}  "
            f"longest {max(holds, default=0) * 1000:7.1f} ms  "
            f"all together {sum(holds) * 1000:7.0f} ms"
        )
    engine.dispose()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
