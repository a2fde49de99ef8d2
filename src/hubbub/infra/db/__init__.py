"""Database access: engines, the shared metadata, migrations, the outbox."""

from hubbub.infra.db.engine import Database
from hubbub.infra.db.schema import metadata

__all__ = ["Database", "metadata"]
