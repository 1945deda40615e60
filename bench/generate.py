# ruff: noqa: S608, S311, S106 - generated benchmark data: our own table names, fake secrets
"""Generate a realistic Outcry database for benchmarks: companies, consumers, reps, complaints with
their timelines, replies, contact attempts and co-signs.

    .venv/bin/python bench/generate.py --url sqlite:///bench/10k.db --complaints 10000 --companies 500
    .venv/bin/python bench/generate.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        --complaints 1000000 --companies 10000

Rows are written in bulk, past the ORM: executemany on SQLite, COPY on PostgreSQL. Every table is
(re)created from the models (``SQLModel.metadata``), so a run starts from an empty database.
Company popularity follows a Zipf law, as real complaint volumes do: a few companies get most of
the complaints and most companies get a handful. Every consumer's password is ``BENCH_PASSWORD``
and every address is verified, so the load script can log in and file complaints.
"""

import argparse
import contextlib
import random
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, Table, text
from sqlmodel import Session, SQLModel

import app.models  # noqa: F401 - registers every table
from app.accounts.service import hash_password
from app.companies import listed
from app.db import make_engine
from app.models.company import Company
from app.models.complaint import (
    Category,
    Channel,
    Complaint,
    ComplaintState,
    ContactAttempt,
    CoSign,
    Message,
    ResolutionType,
    Side,
    TimelineEvent,
    Visibility,
)
from app.models.membership import Claim, ClaimMethod, ClaimStatus, CompanyMember, Role
from app.models.user import User

BENCH_PASSWORD = "bench-password-1"  # noqa: S105 - benchmark accounts only
NOW = datetime(2026, 11, 1, tzinfo=UTC)  # fixed, so two runs generate the same data
SPAN_DAYS = 540  # complaints over the last 18 months
BATCH = 20_000

NOUNS = ["Telecom", "Energy", "Bank", "Airlines", "Insurance", "Mobile", "Rail", "Water",
         "Cable", "Hotels", "Credit", "Post", "Pharmacy", "Logistics", "Streaming", "Motors"]  # fmt: skip
# Each noun's industry (app/models/company.py SECTORS), so companies spread over industries as
# on a real site (telecoms the largest, about a fifth); every tenth company left unclassified.
SECTOR_OF = {"Telecom": "telecoms", "Mobile": "telecoms", "Cable": "telecoms", "Energy": "energy",
             "Water": "energy", "Bank": "banking", "Credit": "banking", "Insurance": "insurance",
             "Airlines": "travel", "Rail": "travel", "Hotels": "travel", "Post": "delivery",
             "Logistics": "delivery", "Pharmacy": "health", "Streaming": "leisure",
             "Motors": "retail"}  # fmt: skip
ADJECTIVES = ["Northwind", "Brightline", "Cobalt", "Skyway", "Harbor", "Meridian", "Atlas",
              "Pinnacle", "Evergreen", "Granite", "Tidewater", "Willow", "Orbit", "Sunrise",
              "Keystone", "Cedar", "Maple", "Nimbus", "Redwood", "Vista"]  # fmt: skip
PROBLEMS = ["charged twice", "refund never arrived", "parcel lost", "outage for days",
            "cancellation ignored", "broken on arrival", "no answer from support",
            "data shared without consent", "wrong bill", "contract changed without notice"]  # fmt: skip
FILLER = ("I called {n} times and was transferred between departments each time. Every agent "
          "promised a call back that never came. My reference was asked for again and again. "
          "This has cost me time and money and I would like it put right. ")  # fmt: skip
REPLIES = ["Thank you for raising this. We are looking into it and will update you here.",
           "We have refunded the charge; it should reach your account in 3 to 5 working days.",
           "Sorry for the trouble. A specialist will call you tomorrow to sort this out.",
           "We could not find your account. Could you confirm the postcode on it?"]  # fmt: skip

# (state, weight): roughly the CFPB's mix of outcomes.
STATES = [
    (ComplaintState.OPEN, 22),
    (ComplaintState.ANSWERED, 18),
    (ComplaintState.RESOLVED, 12),
    (ComplaintState.CONFIRMED, 30),
    (ComplaintState.DISPUTED, 6),
    (ComplaintState.WITHDRAWN, 12),
]
VISIBILITY = [(Visibility.PUBLIC, 96), (Visibility.PENDING, 1), (Visibility.UNLISTED, 1),
              (Visibility.HIDDEN, 1), (Visibility.REMOVED, 1)]  # fmt: skip


