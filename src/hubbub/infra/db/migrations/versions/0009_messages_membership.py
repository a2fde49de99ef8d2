"""messages keeps the membership it needs (issue 12): its own copy of the chats'
membership, fed by chats' events, filled here from the chats tables

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    member_chats = op.create_table(
        "messages_member_chats",
        sa.Column("chat_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_messages_member_chats")),
    )
    chat_members = op.create_table(
        "messages_chat_members",
        sa.Column("chat_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_messages_chat_members")),
    )
    op.create_index(op.f("ix_messages_chat_members_user_id"), "messages_chat_members", ["user_id"])
    # The backfill: version "" is older than any change, so every event still in the outbox
    # (or on the bus) applies on top of it.
    chats = sa.table(
        "chats_chats", sa.column("id", sa.Uuid()), sa.column("type"), sa.column("owner_id")
    )
    members = sa.table("chats_members", sa.column("chat_id", sa.Uuid()), sa.column("user_id"))
    assert member_chats is not None and chat_members is not None
    op.execute(
        member_chats.insert().from_select(
            ["chat_id", "type", "owner_id", "version"],
            sa.select(chats.c.id, chats.c.type, chats.c.owner_id, sa.literal("")),
        )
    )
    op.execute(
        chat_members.insert().from_select(
            ["chat_id", "user_id", "active", "version"],
            sa.select(members.c.chat_id, members.c.user_id, sa.true(), sa.literal("")),
        )
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_messages_chat_members_user_id"), table_name="messages_chat_members")
    op.drop_table("messages_chat_members")
    op.drop_table("messages_member_chats")
