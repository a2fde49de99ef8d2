"""LocalMessagesApi: the write path (group commit → ack → fan-out) and history."""

from uuid import UUID

import structlog

from hubbub.contexts.messages import model
from hubbub.contexts.messages.api import (
    ChatActivity,
    Download,
    FilePage,
    FileView,
    MessagePage,
    MessageView,
    PostResult,
    ReplyPreview,
    SearchPage,
)
from hubbub.contexts.messages.changes import MessageChanges
from hubbub.contexts.messages.files import ChatFiles
from hubbub.contexts.messages.mentions import UserDirectory, mentioned_members
from hubbub.contexts.messages.model import Draft
from hubbub.contexts.messages.ports import ChangeStore, Membership, MessageStore
from hubbub.contexts.messages.search import MessageSearch
from hubbub.contexts.messages.store_reads import for_reader, preview_of
from hubbub.infra.observability.metrics import MESSAGES_SENT, WRITE_BATCH_SIZE
from hubbub.kernel.batching import GroupCommitter
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import Invalid, NotFound, Unavailable
from hubbub.kernel.frames import NewMessage, Read
from hubbub.kernel.ports import LiveEvents

log = structlog.get_logger(__name__)


Submitted = tuple[Draft, str | None, dict[str, object]]
"""A checked draft, the sending connection and what the stored message carries besides its
row (the preview of the message it answers, its files)."""


