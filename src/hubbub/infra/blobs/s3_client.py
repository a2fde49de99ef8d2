"""The AWS SDK, imported only when an S3 store is used."""

from typing import Any


def new_session() -> Any:
    import aioboto3

    return aioboto3.Session()


def client_error() -> type[Exception]:
    from botocore.exceptions import ClientError

    error: type[Exception] = ClientError
    return error
