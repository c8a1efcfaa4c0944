"""JSON Lines (``.jsonl``, ``.ndjson``): one article per line, read as a stream.

Each line is an object with a ``text`` string and optionally ``id``, ``title``, ``date``,
``url`` and ``source``; other keys (gold annotations, licences) are ignored. A bad line is
reported with its number and the rest of the file is still read.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kg.ingest._base import ReadOptions, format_limit, format_size, make_document
from kg.ingest._dates import parse_date
from kg.ingest._decode import BINARY_REASON, bom_encoding, bomless_utf16
from kg.model import Document, InputProblem

__all__ = ["read_jsonl"]

log = logging.getLogger(__name__)

_SNIFF_BYTES = 8192
_SKIP_CHUNK = 1 << 20
_OPTIONAL_STRINGS = ("title", "date", "url", "source")
_JSON_TYPE_NAMES = {
    dict: "object",
    list: "list",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


@dataclass(frozen=True, slots=True)
class _TooLong:
    size: int


def read_jsonl(path: Path, options: ReadOptions) -> Iterator[Document | InputProblem]:
    """Read articles from a JSON Lines file, one line at a time.

    Memory stays flat in the number of lines: only the current line is held.

    >>> from kg.ingest import read_file
    >>> docs = list(read_file(Path("articles.jsonl")))  # doctest: +SKIP
    """
    try:
        handle = path.open("rb")
    except OSError as err:
        yield InputProblem(str(path), f"cannot read file: {err.strerror or err}")
        return
    with handle:
        try:
            yield from _read_stream(path, handle, options)
        except OSError as err:
            yield InputProblem(str(path), f"cannot read file: {err.strerror or err}")


def _read_stream(
    path: Path, handle: IO[bytes], options: ReadOptions
) -> Iterator[Document | InputProblem]:
    head = handle.read(_SNIFF_BYTES)
    handle.seek(0)
    if not head:
        yield InputProblem(str(path), "file is empty")
        return
    found = bom_encoding(head)
    codec = None
    if found is None and b"\0" in head:
        codec = bomless_utf16(head)
        if codec is None:
            yield InputProblem(str(path), BINARY_REASON)
            return
    elif found and found[0] != "utf-8":
        # The generic codec name consumes the BOM.
        codec = "utf-16" if found[0].startswith("utf-16") else "utf-32"
    # UTF-16/32 lines cannot be split on b"\n"; let a text layer decode them.
    stream: IO[bytes] | IO[str] = (
        io.TextIOWrapper(handle, encoding=codec, errors="replace") if codec else handle
    )
    warned_cp1252 = False
    any_line = False
    limit = options.limits.max_line_bytes
    for lineno, raw in _bounded_lines(stream, limit):
        if isinstance(raw, _TooLong):
            any_line = True
            yield InputProblem(
                str(path),
                f"line is {format_size(raw.size)}, over the {format_limit(limit)} line limit; "
                "split the article or raise the limit",
                lineno,
            )
            continue
        if isinstance(raw, bytes):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("cp1252", errors="replace")
                if not warned_cp1252:
                    log.warning("%s: not valid UTF-8; read it as Windows-1252 (Latin-1)", path)
                    warned_cp1252 = True
        else:
            line = raw
        if not line.strip():
            continue
        any_line = True
        yield _parse_line(path, lineno, line, options)
    if not any_line:
        yield InputProblem(str(path), "file contains only blank lines")


def _bounded_lines(
    stream: IO[bytes] | IO[str], limit: int
) -> Iterator[tuple[int, bytes | str | _TooLong]]:
    """Lines with their 1-based numbers; a line longer than ``limit`` is skipped unread."""
    lineno = 0
    while True:
        chunk = stream.readline(limit + 1)
        if not chunk:
            return
        lineno += 1
        newline = b"\n" if isinstance(chunk, bytes) else "\n"
        if len(chunk) <= limit or chunk.endswith(newline):
            yield lineno, chunk
            continue
        # Skip the rest of the oversized line in bounded pieces, counting its size.
        size = len(chunk)
        while True:
            rest = stream.readline(_SKIP_CHUNK)
            size += len(rest)
            if not rest or rest.endswith(newline):
                break
        yield lineno, _TooLong(size)


def _parse_line(
    path: Path, lineno: int, line: str, options: ReadOptions
) -> Document | InputProblem:
    def problem(reason: str) -> InputProblem:
        return InputProblem(str(path), reason, lineno)

    try:
        # Without its line break: an unterminated string then reads as one, not as a
        # "control character" error.
        record = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as err:
        return problem(f"line is not valid JSON: {err.msg} (col {err.colno})")
    except RecursionError:
        return problem("line is not valid JSON: nested too deeply")
    if not isinstance(record, dict):
        return problem(
            f"line is a JSON {_type_name(record)}, expected an object with a 'text' field"
        )
    if "text" not in record:
        return problem("missing required field 'text'")
    text = record["text"]
    if not isinstance(text, str):
        return problem(f"field 'text' must be a string, got {_type_name(text)}")
    for key in _OPTIONAL_STRINGS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            return problem(f"field '{key}' must be a string or null, got {_type_name(value)}")
    raw_id = record.get("id")
    # bool is an int subclass, but true/false is no identifier.
    if raw_id is not None and (
        isinstance(raw_id, bool) or not isinstance(raw_id, str | int | float)
    ):
        return problem(f"field 'id' must be a string or a number, got {_type_name(raw_id)}")
    name = str(raw_id).strip() if raw_id is not None else ""
    date = parse_date(record.get("date"))
    if record.get("date") and date is None:
        log.warning("%s:%d: cannot read date %r; left empty", path, lineno, record["date"])
    return make_document(
        text,
        name=name or f"{path.name}#{lineno}",
        origin=f"{path}:{lineno}",
        options=options,
        path=path,
        line=lineno,
        title=record.get("title"),
        date=date,
        url=record.get("url"),
        source=record.get("source"),
    )


def _type_name(value: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