class LocalMessagesApi:
    def __init__(
        self,
        *,
        store: MessageStore,
        changes: ChangeStore,
        membership: Membership,
        live: LiveEvents,
        clock: Clock,
        users: UserDirectory,
        search: MessageSearch | None = None,
        files: ChatFiles | None = None,
        edit_window_seconds: float = 48 * 3600,
    ) -> None:
        self._store = store
        self._users = users
        self._membership = membership
        self._live = live
        self._clock = clock
        self._writer: GroupCommitter[Submitted, tuple[MessageView, bool]] = GroupCommitter(
            self._write_batch
        )
        self._changes = MessageChanges(
            messages=store,
            changes=changes,
            membership=membership,
            live=live,
            clock=clock,
            edit_window_seconds=edit_window_seconds,
            files=files,
        )
        self.edit = self._changes.edit
        self.delete = self._changes.delete
        self.react = self._changes.react
        self.changed_since = self._changes.changed_since
        self._search = search
        self._files = files

    async def search(
        self,
        *,
        user_id: UUID,
        query: str,
        chat_id: UUID | None,
        sender_id: UUID | None,
        limit: int,
        before: str | None,
    ) -> SearchPage:
        """Ranked full-text search over the caller's chats (see search.py)."""
        if self._search is None:
            raise Unavailable("search is not set up in this process", code="search_unavailable")
        return await self._search.search(
            user_id=user_id,
            query=query,
            chat_id=chat_id,
            sender_id=sender_id,
            limit=limit,
            before=before,
        )

    async def post(
        self,
        *,
        sender_id: UUID,
        chat_id: UUID,
        text: str,
        request_id: str | None,
        origin: str | None = None,
        ai_generated: bool = False,
        reply_to: UUID | None = None,
        file_ids: tuple[UUID, ...] = (),
    ) -> PostResult:
        """Check, store (sharing a transaction with concurrent sends), then fan out."""
        text = model.check_text(text, allow_empty=bool(file_ids))
        request_id = model.check_request_id(request_id)
        await self._membership.check_member(chat_id=chat_id, user_id=sender_id)
        mentioned: tuple[UUID, ...] = ()
        if "@" in text:
            mentioned = await mentioned_members(
                text,
                chat_id=chat_id,
                sender_id=sender_id,
                users=self._users,
                chats=self._membership,
            )
        preview = await self._reply_preview(chat_id, reply_to) if reply_to else None
        attached: list[FileView] = []
        if file_ids:
            attached = await self._file_service().check_attachable(
                user_id=sender_id, chat_id=chat_id, file_ids=tuple(dict.fromkeys(file_ids))
            )
        draft = Draft(
            chat_id=chat_id,
            sender_id=sender_id,
            text=text,
            request_id=request_id,
            ai_generated=ai_generated,
            reply_to=reply_to,
            mentions=mentioned,
            file_ids=tuple(f.id for f in attached),
        )
        extras: dict[str, object] = {}
        if preview is not None:
            extras["reply_to"] = preview
        if attached:
            extras["files"] = [f.model_copy(update={"message_id": None}) for f in attached]
        message, created = await self._writer.submit((draft, origin, extras))
        if not created and (message.reply_to_id is not None or file_ids):
            message = await self._store.get(chat_id, message.id) or message  # with extras
        return PostResult(message=for_reader(message, sender_id), created=created)

    def _file_service(self) -> ChatFiles:
        if self._files is None:
            raise Unavailable("files are not set up in this process", code="files_unavailable")
        return self._files

    async def upload_file(
        self, *, user_id: UUID, chat_id: UUID, name: str, declared_type: str | None, data: bytes
    ) -> FileView:
        """Store a file for a message of the uploader in this chat (see files.py)."""
        return await self._file_service().upload(
            user_id=user_id, chat_id=chat_id, name=name, declared_type=declared_type, data=data
        )

    async def chat_files(
        self, *, user_id: UUID, chat_id: UUID, limit: int, before_id: UUID | None
    ) -> FilePage:
        """Files of the chat's messages, newest first."""
        page, more = await self._file_service().of_chat(
            user_id=user_id, chat_id=chat_id, limit=limit, before_id=before_id
        )
        return FilePage(files=page, has_more=more)

    async def download(
        self, *, file_id: UUID, variant: str, expires: int, signature: str
    ) -> Download:
        """The bytes behind a signed link."""
        stored, data = await self._file_service().download(
            file_id=file_id, variant=variant, expires=expires, signature=signature
        )
        content_type = stored.content_type if variant == "original" else "image/png"
        return Download(name=stored.name, content_type=content_type, data=data)

    async def _reply_preview(self, chat_id: UUID, reply_to: UUID) -> ReplyPreview:
        """The preview of the message a reply answers, which must be in the same chat."""
        original = await self._store.get(chat_id, reply_to)
        if original is None:
            raise Invalid("reply_to: no such message in this chat", code="invalid_reply_to")
        return preview_of(original)

    async def close(self) -> None:
        """Finish the writes in flight (graceful shutdown)."""
        await self._writer.close()

    async def _write_batch(self, batch: list[Submitted]) -> list[tuple[MessageView, bool]]:
        results = await self._store.append([draft for draft, _, _ in batch], self._clock.now())
        WRITE_BATCH_SIZE.observe(len(batch))
        # Committed: fan out here, in seq order, before any caller can send its ack.
        for index, ((_, origin, extras), (message, created)) in enumerate(
            zip(batch, results, strict=True)
        ):
            if created and extras:
                if "files" in extras:
                    extras["files"] = [
                        f.model_copy(update={"message_id": message.id})
                        for f in extras["files"]  # type: ignore[attr-defined]
                    ]
                message = message.model_copy(update=extras)
                results[index] = (message, created)
            if created:
                MESSAGES_SENT.inc()
                frame = NewMessage[MessageView](message=message).dump()
                try:
                    await self._live.to_chat(message.chat_id, frame, skip_connection=origin)
                except Exception:
                    # Stored is stored: a fan-out failure must not fail the ack. Clients
                    # notice the gap in seq and recover it with `sync`.
                    log.exception("fanout_failed", chat_id=str(message.chat_id))
        return results

    async def history(
        self,
        *,
        user_id: UUID,
        chat_id: UUID,
        limit: int,
        before_id: UUID | None = None,
        after_id: UUID | None = None,
        after_seq: int | None = None,
    ) -> MessagePage:
        """A keyset page by seq, as `user_id` sees it (`me` on reactions)."""
        page = await self._page(chat_id, user_id, limit, before_id, after_id, after_seq)
        page.messages = [for_reader(m, user_id) for m in page.messages]
        return page

    async def _page(
        self,
        chat_id: UUID,
        user_id: UUID,
        limit: int,
        before_id: UUID | None,
        after_id: UUID | None,
        after_seq: int | None,
    ) -> MessagePage:
        """`before_id`/`after_id` are turned into seqs first."""
        model.check_cursors(before_id, after_id, after_seq)
        await self._membership.check_member(chat_id=chat_id, user_id=user_id)
        if not 1 <= limit <= model.SYNC_MAX:
            raise Invalid(f"limit: 1–{model.SYNC_MAX}")
        if before_id is not None:
            below = await self._seq_of(chat_id, before_id, "before_id")
            rows = await self._store.page(chat_id, below_seq=below, above_seq=None, limit=limit + 1)
            return MessagePage(
                messages=rows[-limit:], has_previous=len(rows) > limit, has_next=True
            )
        if after_id is not None:
            after_seq = await self._seq_of(chat_id, after_id, "after_id")
        if after_seq is not None:
            rows = await self._store.page(
                chat_id, below_seq=None, above_seq=after_seq, limit=limit + 1
            )
            has_previous = after_seq >= 1 and await self._store.last_seq(chat_id) >= 1
            return MessagePage(
                messages=rows[:limit], has_previous=has_previous, has_next=len(rows) > limit
            )
        rows = await self._store.page(chat_id, below_seq=None, above_seq=None, limit=limit + 1)
        return MessagePage(messages=rows[-limit:], has_previous=len(rows) > limit, has_next=False)

    async def mark_read(self, *, user_id: UUID, chat_id: UUID, seq: int) -> int:
        """Advance the read cursor (clamped to the last seq); tell the other members."""
        seq = model.check_seq(seq)
        await self._membership.check_member(chat_id=chat_id, user_id=user_id)
        seq = min(seq, await self._store.last_seq(chat_id))
        cursor, moved = await self._store.advance_cursor(chat_id, user_id, seq)
        if moved:
            frame = Read(chat_id=chat_id, user_id=user_id, seq=cursor)
            await self._live.to_chat(chat_id, frame.dump(), skip_user=user_id)
        return cursor

    async def activity(self, *, user_id: UUID, chat_ids: list[UUID]) -> dict[UUID, ChatActivity]:
        """Per-chat last seq, read cursor and last message for one member."""
        return await self._store.activity(user_id, chat_ids)

    async def catch_up(self, *, user_id: UUID, chat_id: UUID) -> None:
        """Start a new member's cursor at the chat's current end."""
        last = await self._store.last_seq(chat_id)
        if last:
            await self._store.advance_cursor(chat_id, user_id, last)

    async def forget_reader(self, *, user_id: UUID) -> None:
        """Erase a deleted account's read cursors (its messages stay: they belong to the
        conversations of the people it wrote to)."""
        await self._store.delete_cursors(user_id)

    async def _seq_of(self, chat_id: UUID, message_id: UUID, field: str) -> int:
        found = await self._store.get(chat_id, message_id)
        if found is None:
            raise NotFound(f"{field}: no such message in this chat", code="message_not_found")
        return found.seq
