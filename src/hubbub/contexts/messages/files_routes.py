"""Files: upload to a chat, the chat's file list, and downloads through signed links."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Request, Response, UploadFile

from hubbub.apis import apis
from hubbub.contexts.auth import CurrentUser
from hubbub.contexts.messages.api import FilePage, FileView
from hubbub.http_errors import ERROR_RESPONSES
from hubbub.kernel.ids import Id

router = APIRouter(tags=["files"])
UPLOAD_PATH = r"^/api/v1/chats/[^/]+/files$"


@router.post(
    "/api/v1/chats/{chat_id}/files",
    status_code=201,
    response_model=FileView,
    responses=ERROR_RESPONSES(401, 403, 404, 413, 422),
)
async def upload_file(
    chat_id: Id,
    user: CurrentUser,
    request: Request,
    file: Annotated[UploadFile, File(description="The file (multipart field `file`)")],
) -> FileView:
    """Upload a file for a message of yours in this chat (send it with `file_ids`). Its type
    comes from its content: a name or content type that says otherwise is 422
    `file_type_mismatch`; empty is 422 `empty_file`, too large 413 `file_too_large`. Images
    get a thumbnail."""
    messages = apis(request).messages
    data = await file.read()
    return await messages.upload_file(
        user_id=user.user_id,
        chat_id=chat_id,
        name=file.filename or "file",
        declared_type=file.content_type,
        data=data,
    )


@router.get(
    "/api/v1/chats/{chat_id}/files",
    response_model=FilePage,
    responses=ERROR_RESPONSES(401, 403, 404, 422),
)
async def chat_files(
    chat_id: Id,
    user: CurrentUser,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    before_id: Id | None = None,
) -> FilePage:
    """The files shared in the chat's messages, newest first (keyset by `before_id`)."""
    return await apis(request).messages.chat_files(
        user_id=user.user_id, chat_id=chat_id, limit=limit, before_id=before_id
    )


@router.get(
    "/api/v1/files/{file_id}/{variant}",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file's bytes"},
        **ERROR_RESPONSES(403, 404, 422),
    },
)
async def download(
    file_id: Id,
    variant: str,
    request: Request,
    exp: Annotated[int, Query(description="Expiry (Unix seconds) of the signed link")],
    sig: Annotated[str, Query(max_length=64, description="The link's signature")],
) -> Response:
    """A file (`original`) or its thumbnail, through a signed link from a message, the file
    list or the upload answer (403 `invalid_file_link` / `file_link_expired`)."""
    found = await apis(request).messages.download(
        file_id=file_id, variant=variant, expires=exp, signature=sig
    )
    inline = found.content_type.startswith("image/") and found.content_type != "image/svg+xml"
    disposition = "inline" if inline else "attachment"
    return Response(
        content=found.data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=300",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
