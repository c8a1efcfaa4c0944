"""Input readers: files and folders of articles in, :class:`~kg.model.Document` out.

Every format has its own module and is registered here by suffix. Readers stream: they
yield one document at a time, and a file or line that cannot be read becomes an
:class:`~kg.model.InputProblem` in the same stream, so one bad input never stops a run.

>>> from kg.ingest import read_documents
>>> for item in read_documents(["articles/"]):  # doctest: +SKIP
...     print(item)
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

from kg.ingest._base import DEFAULT_LIMITS, Limits, Reader, ReadOptions
from kg.ingest._dates import parse_date
from kg.ingest._files import suffix_of, walk_inputs
from kg.ingest.feed import read_feed
from kg.ingest.html import read_html
from kg.ingest.jsonl import read_jsonl
from kg.ingest.text import read_text
from kg.model import Document, InputProblem

__all__ = [
    "DEFAULT_LIMITS",
    "READERS",
    "SUPPORTED_SUFFIXES",
    "Limits",
    "count_articles",
    "iter_input_files",
    "parse_date",
    "read_documents",
    "read_file",
]

log = logging.getLogger(__name__)

READERS: Mapping[str, Reader] = MappingProxyType(
    {
        ".txt": read_text,
        ".text": read_text,
        ".md": read_text,
        ".html": read_html,
        ".htm": read_html,
        ".jsonl": read_jsonl,
        ".ndjson": read_jsonl,
        ".xml": read_feed,
        ".rss": read_feed,
        ".atom": read_feed,
    }
)
"""Which reader handles a file, by lower-case suffix."""

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(READERS)


def iter_input_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | InputProblem]:
    """The files to read under the given paths, or a problem for each unusable path.

    Folders are walked recursively in name order, skipping hidden entries and files of
    unsupported types; a file named explicitly must have a supported suffix.

    >>> list(iter_input_files(["no/such/file.txt"]))
    [InputProblem(path='no/such/file.txt', reason='no such file or directory', line=None)]
    """
    return walk_inputs(paths, SUPPORTED_SUFFIXES)


def read_file(
    path: str | os.PathLike[str],
    *,
    date: dt.date | None = None,
    source: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[Document | InputProblem]:
    """Read one file with the reader its suffix selects.

    ``date`` and ``source``, when given, replace the articles' own values.

    >>> docs = list(read_file("article.txt", source="Example Wire"))  # doctest: +SKIP
    """
    path = Path(path)
    reader = READERS.get(suffix_of(path))
    if reader is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        kind = suffix_of(path) or "(no suffix)"
        yield InputProblem(str(path), f"unsupported file type {kind}; supported: {supported}")
        return
    options = ReadOptions(date=date, source=source, limits=limits)
    log.debug("%s: reading with %s", path, reader.__name__)
    yield from reader(path, options)


# How articles are counted without being read, by reader: a file of one article counts 1.
_LINE_READERS = frozenset({read_jsonl})
_FEED_READERS = frozenset({read_feed})
_FEED_ITEMS = (b"<item>", b"<item ", b"<entry>", b"<entry ")
_CHUNK = 1 << 20


def count_articles(paths: Iterable[str | os.PathLike[str]]) -> int:
    """About how many articles :func:`read_documents` will yield for ``paths``, quickly.

    A JSON Lines file counts its non-blank lines and a feed its items, by scanning bytes
    without parsing; any other file counts one. Unreadable paths count nothing. It is an
    estimate for progress displays (a malformed line still counts), read at disk speed.

    >>> count_articles(["no/such/folder"])
    0
    """
    total = 0
    for item in iter_input_files(paths):
        if isinstance(item, InputProblem):
            continue
        reader = READERS.get(suffix_of(item))
        try:
            if reader in _LINE_READERS:
                total += _count_lines(item)
            elif reader in _FEED_READERS:
                total += _count_feed_items(item)
            else:
                total += 1
        except OSError:
            continue
    return total


def _count_lines(path: Path) -> int:
    lines = 0
    content = False  # whether the line being scanned has anything but white space
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            *ended, last = chunk.split(b"\n")
            for part in ended:
                lines += content or bool(part.strip())
                content = False
            content = content or bool(last.strip())
    return lines + content


def _count_feed_items(path: Path) -> int:
    items = 0
    longest = max(map(len, _FEED_ITEMS))
    tail = b""  # a possible marker cut in two by the chunk boundary
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            # Markers hold "<" only first, so none crosses a "<" near the end: count up to
            # it and carry the rest over.
            cut = window.rfind(b"<", max(0, len(window) - longest + 1))
            if cut == -1:
                cut = len(window)
            items += sum(window[:cut].count(marker) for marker in _FEED_ITEMS)
            tail = window[cut:]
    return items + sum(tail.count(marker) for marker in _FEED_ITEMS)


def read_documents(
    paths: Iterable[str | os.PathLike[str]],
    *,
    date: dt.date | None = None,
    source: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[Document | InputProblem]:
    """Every article in the given files and folders, as a stream.

    Problems come in the same stream, in order; report them and carry on.

    >>> from kg.model import Document
    >>> for item in read_documents(["data/samples"]):  # doctest: +SKIP
    ...     if isinstance(item, Document):
    ...         print(item.name, item.title)
    """
    for item in iter_input_files(paths):
        if isinstance(item, InputProblem):
            yield item
        else:
            yield from read_file(item, date=date, source=source, limits=limits)
