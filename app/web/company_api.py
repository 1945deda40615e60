"""What every company API route shares: the RateLimit-* headers, the problem responses it
documents, and replaying the first response to a repeated ``Idempotency-Key``."""

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlmodel import Session

from app.integrations import idempotency
from app.integrations.tokens import CompanyActor
from app.models.keys import pk
from app.web.api_schema import LIMITED, PROBLEMS, Responses, problem_doc
from app.web.ratelimit import api_token_quota

PREFIX = "/api/v1/company"
AUTH_PROBLEMS: Responses = {**PROBLEMS, 401: problem_doc("No valid API token"), **LIMITED}
CHANGE_PROBLEMS: Responses = {
    **AUTH_PROBLEMS,
    409: problem_doc("Not allowed now"),
    422: problem_doc("Invalid request, or an Idempotency-Key reused for another request"),
}

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Any unique string, such as a UUID: a retry with the same key within 24 "
        "hours gets the first response again (header Idempotent-Replayed: true) and changes "
        "nothing; the same key with another body is a 422.",
    ),
]


class QuotaRoute(APIRoute):
    """Adds the RateLimit-* headers that ``api_token_quota`` computed to every answer."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def with_quota(request: Request) -> Response:
            response = await handler(request)
            quota = getattr(request.state, "quota", None)
            if quota is not None:
                response.headers.update(quota.headers())
            return response

        return with_quota


def company_router() -> APIRouter:
    return APIRouter(
        prefix=PREFIX,
        tags=["company api"],
        route_class=QuotaRoute,
        dependencies=[Depends(api_token_quota)],
    )


def _response(status: int, body: str, location: str, replayed: bool = False) -> Response:
    headers = {"Location": location} if location else {}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def once(
    *,
    request: Request,
    session: Session,
    actor: CompanyActor,
    key: str | None,
    data: BaseModel | None,
    act: Callable[[], tuple[int, Any, str]],
) -> Response:
    """Run ``act`` (giving status, JSON-able body and Location) unless this key was used: then
    answer what the first request got. A refusal (4xx) is not stored: a retry runs again."""
    if key is None:
        status, body, location = act()
        return JSONResponse(
            body, status_code=status, headers={"Location": location} if location else None
        )
    fingerprint = idempotency.fingerprint(
        method=request.method,
        path=request.url.path,
        agent_id=pk(actor.user),
        body=data.model_dump_json() if data is not None else "",
    )
    found = idempotency.reserve(
        session=session, token_id=pk(actor.token), key=key, fingerprint=fingerprint
    )
    if isinstance(found, idempotency.Stored):
        return _response(found.status_code, found.body, found.location, replayed=True)
    status, body, location = act()
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    idempotency.finish(session=session, row=found, status_code=status, body=text, location=location)
    return _response(status, text, location)
