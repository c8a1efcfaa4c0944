"""Plain-text articles (``.txt``, ``.text``, ``.md``): one file, one article.

A first line followed by a blank line is the title; otherwise the whole file is the text.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from kg.ingest._base import ReadOptions, make_document
from kg.ingest._files import read_text_file
from kg.model import Document, InputProblem

__all__ = ["read_text", "split_title"]

log = logging.getLogger(__name__)

# A longer first line is a paragraph that happens to stand alone, not a headline; taking it
# as the title would drop it from the text the extractor sees.
_MAX_TITLE_CHARS = 300


def split_title(text: str) -> tuple[str | None, str]:
    """Split ``"Title\\n\\nBody"`` into title and body; no title unless a blank line follows.

    >>> split_title("Talks resume\\n\\nThe two sides met again.")
    ('Talks resume', 'The two sides met again.')
    >>> split_title("The two sides met again.\\nNo headline here.")
    (None, 'The two sides met again.\\nNo headline here.')
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    first, sep, rest = text.partition("\n")
    if not sep:
        return None, text
    second, _, body = rest.partition("\n")
    title = first.strip()
    if second.strip() or not body.strip() or len(title) > _MAX_TITLE_CHARS:
        return None, text
    return title, body.strip()


_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?!\d)")


def date_from_name(name: str) -> dt.date | None:
    """The date a file name starts with, as archives often name articles.

    >>> date_from_name("2024-10-18-korea-troops.txt")
    datetime.date(2024, 10, 18)
    """
    match = _DATED_NAME.match(name)
    if match is None:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def read_text(path: Path, options: ReadOptions) -> Iterator[Document | InputProblem]:
    """Read one plain-text article.

    >>> from kg.ingest import read_file
    >>> docs = list(read_file(Path("article.txt")))  # doctest: +SKIP
    """
    content = read_text_file(path, options.limits)
    if isinstance(content, InputProblem):
        yield content
        return
    title, body = split_title(content)
    if title and path.suffix.lower() == ".md":
        # Markdown headlines carry their markup ("# Title").
        title = title.lstrip("#").strip() or None
    yield make_document(
        body,
        name=path.name,
        origin=str(path),
        options=options,
        path=path,
        title=title,
        date=date_from_name(path.name),
        # read_text_file has already reported a file of zero bytes.
        empty_reason="file contains only whitespace",
    )
