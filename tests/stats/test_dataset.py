"""The nightly public dataset: its files carry the site's numbers, open in the tools they are
for, hold nothing private, verify against their checksums and are served with the right types."""

import csv
import hashlib
import io
import json
import sqlite3
import zipfile
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlmodel import Session

from app.clock import utcnow
from app.config import get_settings
from app.models.complaint import InternalNote, Message, Side, Visibility
from app.models.moderation import MessageModeration
from app.stats import aggregates, dataset, jobs
from app.stats.dataset_columns import FILES, TABLES
from app.tasks import PERIODIC, TASKS
from tests.support.factories import login, make_complaint, make_user

PRIVATE = (
    "ACCT-SECRET-4242",
    "VIP-NOTE-77",
    "private-person@example.org",
    "Quietly unlisted complaint",
    "Hidden by a moderator",
    "ORIGINAL-TEXT-9911",
    "MODERATED-REPLY-3131",
    "private_reference",
    "original_",
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(get_settings(), "dataset_dir", str(tmp_path / "public"))
    return tmp_path / "public"


@pytest.fixture
def seeded(db: Session, board) -> dict:
    author = make_user(db, email="private-person@example.org", name="Pat Private")
    secret = make_complaint(
        db, author, company_name="Alpha Co", title="Router never arrived",
        private_reference="ACCT-SECRET-4242",
    )  # fmt: skip
    db.add(InternalNote(complaint_id=secret.id, body="Internal: customer is a VIP-NOTE-77"))
    unlisted = make_complaint(db, company_name="Alpha Co", title="Quietly unlisted complaint")
    unlisted.visibility = Visibility.UNLISTED
    hidden = make_complaint(db, company_name="Alpha Co", title="Hidden by a moderator")
    hidden.visibility = Visibility.HIDDEN
    reply = Message(
        complaint_id=secret.id, side=Side.COMPANY, body="We have refunded you.",
        signature="Dana Ortiz, Support", original_body="ORIGINAL-TEXT-9911",
    )  # fmt: skip
    moderated = Message(complaint_id=secret.id, side=Side.CONSUMER, body="MODERATED-REPLY-3131")
    on_unlisted = Message(
        complaint_id=unlisted.id, side=Side.CONSUMER, body="Quietly unlisted complaint"
    )
    db.add_all([unlisted, hidden, reply, moderated, on_unlisted])
    db.flush()
    db.add(
        MessageModeration(
            message_id=moderated.id, complaint_id=secret.id,
            visibility=Visibility.HIDDEN, reason="abuse",
        )
    )  # fmt: skip
    for company in board.values():
        aggregates.refresh_company(session=db, company_id=company.id)
    db.commit()
    return {"secret": secret, "reply": reply}


def _build(db: Session, now=None) -> dataset.Build:
    return dataset.build(db.connection(), now=now)


def _csv_tables(path: Path) -> dict[str, list[dict]]:
    with zipfile.ZipFile(path) as z:
        return {
            name.removesuffix(".csv"): list(csv.DictReader(io.TextIOWrapper(z.open(name), "utf-8")))
            for name in z.namelist()
        }


def test_files_reproduce_the_sites_numbers(client, db, seeded, data_dir) -> None:
    built = _build(db)
    tables = _csv_tables(built.path / "outcry-csv.zip")
    assert set(tables) == {t.name for t in TABLES}
    board_rows = client.get("/leaderboards.json", params={"window": "all"}).json()["rows"]
    listed_rows = list(csv.DictReader(io.StringIO(client.get("/data/complaints.csv").text)))
    slug_of = {c["id"]: c["slug"] for c in tables["companies"]}
    filed = {
        slug_of[s["company_id"]]: int(s["filed"])
        for s in tables["company_stats"]
        if s["window"] == "all" and s["category"] == ""
    }
    for row in board_rows:  # the leaderboard's count (hidden and unlisted ones included)
        assert filed[row["company_slug"]] == row["filed"], row["company_slug"]
    assert filed["alpha-co"] == 7  # 4 + the private-reference one + unlisted + hidden
    for slug in filed:  # the listed complaints: what the complaint export and lists show
        in_dataset = sum(r["company_slug"] == slug for r in tables["complaints"])
        assert in_dataset == sum(r["company_slug"] == slug for r in listed_rows)
    assert sum(r["company_slug"] == "alpha-co" for r in tables["complaints"]) == 5
    [reply] = tables["messages"]
    assert reply["body"] == "We have refunded you." and reply["side"] == "company"
    assert {r["sector"] for r in tables["industries"]} >= {r["sector"] for r in tables["companies"]}
    assert built.rows["complaints"] == len(tables["complaints"])


def test_sqlite_and_parquet_open_with_every_table_and_column(db, seeded, data_dir) -> None:
    built = _build(db)
    conn = sqlite3.connect(built.path / "outcry.sqlite")
    for table in TABLES:
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table.name}")')]
        assert columns == table.names
        count = conn.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]  # noqa: S608
        assert count == built.rows[table.name]
        parquet = pq.read_table(built.path / f"{table.name}.parquet")
        assert parquet.column_names == table.names
        assert parquet.num_rows == count
    alpha = conn.execute(
        "SELECT count(*) FROM complaints c JOIN companies co ON co.slug = c.company_slug "
        "WHERE co.slug = 'alpha-co'"
    ).fetchone()[0]
    assert alpha == 5
    created = pq.read_table(built.path / "complaints.parquet").column("created_at")
    assert str(created.type) == "timestamp[us, tz=UTC]"
    meta = json.loads((built.path / "metadata.json").read_text())
    assert meta["license"] == "CC BY 4.0"
    described = meta["databases"]["outcry"]["tables"]["complaints"]["columns"]
    assert set(described) == set(TABLES[0].names)


