"""Two ways to run hubbub for the same black-box tests: the embedded default (one process on
SQLite) and a scaled-out cluster (two gateways on PostgreSQL + Redis). A test gets two
`Door`s: on the embedded default both are the one server; scaled out, each is a gateway, so
whoever talks through `a` and whoever listens on `b` cross processes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from e2e_api import http_client
from e2e_cluster import running_cluster
from e2e_server import ServerProcess, running_server
from e2e_ws import WsClient, open_ws

from s3_server import running_s3_server


@dataclass
class Door:
    http: httpx.AsyncClient
    ws_url: str
    stack: AsyncExitStack

    async def ws(self, token: str) -> WsClient:
        """A connection through this door, closed when the test ends."""
        client = await self.stack.enter_async_context(open_ws(self.ws_url, token))
        await client.roundtrip()
        return client


@dataclass
class Doors:
    a: Door
    b: Door


def running_deployment(kind: str, workdir: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """(first gateway, second gateway) of the deployment `kind`. Scaled out, shared files go
    to an S3-compatible server (moto's server mode) that both gateways use."""
    if kind == "sqlite":
        with running_server(workdir / "data") as server:
            yield server, server
        return
    with running_s3_server() as endpoint:
        env = {
            "HUBBUB_BLOB_URL": f"s3://hubbub-{uuid.uuid4().hex[:10]}",
            "HUBBUB_S3_ENDPOINT_URL": endpoint,
            "HUBBUB_S3_ACCESS_KEY_ID": "test",
            "HUBBUB_S3_SECRET_ACCESS_KEY": "test",
        }
        with running_cluster(workdir, gateways=2, indexers=1, env=env) as cluster:
            yield cluster.gateways[0], cluster.gateways[1]


DEPLOYMENTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres-2-gateways", id="postgres-2-gateways", marks=pytest.mark.postgres),
]


async def open_doors(gateways: tuple[ServerProcess, ServerProcess]) -> AsyncIterator[Doors]:
    async with AsyncExitStack() as stack:
        http_a = await stack.enter_async_context(http_client(gateways[0].base_url))
        http_b = await stack.enter_async_context(http_client(gateways[1].base_url))
        yield Doors(
            Door(http_a, gateways[0].ws_url, stack), Door(http_b, gateways[1].ws_url, stack)
        )
