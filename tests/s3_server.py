"""An S3-compatible server for the tests: moto's server mode (`moto[server]` from PyPI),
started on a free loopback port in this process and stopped afterwards."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def running_s3_server() -> Iterator[str]:
    """The endpoint URL of a fresh S3 server (every bucket starts empty)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
