"""What every reader shares: limits, the caller's overrides and the final checks on a document."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.model import Document, InputProblem

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "ReadOptions",
    "Reader",
    "format_size",
    "make_document",
]


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds that keep one bad input from exhausting memory.

    ``max_file_bytes`` applies to formats read whole (text, HTML, feeds); JSONL is streamed,
    so only each of its lines is bounded, by ``max_line_bytes``.

    >>> Limits(max_file_bytes=1_000_000).max_text_chars
    2000000
    """

    max_file_bytes: int = 50_000_000
    max_text_chars: int = 2_000_000
    max_line_bytes: int = 20_000_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """The caller's overrides and limits, passed unchanged to every reader."""

    date: dt.date | None = None
    source: str | None = None
    limits: Limits = DEFAULT_LIMITS


Reader = Callable[[Path, ReadOptions], Iterator[Document | InputProblem]]


def format_size(n_bytes: int) -> str:
    """A size for messages: ``"80.0 MB"``, ``"12.5 kB"``, ``"300 bytes"``."""
    if n_bytes >= 1_000_000:
        return f"{n_bytes / 1_000_000:.1f} MB"
    if n_bytes >= 1_000:
        return f"{n_bytes / 1_000:.1f} kB"
    return f"{n_bytes} bytes"


def format_limit(n_bytes: int) -> str:
    """A limit for messages, without a needless ``.0``: ``"50 MB"``, ``"1.5 kB"``."""
    return format_size(n_bytes).replace(".0 ", " ")


def make_document(
    text: str | None,
    *,
    name: str,
    origin: str,
    options: ReadOptions,
    path: Path,
    line: int | None = None,
    title: str | None = None,
    date: dt.date | None = None,
    url: str | None = None,
    source: str | None = None,
    empty_reason: str = "article text is empty",
) -> Document | InputProblem:
    """Build a document, or say why the text cannot be one; the caller's overrides win."""
    text = (text or "").strip()
    if not text:
        return InputProblem(str(path), empty_reason, line)
    if name == path.name and _SURROGATE.search(name):
        # A file name that is not valid UTF-8 (Python keeps its bytes as surrogates).
        name = os.fsencode(name).decode("utf-8", errors="replace")
    fields = {"text": text, "id": name, "title": title, "url": url, "source": source}
    for field_name, value in fields.items():
        # A JSON "\ud800" escape or an XML "&#xD800;" reference gives Python a lone UTF-16
        # surrogate, which no UTF-8 text (the document hash, the store) can hold.
        if value and (found := _SURROGATE.search(value)):
            return InputProblem(
                str(path),
                f"field '{field_name}' contains U+{ord(found.group()):04X}, a lone UTF-16 "
                "surrogate (an invalid escape); fix or drop that character",
                line,
            )
    limit = options.limits.max_text_chars
    if len(text) > limit:
        return InputProblem(
            str(path),
            f"article text is {len(text):,} characters, over the {limit:,} limit; split it",
            line,
        )
    return Document(
        text=text,
        name=name,
        title=_clean_optional(title),
        date=options.date or date,
        url=_clean_optional(url),
        source=options.source or _clean_optional(source),
        origin=origin,
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_optional(value: str | None) -> str | None:
    # Metadata fields hold a value or nothing; an empty string would print as a blank label.
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None
