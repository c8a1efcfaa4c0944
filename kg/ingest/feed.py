"""RSS and Atom feeds (``.xml``, ``.rss``, ``.atom``): one article per item.

feedparser gets the file's bytes, never a URL, so nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import lxml.etree
import lxml.html

from kg.ingest._base import ReadOptions, make_document
from kg.ingest._dates import parse_date
from kg.ingest._decode import BINARY_REASON, looks_binary
from kg.ingest._files import read_whole_file
from kg.model import Document, InputProblem

__all__ = ["html_to_text", "read_feed"]

log = logging.getLogger(__name__)

NOT_A_FEED_REASON = "not an RSS or Atom feed"

_BLOCK_TAGS = (
    "p", "div", "li", "ul", "ol", "blockquote", "pre", "table", "tr", "section", "article",
    "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "header", "footer", "dd", "dt",
)  # fmt: skip
_DROPPED_TAGS = ("script", "style", "noscript", "template")


def html_to_text(markup: str) -> str:
    """Text of an HTML fragment, with a blank line between paragraphs.

    >>> html_to_text("<p>First <b>point</b>.</p><p>Second.</p>")
    'First point.\\n\\nSecond.'
    """
    if "<" not in markup:
        return _tidy(markup)
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _tidy(markup)
    for element in list(root.iter(*_DROPPED_TAGS)):
        element.drop_tree()
    for element in root.iter(*_BLOCK_TAGS):
        element.text = "\n\n" + (element.text or "")
        element.tail = "\n\n" + (element.tail or "")
    for element in root.iter("br"):
        element.tail = "\n" + (element.tail or "")
    return _tidy(root.text_content())


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def read_feed(path: Path, options: ReadOptions) -> Iterator[Document | InputProblem]:
    """Read each item of an RSS or Atom feed as an article.

    The item's full content is preferred to its summary; the feed's title is the source.

    >>> from kg.ingest import read_file
    >>> docs = list(read_file(Path("news.rss")))  # doctest: +SKIP
    """
    data = read_whole_file(path, options.limits)
    if isinstance(data, InputProblem):
        yield data
        return
    if looks_binary(data):
        yield InputProblem(str(path), BINARY_REASON)
        return
    try:
        # A file object, not bytes: feedparser tries to open() a bytes argument as a path.
        parsed = feedparser.parse(io.BytesIO(data))
    except Exception as err:  # feedparser is meant to be lenient; do not let it stop a run
        log.debug("%s: feedparser failed", path, exc_info=True)
        yield InputProblem(str(path), f"{NOT_A_FEED_REASON} ({err})")
        return
    # feedparser finds <item>s in any XML; only a recognised root makes it a feed.
    if not parsed.version or (parsed.bozo and not parsed.entries):
        yield InputProblem(str(path), NOT_A_FEED_REASON)
        return
    if not parsed.entries:
        yield InputProblem(str(path), "feed has no items")
        return
    if parsed.bozo:
        log.debug("%s: feed is not well formed (%s); read leniently", path, parsed.bozo_exception)
    feed_title = parsed.feed.get("title")
    for number, entry in enumerate(parsed.entries, start=1):
        link = entry.get("link") or None
        title = entry.get("title") or None
        label = f"feed item {number}" + (f" ({title})" if title else "")
        yield make_document(
            _entry_text(entry),
            name=link or f"{path.name}#{number}",
            origin=f"{path}#{number}",
            options=options,
            path=path,
            title=title,
            date=_entry_date(entry),
            url=link,
            source=feed_title,
            empty_reason=f"{label} has no text",
        )


def _entry_text(entry: Any) -> str:
    parts = [*entry.get("content", []), entry.get("summary_detail")]
    for part in parts:
        if not part or not (part.get("value") or "").strip():
            continue
        value = part["value"]
        if "html" in (part.get("type") or "html"):
            return html_to_text(value)
        return _tidy(value)
    return ""


def _entry_date(entry: Any) -> dt.date | None:
    # The date as the feed writes it first: feedparser's *_parsed fields are shifted to
    # UTC, which can move an evening story to the next day.
    for key in ("published", "updated", "created"):
        found = parse_date(entry.get(key))
        if found:
            return found
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        stamp = entry.get(key)
        if isinstance(stamp, time.struct_time):
            return dt.date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday)
    return None
