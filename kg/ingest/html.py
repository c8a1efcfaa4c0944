"""HTML pages: the article's main text and metadata, found by trafilatura.

Nothing is fetched: trafilatura gets the page's text, never a URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import lxml.etree
import lxml.html
import trafilatura

from kg.ingest._base import ReadOptions, make_document
from kg.ingest._dates import parse_date
from kg.ingest._decode import html_declared_charset
from kg.ingest._files import read_text_file
from kg.model import Document, InputProblem

__all__ = ["read_html"]

log = logging.getLogger(__name__)

NO_TEXT_REASON = "no article text found in the HTML page"

# Page chrome that is never article text. trafilatura leaves it out of its own extraction,
# but its fallback extractors fall back to it on pages without an article ("Home World").
_CHROME_XPATH = ["//nav", "//footer", "//aside", "//*[@role='navigation']"]


def read_html(path: Path, options: ReadOptions) -> Iterator[Document | InputProblem]:
    """Read one HTML page as one article: main text, title, date, URL and site name.

    >>> from kg.ingest import read_file
    >>> docs = list(read_file(Path("page.html")))  # doctest: +SKIP
    """
    page = read_text_file(path, options.limits, html_declared_charset)
    if isinstance(page, InputProblem):
        yield page
        return
    if not page.strip():
        yield InputProblem(str(path), "file contains only whitespace")
        return
    try:
        extracted = trafilatura.bare_extraction(
            page,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
            with_metadata=True,
            prune_xpath=_CHROME_XPATH,
        )
    except Exception as err:  # lxml and trafilatura raise many kinds on malformed pages
        log.debug("%s: trafilatura failed", path, exc_info=True)
        yield InputProblem(str(path), f"could not parse the HTML page: {err}")
        return
    if extracted is None:
        yield InputProblem(str(path), _parser_limit(page) or NO_TEXT_REASON)
        return
    title = extracted.title
    text = _drop_repeated_title(extracted.text or "", title)
    yield make_document(
        text,
        name=path.name,
        origin=str(path),
        options=options,
        path=path,
        title=title,
        date=parse_date(extracted.date),
        url=extracted.url,
        source=extracted.sitename,
        empty_reason=NO_TEXT_REASON,
    )


# libxml2's HTML parser stops at these limits and drops the rest of the page silently.
_PARSER_LIMITS = (
    ("excessive depth", "elements are nested more than 256 deep"),
    ("buffer size limit", "a run of text is longer than the parser's 10 MB limit"),
)


def _parser_limit(page: str) -> str | None:
    """Why the page had no text, when the reason is a limit of the HTML parser."""
    parser = lxml.html.HTMLParser()
    try:
        lxml.html.document_fromstring(page, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None
    messages = " ".join(error.message.lower() for error in parser.error_log)
    for needle, reason in _PARSER_LIMITS:
        if needle in messages:
            return f"{NO_TEXT_REASON}: the HTML parser stops reading where {reason}"
    return None


def _drop_repeated_title(text: str, title: str | None) -> str:
    # trafilatura keeps the page's <h1> as the first line; the headline already lives in
    # ``title``, and the other readers keep it out of the text too.
    if not title:
        return text
    first, _, rest = text.strip().partition("\n")
    if " ".join(first.split()) == " ".join(title.split()) and rest.strip():
        return rest
    return text
