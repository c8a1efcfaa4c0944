"""Bytes to text: UTF-8 first, UTF-16/32 when a BOM (or, for UTF-16, the zero bytes of ASCII
text) says so, cp1252 as a last resort."""

from __future__ import annotations

import codecs
import logging
import re

__all__ = [
    "BINARY_REASON",
    "DecodeError",
    "bom_encoding",
    "bomless_utf16",
    "decode_bytes",
    "has_unicode_bom",
    "html_declared_charset",
    "looks_binary",
]

log = logging.getLogger(__name__)

BINARY_REASON = "binary file (contains NUL bytes); give a text, HTML, JSONL or RSS/Atom file"
_UNDECODABLE_REASON = "not valid UTF-8 or UTF-16 text; convert it to UTF-8"

# UTF-32 before UTF-16: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class DecodeError(ValueError):
    """The bytes are not text we can read; ``str(error)`` is the reason to show the user."""


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding a leading BOM declares and the BOM's length, or None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def has_unicode_bom(data: bytes) -> bool:
    """True when the bytes start with a UTF-8/16/32 byte-order mark."""
    return bom_encoding(data) is not None


def looks_binary(data: bytes) -> bool:
    """NUL bytes without a UTF-16/32 BOM, and not UTF-16 without one either: no text format
    we read contains them."""
    return b"\0" in data and not has_unicode_bom(data) and bomless_utf16(data) is None


# Control characters that plain text does not hold (tab, line breaks and form feed do).
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SNIFF_BYTES = 8192


def bomless_utf16(data: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when bytes without a BOM are UTF-16 text, else None.

    In UTF-16, every character of the ASCII range (letters, spaces, digits, punctuation)
    has a zero byte, always on the same side: odd offsets for little-endian, even ones for
    big-endian. Binary data has zero bytes on both sides. The start of the file must also
    decode to text without control characters.

    >>> bomless_utf16("Talks resumed.".encode("utf-16-le"))
    'utf-16-le'
    >>> bomless_utf16(bytes(range(256)) * 4) is None
    True
    """
    sample = data[:_SNIFF_BYTES]
    sample = sample[: len(sample) - len(sample) % 2]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    # Mostly-ASCII text puts a zero in nearly every code unit; ask for a quarter of them.
    if len(sample) < 2 or (even and odd) or max(even, odd) * 4 < len(sample) // 2:
        return None
    encoding = "utf-16-le" if odd else "utf-16-be"
    try:
        # Incremental: the sample may end inside a surrogate pair.
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return None
    return None if _CONTROL.search(text) else encoding


def decode_bytes(data: bytes, *, where: str = "", declared: str | None = None) -> str:
    """Decode file content, raising :class:`DecodeError` with a user-facing reason.

    ``declared`` is an encoding the content names for itself (an HTML ``charset``); it is
    tried when UTF-8 fails, before the cp1252 guess.

    >>> decode_bytes("café".encode("cp1252"))
    'café'
    """
    found = bom_encoding(data)
    if found:
        encoding, skip = found
        try:
            return data[skip:].decode(encoding)
        except UnicodeDecodeError as err:
            raise DecodeError(_UNDECODABLE_REASON) from err
    if b"\0" in data:
        encoding = bomless_utf16(data)
        if encoding is None:
            raise DecodeError(BINARY_REASON)
        log.debug("%s: no byte-order mark; read it as %s", where or "input", encoding)
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as err:
            raise DecodeError(_UNDECODABLE_REASON) from err
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            log.debug("%s: declared encoding %r does not decode it", where, declared)
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as err:
        raise DecodeError(_UNDECODABLE_REASON) from err
    # cp1252 is a superset of the printable Latin-1 range, so old Western European files
    # read correctly; anything else would be mojibake, hence the warning.
    log.warning("%s: not valid UTF-8; read it as Windows-1252 (Latin-1)", where or "input")
    return text


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def html_declared_charset(data: bytes) -> str | None:
    """The ``charset`` an HTML page declares in its first few kilobytes, if any."""
    match = _CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None