def test_no_private_or_unlisted_content_in_any_file(db, seeded, data_dir) -> None:
    built = _build(db)
    blobs = {name: (built.path / name).read_bytes() for name in FILES}
    with zipfile.ZipFile(built.path / "outcry-csv.zip") as z:  # compressed: read inside
        blobs |= {n: z.read(n) for n in z.namelist()}
    conn = sqlite3.connect(built.path / "outcry.sqlite")
    dump = "\n".join(conn.iterdump()).encode()
    parquets = b"".join(
        json.dumps(
            pq.read_table(built.path / f"{t.name}.parquet").to_pylist(), default=str
        ).encode()
        for t in TABLES
    )
    for name, blob in {**blobs, "sqlite dump": dump, "parquet rows": parquets}.items():
        for private in PRIVATE:
            if name == "DICTIONARY.md" and private == "original_":
                continue
            assert private.encode() not in blob, (name, private)
    assert b"Router never arrived" in dump and b"Router never arrived" in parquets


def test_checksums_match_and_archives_are_kept_and_pruned(
    db, seeded, data_dir, monkeypatch
) -> None:
    monkeypatch.setattr(get_settings(), "dataset_keep", 2)
    now = utcnow()
    for days in (3, 2, 1, 0):
        built = _build(db, now=now - timedelta(days=days))
    again = _build(db, now=now)  # the same day twice: replaced, not duplicated
    assert again.path == built.path
    assert dataset.archives() == [(now - timedelta(days=d)).date().isoformat() for d in (0, 1)]
    assert not [p for p in (data_dir / "archive").iterdir() if p.name.startswith(".")]
    sums = dataset.checksums(again.day)
    assert set(sums) == set(FILES) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256((again.path / name).read_bytes()).hexdigest() == digest


def test_data_page_and_downloads(client, db, seeded, data_dir) -> None:
    assert "not run yet" in client.get("/data").text
    assert client.get("/data/latest/outcry.sqlite").status_code == 404
    built = _build(db)
    page = client.get("/data")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert built.day in page.text and "CC BY 4.0" in page.text
    assert "datasette outcry.sqlite --metadata metadata.json" in page.text
    assert dataset.checksums(built.day)["outcry.sqlite"] in page.text
    assert page.headers["cache-control"].startswith("public") and page.headers["etag"]
    again = client.get("/data", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304
    expected = {
        "outcry-csv.zip": "application/zip",
        "outcry.sqlite": "application/vnd.sqlite3",
        "complaints.parquet": "application/vnd.apache.parquet",
        "metadata.json": "application/json",
        "SHA256SUMS": "text/plain; charset=utf-8",
        "LICENCE.txt": "text/plain; charset=utf-8",
    }
    for name, media in expected.items():
        latest = client.get(f"/data/latest/{name}")
        assert latest.status_code == 200, name
        assert latest.headers["content-type"] == media
        assert latest.headers["cache-control"] == "public, max-age=3600"
        assert latest.content == (built.path / name).read_bytes()
        dated = client.get(f"/data/archive/{built.day}/{name}")
        assert dated.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert dated.content == latest.content
    assert "attachment" in client.get("/data/latest/outcry.sqlite").headers["content-disposition"]
    for bad in ("/data/latest/..%2F..%2Fetc%2Fpasswd", "/data/latest/other.txt",
                f"/data/archive/{built.day}x/outcry.sqlite", "/data/archive/2001-01-01/SHA256SUMS"):  # fmt: skip
        assert client.get(bad).status_code == 404, bad
    for linking in ("/methodology", "/leaderboards", "/"):
        assert 'href="/data"' in client.get(linking).text, linking


def test_a_signed_in_data_page_is_not_publicly_cached(client, db, data_dir) -> None:
    login(client, make_user(db))
    assert client.get("/data").headers["cache-control"] == "private, no-store"


def test_the_nightly_task_is_registered() -> None:
    assert TASKS[jobs.DATASET] is jobs.dataset_job
    assert any(p.kind == jobs.DATASET and p.every == timedelta(days=1) for p in PERIODIC)
