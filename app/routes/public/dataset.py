"""The public dataset (app/stats/dataset.py): the /data page and its files, the latest build at a
stable address and every kept build under its date."""

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from app.errors import NotFound
from app.stats import dataset
from app.stats.dataset_columns import (
    CHECKSUMS,
    CSV_ZIP,
    FILES,
    LICENCE,
    LICENCE_URL,
    METADATA,
    SQLITE,
    TABLES,
    media_type,
)
from app.web import caching
from app.web.deps import OptionalUser
from app.web.templating import render

router = APIRouter()
# A dated build never changes; "latest" moves once a day.
ARCHIVE_CACHE = "public, max-age=31536000, immutable"
LATEST_CACHE = "public, max-age=3600"


def _sizes(day: str) -> dict[str, int]:
    sizes = {}
    for name in FILES:
        path = dataset.file_path(day, name)
        if path is not None:
            sizes[name] = path.stat().st_size
    return sizes


@router.get("/data")
def data_page(request: Request, user: OptionalUser) -> Response:
    day = dataset.latest()
    # Anonymous views are public and validated by the builds listed; signed-in ones are personal.
    fresh = caching.conditional(request, viewer=user, parts=(tuple(dataset.archives()),))
    if fresh.not_modified:
        return fresh.response_304()
    return fresh.apply(
        render(
            request,
            "data.html",
            {
                "day": day,
                "sizes": _sizes(day) if day else {},
                "checksums": dataset.checksums(day) if day else {},
                "archives": dataset.archives(),
                "tables": TABLES,
                "licence": LICENCE,
                "licence_url": LICENCE_URL,
                "csv_zip": CSV_ZIP,
                "sqlite": SQLITE,
                "metadata": METADATA,
                "sums": CHECKSUMS,
            },
        )
    )


def _file(day: str | None, name: str, cache: str) -> FileResponse:
    path = dataset.file_path(day, name) if day else None
    if path is None:
        raise NotFound("There is no such dataset file.")
    return FileResponse(
        path,
        media_type=media_type(name),
        filename=name if name.endswith((".zip", ".sqlite", ".parquet")) else None,
        headers={"Cache-Control": cache},
    )


@router.get("/data/latest/{name}")
def latest_file(name: str) -> FileResponse:
    return _file(dataset.latest(), name, LATEST_CACHE)


@router.get("/data/archive/{day}/{name}")
def archive_file(day: str, name: str) -> FileResponse:
    return _file(day, name, ARCHIVE_CACHE)
