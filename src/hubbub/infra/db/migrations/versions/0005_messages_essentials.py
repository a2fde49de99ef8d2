"""messages essentials (issue 15): edits, deletes, replies, reactions, mentions, muted
chats, search, files

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hubbub.contexts.messages.search_index import DROP, POSTGRES_DDL, SQLITE_DDL
from hubbub.infra.db.schema import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, or with a default): no table rebuild on SQLite.
    op.add_column("messages_messages", sa.Column("reply_to_id", sa.Uuid(), nullable=True))
    op.add_column(
        "messages_messages", sa.Column("deleted_at", UtcDateTime(timezone=True), nullable=True)
    )
    op.add_column("messages_messages", sa.Column("change_seq", sa.Integer(), nullable=True))
    op.add_column("messages_messages", sa.Column("changed_after_seq", sa.Integer(), nullable=True))
    op.create_index(
        "ix_messages_messages_chat_id_changed_after_seq",
        "messages_messages",
        ["chat_id", "changed_after_seq"],
    )
    op.add_column(
        "messages_chat_heads",
        sa.Column("last_change", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.create_table(
        "messages_reactions",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("emoji", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "message_id", "user_id", "emoji", name=op.f("pk_messages_reactions")
        ),
    )
    op.create_table(
        "messages_mentions",
        sa.Column("chat_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id", "seq", name=op.f("pk_messages_mentions")),
    )
    op.create_index(
        "ix_messages_mentions_user_id_chat_id",
        "messages_mentions",
        ["user_id", "chat_id", "seq"],
    )
    op.create_table(
        "chats_settings",
        sa.Column("chat_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_chats_settings")),
    )
    op.create_table(
        "messages_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("chat_id", sa.Uuid(), nullable=False),
        sa.Column("uploader_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("blob_key", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages_files")),
    )
    op.create_index(
        "ix_messages_files_chat_id_message_id", "messages_files", ["chat_id", "message_id"]
    )
    op.create_index("ix_messages_files_message_id", "messages_files", ["message_id"])
    # The search index: engine-specific DDL (see contexts/messages/search_index.py).
    ddl = SQLITE_DDL if op.get_context().dialect.name == "sqlite" else POSTGRES_DDL
    for statement in ddl:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP:
        op.execute(statement)
    op.drop_table("messages_files")
    op.drop_table("chats_settings")
    op.drop_index("ix_messages_mentions_user_id_chat_id", "messages_mentions")
    op.drop_table("messages_mentions")
    op.drop_table("messages_reactions")
    with op.batch_alter_table("messages_chat_heads") as batch_op:
        batch_op.drop_column("last_change")
    op.drop_index("ix_messages_messages_chat_id_changed_after_seq", "messages_messages")
    with op.batch_alter_table("messages_messages") as batch_op:
        batch_op.drop_column("changed_after_seq")
        batch_op.drop_column("change_seq")
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("reply_to_id")
