"""TLS and mutual TLS between services, with certificates this test makes (trustme), read
from PEM files through the settings as a deployment would."""

from pathlib import Path

import pytest
import trustme

from hubbub.contexts.users import NewUser, UsersApi
from hubbub.infra.rpc import ClientTls, ServerTls, client_tls_from, server_tls_from
from hubbub.kernel.errors import Unavailable
from hubbub.settings import Settings
from rpc_servers import users_client, users_server


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


def _write(path: Path, blob: trustme.Blob) -> Path:
    blob.write_to_path(str(path))
    return path


def _server_tls(ca: trustme.CA, tmp_path: Path, *, mutual: bool) -> ServerTls:
    cert = ca.issue_cert("127.0.0.1", "localhost", common_name="users")
    chain = tmp_path / "server-chain.pem"
    chain.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    settings = Settings(
        rpc_tls_cert=chain,
        rpc_tls_key=_write(tmp_path / "server-key.pem", cert.private_key_pem),
        rpc_tls_client_ca=_write(tmp_path / "client-ca.pem", ca.cert_pem) if mutual else None,
    )
    tls = server_tls_from(settings)
    assert tls is not None
    return tls


def _client_tls(ca: trustme.CA, tmp_path: Path, *, identity: trustme.CA | None) -> ClientTls:
    """A client trusting `ca`, presenting a certificate of `identity`'s (if given)."""
    cert = key = None
    if identity is not None:
        issued = identity.issue_cert("gateway.hubbub.internal", common_name="gateway")
        cert = tmp_path / "client-chain.pem"
        cert.write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
        key = _write(tmp_path / "client-key.pem", issued.private_key_pem)
    settings = Settings(
        rpc_tls_ca=_write(tmp_path / "ca.pem", ca.cert_pem),
        rpc_tls_client_cert=cert,
        rpc_tls_client_key=key,
    )
    tls = client_tls_from(settings)
    assert tls is not None
    return tls


async def test_calls_over_tls(users_api: UsersApi, ca: trustme.CA, tmp_path: Path) -> None:
    alice = await users_api.create(new=NewUser(username="alice"))
    tls = _server_tls(ca, tmp_path, mutual=False)

    async with (
        users_server(users_api, tls=tls) as served,
        users_client(served.address, tls=_client_tls(ca, tmp_path, identity=None)) as users,
    ):
        assert (await users.get(user_id=alice.id)).id == alice.id


@pytest.mark.parametrize("client", ["plaintext", "trusting another CA"])
async def test_a_tls_server_refuses_clients_that_cannot_verify_it(
    users_api: UsersApi, ca: trustme.CA, tmp_path: Path, client: str
) -> None:
    alice = await users_api.create(new=NewUser(username="alice"))
    tls = None if client == "plaintext" else _client_tls(trustme.CA(), tmp_path, identity=None)

    async with (
        users_server(users_api, tls=_server_tls(ca, tmp_path, mutual=False)) as served,
        users_client(served.address, tls=tls) as users,
    ):
        with pytest.raises(Unavailable):
            await users.get(user_id=alice.id)


async def test_mutual_tls_lets_in_clients_with_a_certificate_of_the_ca(
    users_api: UsersApi, ca: trustme.CA, tmp_path: Path
) -> None:
    alice = await users_api.create(new=NewUser(username="alice"))

    async with (
        users_server(users_api, tls=_server_tls(ca, tmp_path, mutual=True)) as served,
        users_client(served.address, tls=_client_tls(ca, tmp_path, identity=ca)) as users,
    ):
        assert (await users.get(user_id=alice.id)).id == alice.id


@pytest.mark.parametrize("identity", ["none", "another CA's"])
async def test_mutual_tls_refuses_other_clients(
    users_api: UsersApi, ca: trustme.CA, tmp_path: Path, identity: str
) -> None:
    alice = await users_api.create(new=NewUser(username="alice"))
    stranger = None if identity == "none" else trustme.CA()

    async with (
        users_server(users_api, tls=_server_tls(ca, tmp_path, mutual=True)) as served,
        users_client(served.address, tls=_client_tls(ca, tmp_path, identity=stranger)) as users,
    ):
        with pytest.raises(Unavailable):
            await users.get(user_id=alice.id)


def test_tls_settings_must_come_in_pairs(tmp_path: Path) -> None:
    pem = tmp_path / "x.pem"
    pem.write_text("x")

    with pytest.raises(ValueError, match="both a certificate and its private key"):
        server_tls_from(Settings(rpc_tls_cert=pem))
    with pytest.raises(ValueError, match="mutual TLS"):
        server_tls_from(Settings(rpc_tls_client_ca=pem))
    with pytest.raises(ValueError, match="its private key"):
        client_tls_from(Settings(rpc_tls_client_cert=pem))
    assert server_tls_from(Settings()) is None
    assert client_tls_from(Settings()) is None
