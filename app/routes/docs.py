"""OpenAPI docs served from the vendored swagger-ui-bundle (no CDN, no inline script)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/api/docs")
def docs(request: Request) -> Response:
    response = render(request, "api_docs.html")
    # Swagger UI sets inline styles; scripts stay 'self' only.
    response.headers["content-security-policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
    )
    return response
