"""TLS between services, from PEM files named in settings.

A server with a certificate serves TLS; given a client CA as well, it asks every caller for
a certificate signed by that CA (mutual TLS) and refuses callers without one. A client with
a CA verifies its peers against it (instead of the system's roots) and, given a certificate
of its own, presents it to servers that ask.
"""

from dataclasses import dataclass
from pathlib import Path

import grpc


@dataclass(frozen=True)
class ServerTls:
    cert_chain: bytes
    private_key: bytes
    client_ca: bytes | None = None

    def credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.private_key, self.cert_chain)],
            root_certificates=self.client_ca,
            require_client_auth=self.client_ca is not None,
        )


@dataclass(frozen=True)
class ClientTls:
    ca: bytes | None = None
    cert_chain: bytes | None = None
    private_key: bytes | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca,
            private_key=self.private_key,
            certificate_chain=self.cert_chain,
        )


def server_tls(
    cert: Path | None, key: Path | None, client_ca: Path | None = None
) -> ServerTls | None:
    """TLS for a server when it has a certificate and key; None serves plaintext."""
    if cert is None and key is None:
        if client_ca is not None:
            raise ValueError("a client CA (mutual TLS) needs the server's certificate and key")
        return None
    if cert is None or key is None:
        raise ValueError("a TLS server needs both a certificate and its private key")
    return ServerTls(cert.read_bytes(), key.read_bytes(), _read(client_ca))


def client_tls(
    ca: Path | None, cert: Path | None = None, key: Path | None = None
) -> ClientTls | None:
    """TLS for calls to peers when a CA or a client certificate is given; None is plaintext."""
    if (cert is None) != (key is None):
        raise ValueError("a client certificate needs its private key, and the other way round")
    if ca is None and cert is None:
        return None
    return ClientTls(_read(ca), _read(cert), _read(key))


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path is not None else None
