"""The nightly public dataset: every table of app/stats/dataset_columns.py written as CSV (one
zip), one SQLite file for Datasette (with its metadata.json), and one Parquet file per table, with
a data dictionary, the licence and SHA-256 checksums.

A build reads each table once, in batches, and writes every format from the same batch, so
memory stays bounded. It writes into a temporary folder beside the archive and renames it into
place (``<dir>/archive/YYYY-MM-DD``) only when complete: a reader never sees half a build.
"latest" is the newest complete archive; older ones beyond ``dataset_keep`` are removed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from app.clock import utcnow
from app.config import get_settings
from app.db import for_reading
from app.stats import dataset_rows
from app.stats.dataset_columns import (
    CHECKSUMS,
    CSV_ZIP,
    DICTIONARY,
    FILES,
    LICENCE,
    LICENCE_FILE,
    LICENCE_URL,
    METADATA,
    SQLITE,
    TABLES,
    TITLE,
    Table,
    datasette_metadata,
    dictionary_markdown,
)
from app.stats.export import csv_cell
from app.writegate import give_way

DATE_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CHUNK = 1000  # rows per write: one batch in memory at a time
_SQL_TYPES = {"int": "INTEGER", "float": "REAL", "bool": "INTEGER", "text": "TEXT", "time": "TEXT"}
_ARROW_TYPES = {
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "text": pa.string(),
    "time": pa.timestamp("us", tz="UTC"),
}


@dataclass(frozen=True)
class Build:
    day: str
    path: Path
    rows: dict[str, int]


def root() -> Path:
    return Path(get_settings().dataset_dir)


def archive_dir() -> Path:
    return root() / "archive"


def archives() -> list[str]:
    """The complete builds' dates, newest first."""
    folder = archive_dir()
    if not folder.is_dir():
        return []
    return sorted((p.name for p in folder.iterdir() if DATE_NAME.match(p.name)), reverse=True)


def latest() -> str | None:
    found = archives()
    return found[0] if found else None


def file_path(day: str, name: str) -> Path | None:
    """The file of one build, or None: only the dataset's own names and dates are served."""
    if name not in FILES or not DATE_NAME.match(day):
        return None
    path = archive_dir() / day / name
    return path if path.is_file() else None


def checksums(day: str) -> dict[str, str]:
    path = file_path(day, CHECKSUMS)
    if path is None:
        return {}
    pairs = (line.split("  ", 1) for line in path.read_text().splitlines() if line)
    return {name: digest for digest, name in pairs}


def _time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _typed(table: Table, row: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for column in table.columns:
        value: Any = row.get(column.name)
        if column.type == "time":
            out.append(_time(value))
        elif hasattr(value, "value"):  # enums
            out.append(value.value)
        else:
            out.append(value)
    return out


def _sql_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _write_table(
    table: Table,
    rows: Iterable[dict[str, Any]],
    *,
    archive: zipfile.ZipFile,
    db: sqlite3.Connection,
    folder: Path,
) -> int:
    schema = pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in table.columns])
    columns = ", ".join(f'"{c.name}" {_SQL_TYPES[c.type]}' for c in table.columns)
    db.execute(f'CREATE TABLE "{table.name}" ({columns})')
    # Names come from dataset_columns.py, never from input; values are bound parameters.
    insert = f'INSERT INTO "{table.name}" VALUES ({", ".join("?" * len(table.columns))})'  # noqa: S608
    count = 0
    with (
        archive.open(f"{table.name}.csv", "w", force_zip64=True) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
        pq.ParquetWriter(folder / f"{table.name}.parquet", schema) as parquet,
    ):
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(table.names)
        for chunk in _chunks(rows):
            give_way()  # a build is background work: the process's writers go first
            typed = [_typed(table, row) for row in chunk]
            writer.writerows([csv_cell(v) for v in values] for values in typed)
            db.executemany(insert, ([_sql_cell(v) for v in values] for values in typed))
            parquet.write_table(
                pa.Table.from_pylist(
                    [dict(zip(table.names, v, strict=True)) for v in typed], schema
                )
            )
            count += len(chunk)
        if count == 0:
            parquet.write_table(schema.empty_table())
    return count


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _licence_text(base_url: str, now: datetime) -> str:
    return (
        f"{TITLE}\nBuilt {now.isoformat()} from {base_url}\n\n"
        f"The data is published under the Creative Commons Attribution 4.0 International licence "
        f"({LICENCE}): {LICENCE_URL}\nYou may share and adapt it for any purpose, provided you "
        f"credit Outcry ({base_url}) and say if you changed it.\n\n"
        "Complaints are people's own accounts, published with personal details masked; they are "
        "allegations, not findings.\n"
    )


def build(engine: Engine | Connection, now: datetime | None = None) -> Build:
    """Write today's dataset and make it the latest. Rebuilding the same day replaces it."""
    now = now or utcnow()
    day = now.date().isoformat()
    settings = get_settings()
    archive_dir().mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=archive_dir()))
    try:
        rows = _write_all(engine, work, now)
        (work / METADATA).write_text(
            json.dumps(datasette_metadata(settings.base_url + "/data"), indent=2)
        )
        (work / DICTIONARY).write_text(dictionary_markdown())
        (work / LICENCE_FILE).write_text(_licence_text(settings.base_url, now))
        sums = [f"{_sha256(work / n)}  {n}\n" for n in FILES if n != CHECKSUMS]
        (work / CHECKSUMS).write_text("".join(sums))
        work.chmod(0o755)
        target = archive_dir() / day
        if target.exists():  # a second build today: swap the old one out, then remove it
            old = target.with_name(f".old-{day}-{now.timestamp():.0f}")
            target.rename(old)
            work.rename(target)
            shutil.rmtree(old)
        else:
            work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    prune(keep=settings.dataset_keep)
    return Build(day=day, path=target, rows=rows)


def _write_all(engine: Engine | Connection, work: Path, now: datetime) -> dict[str, int]:
    counts: dict[str, int] = {}
    db = sqlite3.connect(work / SQLITE)
    try:
        with (
            zipfile.ZipFile(work / CSV_ZIP, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            Session(for_reading(engine)) as session,  # reads only: no write lock
        ):
            for table in TABLES:
                rows = dataset_rows.READERS[table.name](session=session, now=now)
                counts[table.name] = _write_table(table, rows, archive=archive, db=db, folder=work)
                db.commit()
        db.execute("VACUUM")
    finally:
        db.close()
    return counts


def prune(*, keep: int) -> list[str]:
    """Remove the archives beyond the newest ``keep`` (and any abandoned temporary folder)."""
    removed = archives()[keep:]
    for day in removed:
        shutil.rmtree(archive_dir() / day, ignore_errors=True)
    for stale in archive_dir().glob(".building-*"):
        if stale.stat().st_mtime < utcnow().timestamp() - 86_400:
            shutil.rmtree(stale, ignore_errors=True)
    return removed
