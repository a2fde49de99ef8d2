"""gRPC between hubbub's services: the plumbing every context's `rpc.py` uses.

One module per job: `server` (health, reflection, TLS, graceful stop), `channels` (peer
addresses, round robin, retries by service config), `deadline`, `idempotency`, `breaker`,
`errors` (the kernel errors <-> status codes table), `propagation` (request and user ids)
and `measure` (metrics and the served-call log line); `methods` reads what the proto says
about each rpc, `tls` the certificates, `config` the settings.
"""

from hubbub.infra.rpc.channels import ClientPolicy, open_channel, target_of
from hubbub.infra.rpc.config import client_policy_from, client_tls_from, server_tls_from
from hubbub.infra.rpc.errors import RemoteError
from hubbub.infra.rpc.lazy import LazyChannel, peer_serving
from hubbub.infra.rpc.server import RpcServer
from hubbub.infra.rpc.tls import ClientTls, ServerTls, client_tls, server_tls

__all__ = [
    "ClientPolicy",
    "ClientTls",
    "LazyChannel",
    "RemoteError",
    "RpcServer",
    "ServerTls",
    "client_policy_from",
    "client_tls",
    "client_tls_from",
    "open_channel",
    "peer_serving",
    "server_tls",
    "server_tls_from",
    "target_of",
]
