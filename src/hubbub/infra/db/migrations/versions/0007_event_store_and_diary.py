"""event store and diary (issue 11): events with a commit-ordered position counter, the
diary's keys (crypto-shredding), its read models and their checkpoints

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02 09:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hubbub.infra.db.schema import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eventstore_events",
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("stream_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("metadata", sa.LargeBinary(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_eventstore_events")),
    )
    op.create_index(
        "ix_eventstore_events_stream_id_version",
        "eventstore_events",
        ["stream_id", "version"],
        unique=True,
    )
    op.create_table(
        "eventstore_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eventstore_head")),
    )
    op.create_table(
        "diary_keys",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_diary_keys")),
    )
    op.create_index("ix_diary_keys_user_id", "diary_keys", ["user_id"])
    op.create_table(
        "diary_checkpoints",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_diary_checkpoints")),
    )
    op.create_table(
        "diary_entries",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("text_version", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.String(), nullable=False),
        sa.Column("self_rating", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("mood", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_diary_entries")),
    )
    op.create_index("ix_diary_entries_user_id_entry_id", "diary_entries", ["user_id", "entry_id"])
    op.create_table(
        "diary_mood_entries",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("text_version", sa.Integer(), nullable=False),
        sa.Column("valence", sa.Float(), nullable=True),
        sa.Column("emotions", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_diary_mood_entries")),
    )
    op.create_index("ix_diary_mood_entries_user_id_day", "diary_mood_entries", ["user_id", "day"])
    op.create_table(
        "diary_mood_days",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("valence", sa.Float(), nullable=False),
        sa.Column("emotions", sa.LargeBinary(), nullable=False),
        sa.Column("dominant", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_diary_mood_days")),
    )
    op.create_index("ix_diary_mood_days_day", "diary_mood_days", ["day"])


def downgrade() -> None:
    for table in (
        "diary_mood_days",
        "diary_mood_entries",
        "diary_entries",
        "diary_checkpoints",
        "diary_keys",
        "eventstore_head",
        "eventstore_events",
    ):
        op.drop_table(table)