def _defaults(model: type[SQLModel], **required: Any) -> dict[str, Any]:
    """Column values a model gets when only the required fields are given."""
    instance = model(**required)
    table: Table = model.__table__  # type: ignore[attr-defined]
    return {c.name: getattr(instance, c.key, None) for c in table.columns}


class Writer:
    """Bulk rows into one table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.counts: dict[str, int] = {}

    def _value(self, value: Any) -> Any:
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, datetime) and not self.pg:  # SQLite: naive UTC text, as app/db.py
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        if isinstance(value, date) and not self.pg:
            return value.isoformat()
        return value

    def write(self, model: type[SQLModel], rows: Iterable[dict[str, Any]], **required: Any) -> int:
        table: Table = model.__table__  # type: ignore[attr-defined]
        base = _defaults(model, **required)
        columns = [c.name for c in table.columns]
        # Only enum, datetime and date columns need converting: look once, not per value.
        convert = [
            self._value if isinstance(base[c], (Enum, date)) or _temporal(table.c[c]) else None
            for c in columns
        ]
        n = 0
        it = iter(rows)
        while chunk := list(islice(it, BATCH)):
            tuples = []
            for r in chunk:
                merged = {**base, **r}
                tuples.append(
                    tuple(
                        [
                            f(merged[c]) if f else merged[c]
                            for c, f in zip(columns, convert, strict=True)
                        ]
                    )
                )
            self._flush(table.name, columns, tuples)
            n += len(tuples)
        self.counts[table.name] = self.counts.get(table.name, 0) + n
        return n

    def _flush(self, name: str, columns: list[str], tuples: list[tuple]) -> None:
        cursor = self.raw.cursor()
        quoted = ", ".join(f'"{c}"' for c in columns)
        if self.pg:
            with cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                for row in tuples:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})', tuples)
        cursor.close()

    def reconnect(self) -> None:
        with contextlib.suppress(Exception):
            self.raw.close()
        self.engine.dispose()
        for _ in range(60):  # the server may still be restarting
            try:
                self.raw = self.engine.raw_connection()
                break
            except Exception:
                time.sleep(2)
        if not self.pg:
            self.raw.cursor().execute("BEGIN")

    def next_ids(self) -> tuple[int, int, int]:
        """After a lost batch: the ids to continue from are whatever was committed."""
        cursor = self.raw.cursor()
        found = []
        for table in ("timeline_event", "message", "contact_attempt"):
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')
            found.append(cursor.fetchone()[0])
        cursor.close()
        return found[0], found[1], found[2]

    def commit(self, *, final: bool = False) -> None:
        if self.pg:
            self.raw.commit()
        else:  # app/db.py runs SQLite in autocommit mode and issues BEGIN itself
            self.raw.cursor().execute("COMMIT")
            if not final:
                self.raw.cursor().execute("BEGIN")

    def fix_sequences(self) -> None:
        """COPY with explicit ids leaves PostgreSQL's sequences at 1."""
        if not self.pg:
            return
        cursor = self.raw.cursor()
        for table in SQLModel.metadata.sorted_tables:
            if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                )
        self.raw.commit()


def _temporal(column: Any) -> bool:
    python_type = getattr(column.type, "impl", column.type)
    return type(python_type).__name__ in ("DateTime", "Date") or hasattr(column.type, "enum_class")


def _transient(exc: Exception) -> bool:
    name = type(exc).__name__
    return name in ("OperationalError", "AdminShutdown", "InterfaceError") or "closed" in str(exc)


