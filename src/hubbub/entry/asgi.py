"""The ASGI application of a process: `create_app` (REST, ops), `create_asgi` (+ `/ws`, or
only the operations endpoints for roles that serve no clients)."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.types import ASGIApp

from hubbub import __version__
from hubbub.container import Container
from hubbub.contexts.assistant.routes import router as assistant_router
from hubbub.contexts.assistant.routes import settings_router as assistant_settings_router
from hubbub.contexts.auth.routes import router as auth_router
from hubbub.contexts.chats.routes import router as chats_router
from hubbub.contexts.diary.routes import router as diary_router
from hubbub.contexts.matching.routes import router as matching_router
from hubbub.contexts.messages.files_routes import UPLOAD_PATH
from hubbub.contexts.messages.files_routes import router as files_router
from hubbub.contexts.messages.routes import router as messages_router
from hubbub.contexts.messages.search_routes import router as search_router
from hubbub.contexts.realtime.routes import WebSocketEndpoint
from hubbub.contexts.users.routes import router as users_router
from hubbub.entry.docs import SWAGGER_UI_PARAMETERS, add_redoc
from hubbub.entry.security import SecurityHeadersMiddleware, add_origin_rules
from hubbub.entry.static import mount_web
from hubbub.http_errors import complete_error_answers, install_error_handlers
from hubbub.infra.observability.middleware import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    UnexpectedErrorMiddleware,
)


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


def create_app(container: Container) -> FastAPI:
    """The client-facing app for `container`; its lifespan starts and stops the container."""
    frontend = container.frontend
    if frontend is None:
        raise ValueError(f"role {container.role.name!r} serves no clients")
    app = _base_app(
        container, description="A real-time messenger whose chats can be bound to an AI assistant."
    )
    app.state.apis = frontend.apis
    app.state.gateway = frontend.gateway
    for router in (
        auth_router,
        users_router,
        chats_router,
        messages_router,
        assistant_router,
        assistant_settings_router,
        search_router,
        files_router,
        diary_router,
        matching_router,
    ):
        app.include_router(router)
    mount_web(app)
    settings = container.settings
    # Outermost last: request context (ids, logs) sees the answer the others produced.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.http_max_body_bytes,
        upload_path=UPLOAD_PATH,
        upload_max_bytes=settings.file_max_bytes,
    )
    app.add_middleware(UnexpectedErrorMiddleware)
    add_origin_rules(app, frontend.origins)
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds)
    app.add_middleware(RequestContextMiddleware)
    return app


def create_ops_app(container: Container) -> FastAPI:
    """A worker role's app: only /healthz, /readyz and /metrics."""
    app = _base_app(
        container, description=f"hubbub {container.role.name}: {container.role.description}"
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=container.settings.hsts_seconds)
    return app


def create_asgi(container: Container) -> ASGIApp:
    """What a server runs: `/ws` in front of the FastAPI app (see realtime/routes.py), or the
    operations app for a role without clients."""
    if container.frontend is None:
        return create_ops_app(container)
    return WebSocketEndpoint(create_app(container), serve=container.frontend.gateway.serve)


def _base_app(container: Container, *, description: str) -> FastAPI:
    """The app every role serves: lifespan, error handlers and the operations endpoints."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        # Everything built so far (modules, the app, pydantic and SQLAlchemy caches) lives as
        # long as the process; moving it out of the collector's sight shortens every full
        # collection from ~150 ms (a pause of the whole server) to a few ms.
        gc.collect()
        gc.freeze()
        # With the default young generation (700 allocations) objects that live for a few
        # milliseconds (frames in flight, futures, batches) survive into the old generation and
        # trigger full collections every few seconds; a larger one lets them die young.
        gc.set_threshold(50_000, 20, 100)
        try:
            yield
        finally:
            await container.stop()

    # Swagger UI and ReDoc assets are served by hubbub itself: there may be no CDN to reach.
    app = FastAPIOffline(
        title="hubbub",
        version=__version__,
        description=description,
        lifespan=lifespan,
        redoc_url=None,  # served by add_redoc, without the CDN logo
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )
    add_redoc(app)
    app.state.container = container
    install_error_handlers(app)
    _list_every_error(app)
    _add_ops_routes(app)
    return app


def _list_every_error(app: FastAPI) -> None:
    """The OpenAPI document names every status an operation can answer (see http_errors)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_error_answers(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_ops_routes(app: FastAPI) -> None:
    @app.get("/healthz", response_model=Health, tags=["operations"])
    async def healthz() -> Health:
        """The process is alive."""
        return Health(status="ok")

    @app.get(
        "/readyz",
        response_model=Readiness,
        tags=["operations"],
        responses={
            503: {
                "model": Readiness,
                "description": "A dependency does not answer, or the model is still loading",
            }
        },
    )
    async def readyz(request: Request) -> JSONResponse:
        """Every configured dependency (database, Redis, fan-out, bus) answers, and the
        assistant's model is loaded and warm (`assistant_model`: `loading` until then), as is
        the mood analyser's where it runs (`mood_model`)."""
        checks = await request.app.state.container.readiness()
        ready = all(v == "ok" for v in checks.values())
        body = Readiness(status="ok" if ready else "unavailable", checks=checks)
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    @app.get("/metrics", tags=["operations"], response_class=Response)
    async def metrics() -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
