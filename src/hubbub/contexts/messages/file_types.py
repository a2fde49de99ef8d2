"""What a file really is, from its bytes (pure): the one rule for files that lie.

The content decides the type (`filetype`'s magic numbers; otherwise UTF-8 text without NULs
is text/plain, anything else application/octet-stream). A file whose name or declared type
says something else than a type the content has is refused (422 `file_type_mismatch`): a
"photo.png" that is a ZIP, a "notes.txt" that is an executable, a PNG sent as image/jpeg.
Names with no extension, or one nobody knows, are fine: the file is stored with its real type.
"""

import mimetypes
from dataclasses import dataclass

import filetype

from hubbub.kernel.errors import Invalid

TEXT = "text/plain"
BINARY = "application/octet-stream"
GENERIC = frozenset({"", BINARY, "binary/octet-stream", "application/unknown"})
TEXTUAL = frozenset(
    {"text/plain", "text/markdown", "text/csv", "text/x-python", "application/json"}
)
IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}


@dataclass(frozen=True, slots=True)
class Detected:
    content_type: str

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGES


def detect(data: bytes) -> Detected:
    """The type of `data`, from its bytes alone."""
    found = filetype.guess_mime(data[:8192])
    if found:
        return Detected(ALIASES.get(found, found))
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return Detected(TEXT)
    return Detected(BINARY)


def check_claims(detected: Detected, name: str, declared: str | None) -> None:
    """Refuse a file whose name or declared type contradicts its content."""
    for claim, source in ((_type_of_name(name), "name"), (_normal(declared), "content type")):
        if claim is None or claim in GENERIC:
            continue
        real = detected.content_type
        if claim == real or (real == TEXT and (claim in TEXTUAL or claim.startswith("text/"))):
            continue
        raise Invalid(
            f"file: its {source} says {claim} but its content is {real}",
            code="file_type_mismatch",
        )


def _type_of_name(name: str) -> str | None:
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return _normal(guessed)


def _normal(content_type: str | None) -> str | None:
    if content_type is None:
        return None
    base = content_type.split(";", 1)[0].strip().lower()
    return ALIASES.get(base, base)
