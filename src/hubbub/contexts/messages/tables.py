"""The messages context's tables (prefixed `messages_`), shared by its SQL stores."""

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from hubbub.infra.db import metadata
from hubbub.infra.db.schema import UtcDateTime, uuid_column_type

messages = Table(
    "messages_messages",
    metadata,
    Column("id", uuid_column_type(), primary_key=True),
    Column("chat_id", uuid_column_type(), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("sender_id", uuid_column_type(), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("edited_at", UtcDateTime, nullable=True),
    Column("ai_generated", Boolean, nullable=False, default=False),
    Column("request_id", String(100), nullable=True),
    Column("reply_to_id", uuid_column_type(), nullable=True),
    Column("deleted_at", UtcDateTime, nullable=True),
    # The message's latest change (edit, delete, reactions): its number in the chat's change
    # sequence, and the chat's last seq when it happened. `sync` from seq N replays the
    # changes with changed_after_seq >= N (those made after message N was sent).
    Column("change_seq", Integer, nullable=True),
    Column("changed_after_seq", Integer, nullable=True),
    UniqueConstraint("chat_id", "seq", name="uq_messages_messages_chat_seq"),
    UniqueConstraint("chat_id", "sender_id", "request_id", name="uq_messages_messages_idempotency"),
    Index("ix_messages_messages_chat_id_changed_after_seq", "chat_id", "changed_after_seq"),
)

# One row per chat: the seq counter. Its upsert takes the row lock that serialises writers
# of one chat across processes, which is what keeps seqs gapless. `last_change` numbers the
# chat's changes to existing messages under the same lock, so sends and changes of one chat
# have one order.
heads = Table(
    "messages_chat_heads",
    metadata,
    Column("chat_id", uuid_column_type(), primary_key=True),
    Column("last_seq", Integer, nullable=False),
    Column("last_message_id", uuid_column_type(), nullable=True),
    Column("last_change", Integer, nullable=False, server_default=text("0")),
)

cursors = Table(
    "messages_read_cursors",
    metadata,
    Column("chat_id", uuid_column_type(), primary_key=True),
    Column("user_id", uuid_column_type(), primary_key=True),
    Column("last_read_seq", Integer, nullable=False),
    Index("ix_messages_read_cursors_user_id", "user_id"),
)

reactions = Table(
    "messages_reactions",
    metadata,
    Column("message_id", uuid_column_type(), primary_key=True),
    Column("user_id", uuid_column_type(), primary_key=True),
    Column("emoji", String(64), primary_key=True),
    Column("chat_id", uuid_column_type(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Who a message of a room mentions by @username: counted per member above their read cursor.
mentions = Table(
    "messages_mentions",
    metadata,
    Column("chat_id", uuid_column_type(), primary_key=True),
    Column("user_id", uuid_column_type(), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Index("ix_messages_mentions_user_id_chat_id", "user_id", "chat_id", "seq"),
)

# Files shared in chats. A file is uploaded first (message_id null) and attached to the
# message that names it, in that message's transaction; deleting the message deletes it.
files = Table(
    "messages_files",
    metadata,
    Column("id", uuid_column_type(), primary_key=True),
    Column("chat_id", uuid_column_type(), nullable=False),
    Column("uploader_id", uuid_column_type(), nullable=False),
    Column("message_id", uuid_column_type(), nullable=True),
    Column("name", String(255), nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("blob_key", String(200), nullable=False),
    Column("thumbnail_key", String(200), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_messages_files_chat_id_message_id", "chat_id", "message_id"),
    Index("ix_messages_files_message_id", "message_id"),
)

# The membership messages needs (issue 12), kept from the chats context's events
# (`chat.created`, `chat.member_joined`, `chat.member_left`) so a send asks no other context.
# `version` is the change_id of the latest change applied to the row (time-ordered ids
# compare as text): a change seen again, or an older one arriving late, changes nothing.
# Migration 0009 filled both from the chats tables.
member_chats = Table(
    "messages_member_chats",
    metadata,
    Column("chat_id", uuid_column_type(), primary_key=True),
    Column("type", String(10), nullable=False),
    Column("owner_id", uuid_column_type(), nullable=True),
    Column("version", String(36), nullable=False),
)

chat_members = Table(
    "messages_chat_members",
    metadata,
    Column("chat_id", uuid_column_type(), primary_key=True),
    Column("user_id", uuid_column_type(), primary_key=True),
    Column("active", Boolean, nullable=False),  # False: left (kept to order late events)
    Column("version", String(36), nullable=False),
    Index("ix_messages_chat_members_user_id", "user_id"),
)
