"""The rpc settings, read into what the server and the channels take."""

from hubbub.infra.rpc.channels import ClientPolicy
from hubbub.infra.rpc.tls import ClientTls, ServerTls, client_tls, server_tls
from hubbub.settings import Settings


def client_policy_from(settings: Settings) -> ClientPolicy:
    return ClientPolicy(
        deadline_seconds=settings.rpc_deadline_seconds,
        breaker_threshold=settings.rpc_breaker_threshold,
        breaker_recovery_seconds=settings.rpc_breaker_recovery_seconds,
    )


def client_tls_from(settings: Settings) -> ClientTls | None:
    return client_tls(
        settings.rpc_tls_ca, settings.rpc_tls_client_cert, settings.rpc_tls_client_key
    )


def server_tls_from(settings: Settings) -> ServerTls | None:
    return server_tls(settings.rpc_tls_cert, settings.rpc_tls_key, settings.rpc_tls_client_ca)
