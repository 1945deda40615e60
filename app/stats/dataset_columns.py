"""The public dataset's tables and columns, defined once: the CSV headers, the SQLite and Parquet
schemas, Datasette's metadata.json and the data dictionary are all generated from here.

A type is one of "int", "float", "bool", "text", "time" (UTC, ISO 8601 text in CSV and SQLite, a
timestamp in Parquet). New columns are appended, never inserted or renamed.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.stats import export

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
TITLE = "Outcry public complaints dataset"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


_COMPLAINT_TYPES = {
    "id": "int",
    "created_at": "time",
    "deadline": "time",
    "first_response_at": "time",
    "resolved_at": "time",
    "closed_at": "time",
    "overdue": "bool",
    "cosigns": "int",
    "handoffs": "int",
    "contact_attempts": "int",
}
_STAT_TYPES = {"ranked": "bool", "target_response_met": "bool", "target_resolution_met": "bool"}
_FLOAT_STATS = export.RATE_FIELDS | export.DAY_FIELDS


def _stat_type(name: str) -> str:
    if name in _STAT_TYPES:
        return _STAT_TYPES[name]
    return "float" if name in _FLOAT_STATS else "int"


COMPLAINTS = Table(
    "complaints",
    "Published (listed) complaints: the public, redacted text only.",
    tuple(Column(n, _COMPLAINT_TYPES.get(n, "text"), d) for n, d in export.COMPLAINT_COLUMNS),
)
MESSAGES = Table(
    "messages",
    "Public messages on the listed complaints (consumer and company replies); messages a "
    "moderator hid or removed are left out.",
    (
        Column("id", "int", "message id"),
        Column("complaint_id", "int", "the complaint it belongs to (complaints.id)"),
        Column("side", "text", "consumer or company"),
        Column("signature", "text", "a company reply's signature (name and role), as shown"),
        Column("body", "text", "public (redacted) text"),
        Column("info_request", "bool", "the company asks the consumer for more information"),
        Column("templated", "bool", "nearly identical to several earlier replies of the company"),
        Column("created_at", "time", "written at (UTC)"),
    ),
)
COMPANIES = Table(
    "companies",
    "Every company with a page on the site.",
    (
        Column("id", "int", "company id"),
        Column("name", "text", "company name"),
        Column("slug", "text", "the company page is /companies/<slug>"),
        Column("url", "text", "its public page"),
        Column("sector", "text", "industry key (industries.sector)"),
        Column("domain", "text", "its web domain, when known"),
        Column("description", "text", "the company's public description"),
        Column("target_response_days", "int", "declared response target (days)"),
        Column("target_resolution_days", "int", "declared resolution target (days)"),
        Column("created_at", "time", "page created at (UTC)"),
    ),
)
INDUSTRIES = Table(
    "industries",
    "The sector taxonomy companies are classified in (see /methodology).",
    (
        Column("sector", "text", "industry key"),
        Column("label", "text", "industry name"),
    ),
)
COMPANY_STATS = Table(
    "company_stats",
    "Each company's statistics as computed at build time, per window and category: the numbers "
    "the leaderboard and company pages show. They count hidden and unlisted complaints too (they "
    "happened), so filed can exceed the company's rows in complaints.",
    (
        Column("company_id", "int", "companies.id"),
        Column("window", "text", "90d, 12m or all"),
        Column("category", "text", "complaint category; blank: every category"),
        *(Column(n, _stat_type(n), d) for n, d in export.STAT_COLUMNS),
        Column("methodology_version", "text", "the /methodology version the numbers follow"),
        Column("computed_at", "time", "when the numbers were computed (UTC)"),
        *(Column(n, _stat_type(n), d) for n, d in export.NEGLECT_COLUMNS),
    ),
)
DAILY = Table(
    "daily",
    "Per company and UTC day, what happened to its listed complaints (the rows of complaints): "
    "each complaint counts once in filed, on the day it was filed, once in answered, on the day "
    "of the company's first response, and so on, so every column can be recomputed from "
    "complaints. Only days with at least one event are listed; a missing day is all zeros.",
    (
        Column("company_id", "int", "companies.id"),
        Column("day", "text", "calendar day (UTC), YYYY-MM-DD"),
        Column("filed", "int", "complaints filed that day"),
        Column("answered", "int", "complaints that got the company's first response that day"),
        Column(
            "answered_on_time",
            "int",
            "of those, answered within the response deadline of their filing",
        ),
        Column("resolved", "int", "complaints the company last marked resolved that day"),
        Column("closed", "int", "complaints closed (confirmed or withdrawn) that day"),
        Column("confirmed", "int", "of those, confirmed resolved by the consumer"),
        Column("withdrawn", "int", "of those, withdrawn by the consumer"),
    ),
)
TABLES: tuple[Table, ...] = (COMPLAINTS, MESSAGES, COMPANIES, INDUSTRIES, COMPANY_STATS, DAILY)

# What each build writes (the /data page and the download routes serve only these names).
CSV_ZIP = "outcry-csv.zip"
SQLITE = "outcry.sqlite"
METADATA = "metadata.json"
DICTIONARY = "DICTIONARY.md"
LICENCE_FILE = "LICENCE.txt"
CHECKSUMS = "SHA256SUMS"
PARQUET = tuple(f"{t.name}.parquet" for t in TABLES)
FILES: tuple[str, ...] = (CSV_ZIP, SQLITE, *PARQUET, METADATA, DICTIONARY, LICENCE_FILE, CHECKSUMS)
MEDIA_TYPES = {
    ".zip": "application/zip",
    ".sqlite": "application/vnd.sqlite3",
    ".parquet": "application/vnd.apache.parquet",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    "": "text/plain; charset=utf-8",  # SHA256SUMS
}


def media_type(name: str) -> str:
    dot = name.rfind(".")
    return MEDIA_TYPES[name[dot:] if dot >= 0 else ""]


def dictionary_markdown() -> str:
    lines = [f"# {TITLE}: data dictionary", "", f"Licence: {LICENCE} ({LICENCE_URL}).", ""]
    for table in TABLES:
        lines += [f"## {table.name}", "", table.description, "", "| column | type | meaning |"]
        lines += ["|---|---|---|"]
        lines += [f"| {c.name} | {c.type} | {c.description} |" for c in table.columns]
        lines.append("")
    return "\n".join(lines)


def datasette_metadata(source_url: str) -> dict:
    """Datasette's metadata.json: title, licence, source and every column's meaning."""
    return {
        "title": TITLE,
        "license": LICENCE,
        "license_url": LICENCE_URL,
        "source": "Outcry",
        "source_url": source_url,
        "databases": {
            SQLITE.removesuffix(".sqlite"): {
                "tables": {
                    t.name: {
                        "description": t.description,
                        "columns": {c.name: c.description for c in t.columns},
                    }
                    for t in TABLES
                }
            }
        },
    }
