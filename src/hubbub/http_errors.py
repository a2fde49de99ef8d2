"""The error body of the contract, its OpenAPI description, and the exception handlers."""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match

from hubbub.kernel.errors import DomainError, RateLimited


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every non-2xx answer: `{"error": {"code", "message"}}`."""

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "Malformed JSON (`invalid_json`)",
    401: "Missing, invalid or expired token, or an ended session",
    403: "Not allowed (e.g. not a member, a wrong password, a web origin not allowed)",
    404: "Unknown resource",
    409: "Conflict",
    413: "Body too large",
    422: "Validation failure",
    429: "Rate limited (see Retry-After)",
}


def ERROR_RESPONSES(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the given error statuses (plus 429, always possible)."""
    wanted = sorted({*statuses, 429})
    return {s: {"model": ErrorBody, "description": _DESCRIPTIONS[s]} for s in wanted}


def with_errors(
    ok: Mapping[int, dict[str, Any]], *statuses: int
) -> dict[int | str, dict[str, Any]]:
    """`ERROR_RESPONSES` plus extra success answers (e.g. 200 beside the usual 201)."""
    responses = ERROR_RESPONSES(*statuses)
    for status, answer in ok.items():
        responses[status] = answer
    return responses


def error_response(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers or None)


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure to the contract's error body."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        if isinstance(exc, RateLimited):
            return error_response(
                exc.status, exc.code, exc.message, **{"Retry-After": str(exc.retry_after)}
            )
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "invalid_json", INVALID_JSON)
        return error_response(422, "validation_error", describe_validation(errors))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's only 400: a body it could not parse (bad UTF-8, nesting too deep for
            # the parser), which is bad JSON like any other.
            return error_response(400, "invalid_json", INVALID_JSON)
        code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return error_response(exc.status_code, code, message or str(exc.detail), **headers)

    # Unexpected exceptions are answered by `UnexpectedErrorMiddleware`, not here: Starlette
    # re-raises to the server after calling a handler for `Exception`, and uvicorn then
    # drops the keep-alive connection the next request was about to use.


def allowed_methods(request: Request) -> list[str]:
    """Every method the requested path has (RFC 9110's `Allow` of a 405). Starlette puts
    only the first matching route's in it, and FastAPI makes a route per method."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


INVALID_JSON = "request body is not valid JSON"
_HTTP_CODES = {
    404: ("not_found", ""),
    405: ("method_not_allowed", ""),
    413: ("payload_too_large", ""),
}


def describe_validation(errors: Any) -> str:
    """`field: problem; field: problem`, naming the offending fields as the contract asks."""
    parts = []
    for error in errors:
        location = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(location) or "body"
        parts.append(f"{field}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def complete_error_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Every status an operation can return, listed in the OpenAPI document whatever the
    route declared: 400/413/422 where there is a body (bad JSON, too large, invalid), 422
    where there are parameters, 403 everywhere (a web origin that is not allowed), 429
    everywhere (rate limits)."""
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            wanted = {403, 429}
            if "requestBody" in operation:
                wanted |= {400, 413, 422}
            if operation.get("parameters"):
                wanted.add(422)
            responses = operation["responses"]
            for status in sorted(wanted):
                if str(status) in responses:
                    continue
                responses[str(status)] = {
                    "description": _DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": error_ref}},
                }
    schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "ErrorBody", ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    return schema
