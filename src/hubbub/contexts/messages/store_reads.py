"""Reading messages as clients see them: a row becomes a view, and a page of views gets what
lives beside the rows (the previews of the messages they answer, reactions, files), with one
query per kind of extra, whatever the page size."""

from collections import defaultdict
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from hubbub.contexts.messages.api import FileView, MessageView, ReactionCount, ReplyPreview
from hubbub.contexts.messages.file_links import FileLinks
from hubbub.contexts.messages.tables import files, messages, reactions

PREVIEW_CHARS = 100


def view_of(row: Any) -> MessageView:
    """A stored row as a message view (a tombstone when deleted), without its extras."""
    deleted = row["deleted_at"] is not None
    view = MessageView(
        id=row["id"],
        chat_id=row["chat_id"],
        seq=row["seq"],
        sender_id=row["sender_id"],
        text="" if deleted else row["text"],
        created_at=row["created_at"],
        edited_at=row["edited_at"],
        ai_generated=row["ai_generated"],
        request_id=row["request_id"],
        deleted=deleted,
    )
    return view.replying_to(row["reply_to_id"])


def preview_of(view: MessageView) -> ReplyPreview:
    """What a reply shows of `view`."""
    text = view.text
    if len(text) > PREVIEW_CHARS:
        text = text[: PREVIEW_CHARS - 1].rstrip() + "…"
    return ReplyPreview(
        id=view.id, sender_id=view.sender_id, text_preview=text, deleted=view.deleted
    )


async def decorate(
    conn: AsyncConnection, views: list[MessageView], links: FileLinks | None = None
) -> list[MessageView]:
    """`views` with their reply previews, reactions (`me` false: see `for_reader`) and, when
    `links` can sign their URLs, files."""
    if not views:
        return views
    live_ids = [v.id for v in views if not v.deleted]
    counts: dict[UUID, list[ReactionCount]] = {}
    attached: dict[UUID, list[FileView]] = defaultdict(list)
    if live_ids:
        counts = await _reactions(conn, live_ids)
        if links is not None:
            query = (
                select(files)
                .where(files.c.message_id.in_(live_ids))
                .order_by(files.c.created_at, files.c.id)
            )
            for row in (await conn.execute(query)).all():
                attached[row.message_id].append(file_view(row._mapping, links))
    targets = {v.reply_to_id for v in views if v.reply_to_id is not None}
    previews: dict[UUID, ReplyPreview] = {}
    if targets:
        rows = (await conn.execute(select(messages).where(messages.c.id.in_(targets)))).all()
        previews = {row.id: preview_of(view_of(row._mapping)) for row in rows}
    out = []
    for view in views:
        extras: dict[str, Any] = {}
        if view.id in counts:
            extras["reactions"] = counts[view.id]
        if view.id in attached:
            extras["files"] = attached[view.id]
        if view.reply_to_id is not None and view.reply_to_id in previews:
            extras["reply_to"] = previews[view.reply_to_id]
        out.append(view.model_copy(update=extras) if extras else view)
    return out


async def _reactions(conn: AsyncConnection, ids: list[UUID]) -> dict[UUID, list[ReactionCount]]:
    query = (
        select(reactions.c.message_id, reactions.c.emoji, reactions.c.user_id)
        .where(reactions.c.message_id.in_(ids))
        .order_by(reactions.c.created_at, reactions.c.user_id)
    )
    rows = (await conn.execute(query)).all()
    grouped: dict[UUID, dict[str, list[UUID]]] = defaultdict(dict)
    for message_id, emoji, user_id in rows:
        grouped[message_id].setdefault(emoji, []).append(user_id)
    return {
        message_id: [
            ReactionCount(emoji=emoji, count=len(users), me=False, user_ids=users)
            for emoji, users in by_emoji.items()
        ]
        for message_id, by_emoji in grouped.items()
    }


def file_view(row: Any, links: FileLinks) -> FileView:
    """A stored file with fresh signed links."""
    return FileView(
        id=row["id"],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        uploader_id=row["uploader_id"],
        name=row["name"],
        content_type=row["content_type"],
        size=row["size"],
        width=row["width"],
        height=row["height"],
        url=links.url(row["id"]),
        thumbnail_url=links.url(row["id"], "thumbnail") if row["thumbnail_key"] else None,
        created_at=row["created_at"],
    )


def for_reader(view: MessageView, reader: UUID) -> MessageView:
    """`view` with `me` set on its reactions for `reader`."""
    if not view.reactions:
        return view
    mine = [r.model_copy(update={"me": reader in r.user_ids}) for r in view.reactions]
    return view.model_copy(update={"reactions": mine})
