"""auth: sessions (logout, sign out everywhere, password change); users: deleted accounts

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 05:00:00.000000

Tokens issued before this revision name no session and are refused: everyone logs in again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hubbub.infra.db.schema import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
    )
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_auth_sessions_user_id", ["user_id"], unique=False)

    op.create_table(
        "users_deleted",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("deleted_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users_deleted")),
    )


def downgrade() -> None:
    op.drop_table("users_deleted")
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_sessions_user_id")
    op.drop_table("auth_sessions")