def zipf_weights(n: int, s: float = 1.07) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def companies(n: int) -> Iterator[dict[str, Any]]:
    for i in range(1, n + 1):
        adjective, noun = ADJECTIVES[i % len(ADJECTIVES)], NOUNS[(i // 7) % len(NOUNS)]
        name = f"{adjective} {noun} {i}"
        slug = name.lower().replace(" ", "-")
        yield {
            "id": i,
            "name": name,
            "slug": slug,
            "domain": f"{slug}.example",
            "description": f"{noun} services.",
            "created_at": NOW - timedelta(days=SPAN_DAYS + 30),
            "listed": True,  # no filing created it (app/companies/listed.py)
            "sector": "other" if i % 10 == 0 else SECTOR_OF[noun],
        }


def users(n: int, first_id: int, password_hash: str, prefix: str) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {
            "id": first_id + i,
            "email": f"{prefix}{i}@bench.example",
            "password_hash": password_hash,
            "display_name": f"{prefix.capitalize()} {i}",
            "created_at": NOW - timedelta(days=SPAN_DAYS + 60),
            "email_verified_at": NOW - timedelta(days=SPAN_DAYS + 60),
        }


class Complaints:
    """Complaints and everything hanging off them, generated in one pass."""

    def __init__(self, rng: random.Random, n: int, n_companies: int, n_users: int,
                 reps: dict[int, int]) -> None:  # fmt: skip
        self.rng, self.n, self.n_users, self.reps = rng, n, n_users, reps
        self.company_weights = zipf_weights(n_companies)
        self.complaints: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.attempts: list[dict[str, Any]] = []
        self.cosigns: list[dict[str, Any]] = []
        self.next_event = self.next_message = self.next_attempt = 1

    def batch(self, number: int, size: int, seed: int) -> None:
        """Fill the lists with complaints ``number * size + 1`` onwards. Each batch has its own
        random stream, so a batch retried after a lost connection comes out the same."""
        self.rng = random.Random(seed * 1_000_003 + number)
        for rows in (self.complaints, self.events, self.messages, self.attempts, self.cosigns):
            rows.clear()
        first = number * size + 1
        ids = range(first, min(self.n, first + size - 1) + 1)
        company_ids = self.rng.choices(
            range(1, len(self.company_weights) + 1), self.company_weights, k=len(ids)
        )
        for cid, company_id in zip(ids, company_ids, strict=True):
            self._one(cid, company_id)

    def _event(self, cid: int, at: datetime, kind: str, side: Side, actor: int | None,
               before: ComplaintState | None, after: ComplaintState | None,
               message: int | None = None, detail: str = "") -> None:  # fmt: skip
        self.events.append({
            "id": self.next_event, "complaint_id": cid, "at": at, "actor_id": actor,
            "side": side, "kind": kind, "from_state": before, "to_state": after,
            "message_id": message, "detail": detail,
        })  # fmt: skip
        self.next_event += 1

    def _message(self, cid: int, at: datetime, author: int | None, side: Side, body: str,
                 signature: str = "") -> int:  # fmt: skip
        mid = self.next_message
        self.messages.append({
            "id": mid, "complaint_id": cid, "author_id": author, "side": side, "body": body,
            "created_at": at, "signature": signature,
        })  # fmt: skip
        self.next_message += 1
        return mid

    def _one(self, cid: int, company_id: int) -> None:
        rng = self.rng
        # Newer complaints are more frequent (a growing site): the same law as drawing
        # ``random() ** 1.6`` ago, but with numbers in filing order, as a live site stores them
        # (rows in the table's order of arrival, ids rising with time); random times scattered
        # each page of "newest" rows over the whole table, which no real database does.
        ago = ((self.n - cid + rng.random()) / self.n) ** 1.6
        created = NOW - timedelta(seconds=int(SPAN_DAYS * 86_400 * ago))
        author = rng.randrange(1, self.n_users + 1)
        state = rng.choices([s for s, _ in STATES], [w for _, w in STATES])[0]
        visibility = rng.choices([v for v, _ in VISIBILITY], [w for _, w in VISIBILITY])[0]
        problem = rng.choice(PROBLEMS)
        rep = self.reps.get(company_id)
        company_side = rep or None
        first_response = resolved = closed = None
        resolution = None
        age = NOW - created
        self._event(cid, created, "filed", Side.CONSUMER, author, None, ComplaintState.OPEN,
                    detail=f"against company {company_id}")  # fmt: skip
        answered = state in (ComplaintState.ANSWERED, ComplaintState.RESOLVED,
                             ComplaintState.CONFIRMED, ComplaintState.DISPUTED)  # fmt: skip
        current = ComplaintState.OPEN
        at = created
        if answered:
            at = created + min(age, timedelta(hours=rng.expovariate(1 / 60)))  # mean 2.5 days
            first_response = at
            mid = self._message(cid, at, company_side, Side.COMPANY, rng.choice(REPLIES),
                                "Customer Relations" if rep else "")  # fmt: skip
            self._event(cid, at, "answer", Side.COMPANY, company_side, current,
                        ComplaintState.ANSWERED, mid)  # fmt: skip
            current = ComplaintState.ANSWERED
            if rng.random() < 0.5:  # the consumer follows up
                at = at + min(NOW - at, timedelta(hours=rng.expovariate(1 / 24)))
                mid = self._message(cid, at, author, Side.CONSUMER,
                                    "Thanks, but nothing has changed yet. Any news?")  # fmt: skip
                self._event(cid, at, "follow_up", Side.CONSUMER, author, None, None, mid)
        if state in (ComplaintState.RESOLVED, ComplaintState.CONFIRMED, ComplaintState.DISPUTED):
            at = at + min(NOW - at, timedelta(hours=rng.expovariate(1 / 120)))
            resolution = rng.choice(list(ResolutionType))
            resolved = at
            self._event(cid, at, "resolve", Side.COMPANY, company_side, current,
                        ComplaintState.RESOLVED, detail=resolution.value)  # fmt: skip
            current = ComplaintState.RESOLVED
        if state in (ComplaintState.CONFIRMED, ComplaintState.DISPUTED):
            at = at + min(NOW - at, timedelta(hours=rng.expovariate(1 / 48)))
            kind = "confirm" if state == ComplaintState.CONFIRMED else "dispute"
            self._event(cid, at, kind, Side.CONSUMER, author, current, state)
            closed = at if state == ComplaintState.CONFIRMED else None
            current = state
        if state == ComplaintState.WITHDRAWN:
            at = at + min(NOW - at, timedelta(days=rng.expovariate(1 / 10)))
            self._event(cid, at, "withdraw", Side.CONSUMER, author, current, state)
            closed = at
        for channel in rng.sample(list(Channel), k=rng.choice((0, 1, 1, 2, 3))):
            self.attempts.append({"id": self.next_attempt, "complaint_id": cid,
                                  "channel": channel, "count": rng.randint(1, 9)})  # fmt: skip
            self.next_attempt += 1
        cosigners = set()
        if rng.random() < 0.15:  # most complaints get no "me too"; a few get many
            for _ in range(min(200, int(rng.paretovariate(1.2)))):
                cosigners.add(rng.randrange(1, self.n_users + 1))
        cosigners.discard(author)
        for user in cosigners:
            self.cosigns.append({"complaint_id": cid, "user_id": user,
                                 "created_at": created + timedelta(hours=rng.randint(1, 500))})  # fmt: skip
        category = rng.choice(list(Category))
        title = f"{problem.capitalize()} ({category.value.replace('_', ' ')}) #{cid}"
        self.complaints.append({
            "id": cid, "company_id": company_id, "author_id": author, "state": state,
            "title": title[:140],
            "body": FILLER.format(n=rng.randint(2, 9)) * rng.randint(1, 4),
            "category": category,
            "desired_outcome": "A refund and an apology.", "resolution_type": resolution,
            "private_reference": f"ACCT-{cid:08d}", "broadcast_opt_in": rng.random() < 0.3,
            "contact_since": (created - timedelta(days=rng.randint(3, 90))).date(),
            "submission_key": f"bench-{cid}", "visibility": visibility,
            "visibility_reason": "" if visibility == Visibility.PUBLIC else "Held for review",
            "cosign_count": len(cosigners), "assignee_id": rep if answered and rep else None,
            "created_at": created, "updated_at": max(at, created),
            "first_response_at": first_response, "resolved_at": resolved, "closed_at": closed,
        })  # fmt: skip


def generate(url: str, n_complaints: int, n_companies: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    engine = make_engine(url)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    writer = Writer(engine)
    if not writer.pg:
        cur = writer.raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("BEGIN")
    password = hash_password(BENCH_PASSWORD)
    n_users = max(200, n_complaints // 3)
    n_reps = max(1, n_companies // 10)  # the busiest tenth of companies have claimed and answer
    writer.write(Company, companies(n_companies), name="x")
    writer.write(User, users(n_users, 1, password, "consumer"),
                 email="x", password_hash="x", display_name="x")  # fmt: skip
    writer.write(User, users(n_reps, n_users + 1, password, "rep"),
                 email="x", password_hash="x", display_name="x")  # fmt: skip
    reps = {company: n_users + company for company in range(1, n_reps + 1)}
    writer.write(CompanyMember, ({"id": c, "company_id": c, "user_id": u, "role": Role.OWNER,
                                  "public_name": f"Rep {c}", "job_title": "Customer Relations"}
                                 for c, u in reps.items()),
                 company_id=0, user_id=0, role=Role.OWNER, public_name="x")  # fmt: skip
    writer.write(Claim, ({"id": c, "company_id": c, "user_id": u, "domain": f"c{c}.example",
                          "method": ClaimMethod.DNS, "status": ClaimStatus.VERIFIED,
                          "token": "bench", "expires_at": NOW, "verified_at": NOW}
                         for c, u in reps.items()),
                 company_id=0, user_id=0, domain="x", method=ClaimMethod.DNS, token="x",
                 expires_at=NOW)  # fmt: skip
    writer.commit()
    gen = Complaints(rng, n_complaints, n_companies, n_users, reps)
    for number in range(-(-n_complaints // BATCH)):
        for attempt in range(10):  # survive a database restart (others test failover here)
            try:
                gen.batch(number, BATCH, seed)
                writer.write(Complaint, gen.complaints, title="x", body="x",
                             category=Category.OTHER, company_id=0, author_id=0,
                             submission_key="x")  # fmt: skip
                writer.write(Message, gen.messages, complaint_id=0, side=Side.CONSUMER, body="x")
                writer.write(TimelineEvent, gen.events, complaint_id=0, side=Side.CONSUMER,
                             kind="x")  # fmt: skip
                writer.write(ContactAttempt, gen.attempts, complaint_id=0,
                             channel=Channel.PHONE, count=1)  # fmt: skip
                writer.write(CoSign, gen.cosigns, complaint_id=0, user_id=0)
                writer.commit()
                break
            except Exception as exc:  # filtered by _transient
                if attempt == 9 or not _transient(exc):
                    raise
                print(f"batch {number}: {type(exc).__name__}; reconnecting", flush=True)
                time.sleep(3)
                writer.reconnect()
                gen.next_event, gen.next_message, gen.next_attempt = writer.next_ids()
        print(f"{min(n_complaints, (number + 1) * BATCH)} complaints", flush=True)
    writer.commit(final=True)
    writer.fix_sequences()
    with engine.begin() as conn:  # fresh planner statistics for the new rows
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return writer.counts


def catch_up_schema(engine: Engine) -> None:
    """Models changed since the data was generated (a long run): add the new tables, the new
    columns with their model default and the new indexes, so the data stays usable without
    regenerating."""
    from sqlalchemy import inspect as sa_inspect

    SQLModel.metadata.create_all(engine)  # only the missing tables
    with engine.begin() as conn:
        inspector = sa_inspect(conn)  # on this connection: SQLite allows one writer
        for table in SQLModel.metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                default = getattr(column.default, "arg", None)
                literal = ""
                if isinstance(default, bool):
                    literal = f" DEFAULT {'TRUE' if default else 'FALSE'}"
                elif isinstance(default, (int, float)):
                    literal = f" DEFAULT {default}"
                elif isinstance(default, str):
                    literal = " DEFAULT '" + default.replace("'", "''") + "'"
                conn.execute(
                    text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}{literal}')
                )
                print(f"added {table.name}.{column.name}", flush=True)
        for table in SQLModel.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)  # new indexes (a dropped one stays: harmless)
        _catch_up_fulltext(conn)


def _catch_up_fulltext(conn: Connection) -> None:
    """The company names' trigram index (migration 0020), and SQLite's full-text index as
    app/models/fulltext.py now makes it (rebuilt if its columns differ, as migration 0019 does)."""
    from app.models import company_names, fulltext

    sqlite = conn.dialect.name == "sqlite"
    for statement in company_names.SQLITE_UPGRADE[:-1] if sqlite else company_names.PG_UPGRADE:
        conn.exec_driver_sql(statement)  # IF NOT EXISTS: nothing when already there
    if (
        sqlite
        and not conn.exec_driver_sql(
            f"SELECT count(*) FROM {company_names.NAMES_FTS}_docsize"
        ).scalar_one()
    ):
        conn.exec_driver_sql(company_names.SQLITE_UPGRADE[-1])  # index the existing names
    if not sqlite:
        return
    columns = [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({fulltext.FTS_TABLE})")]
    if (
        columns == ["title", "body", "facets"]
        and conn.exec_driver_sql(
            f"SELECT count(*) FROM sqlite_master WHERE name = '{fulltext.FTS_VOCAB}'"
        ).scalar_one()
    ):
        return
    started = time.perf_counter()
    for statement in [*fulltext.SQLITE_DOWNGRADE, *fulltext.SQLITE_UPGRADE]:
        conn.exec_driver_sql(statement)
    print(f"rebuilt {fulltext.FTS_TABLE} in {time.perf_counter() - started:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the database to fill")
    parser.add_argument("--complaints", type=int, default=10_000)
    parser.add_argument("--companies", type=int, default=None,
                        help="default: one company per 100 complaints, at least 50")  # fmt: skip
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--finish", action="store_true",
                        help="only fix sequences and ANALYZE a partly generated database")  # fmt: skip
    args = parser.parse_args()
    if args.finish:  # a long run stopped early: its committed batches are usable as they are
        engine = make_engine(args.url)
        catch_up_schema(engine)
        with Session(engine) as session:  # a flag added by catch_up_schema starts false
            listed.settle(session=session)
            session.commit()
        Writer(engine).fix_sequences()
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        return
    n_companies = args.companies or max(50, args.complaints // 100)
    started = time.perf_counter()
    counts = generate(args.url, args.complaints, n_companies, args.seed)
    elapsed = time.perf_counter() - started
    print(f"generated in {elapsed:.0f} s: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
