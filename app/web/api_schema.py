"""What every JSON API route shares: paging, ids in paths, and the problem responses (RFC 9457)
each documents in the published schema."""

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, Field

T = TypeVar("T")
# What FastAPI takes as a route's documented responses, by status code.
Responses = dict[int | str, dict[str, Any]]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


class Paged(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="How many in all; with total_capped, at least this many")
    limit: int
    offset: int
    total_capped: bool = Field(
        default=False, description="The count stopped at total: there are more"
    )


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str


def problem_doc(description: str) -> dict[str, Any]:
    """An error response as served: RFC 9457 problem details, ``application/problem+json``
    (``model`` also registers the schema, which FastAPI lists under application/json too)."""
    ref = {"$ref": "#/components/schemas/Problem"}
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {"schema": ref}},
    }


# 400: a well-formed request the domain refuses (an unknown window, a malformed domain...).
# Ids in paths: beyond a 32-bit key no row can exist (and the database would refuse the number).
DbId = Annotated[int, Path(ge=1, le=2_147_483_647)]
LIMITED: Responses = {429: problem_doc("Too many requests; see Retry-After")}

PROBLEMS: Responses = {
    400: problem_doc("Refused by the rules"),
    404: problem_doc("Not found"),
    422: problem_doc("Invalid request"),
}
