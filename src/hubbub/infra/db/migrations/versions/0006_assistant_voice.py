"""assistant: members' voice settings, and the kind of each advice (advice, notice, warning)

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-02 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hubbub.infra.db.schema import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assistant_settings",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("gender", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=20), nullable=False),
        sa.Column("learn_style", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_assistant_settings")),
    )
    with op.batch_alter_table("assistant_advice", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), server_default="advice", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("assistant_advice", schema=None) as batch_op:
        batch_op.drop_column("kind")
    op.drop_table("assistant_settings")
