"""Finding input files in the paths a user names, and reading small files whole."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path

from kg.ingest._base import Limits, format_limit, format_size
from kg.ingest._decode import DecodeError, decode_bytes
from kg.model import InputProblem

__all__ = ["read_whole_file", "suffix_of", "walk_inputs"]

log = logging.getLogger(__name__)


def suffix_of(path: Path) -> str:
    """The lower-case suffix that picks a reader: ``Report.HTML`` → ``.html``."""
    return path.suffix.lower()


def walk_inputs(
    paths: Iterable[str | os.PathLike[str]], suffixes: Collection[str]
) -> Iterator[Path | InputProblem]:
    """Files to read, in a stable order, with a problem for each path that cannot be used."""
    supported = ", ".join(sorted(suffixes))
    # Shared across all arguments so that a folder named twice, or reached again through a
    # symlink, is walked once and a symlink loop ends.
    seen_dirs: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk_dir(path, suffixes, seen_dirs)
        elif path.is_file():
            if suffix_of(path) in suffixes:
                yield path
            else:
                kind = suffix_of(path) or "(no suffix)"
                yield InputProblem(
                    str(path), f"unsupported file type {kind}; supported: {supported}"
                )
        elif path.exists() or path.is_symlink():
            # A dangling symlink exists as a link but points at nothing.
            reason = "not a regular file or folder"
            if not path.exists():
                reason = "broken symbolic link (its target does not exist)"
            yield InputProblem(str(path), reason)
        else:
            yield InputProblem(str(path), "no such file or directory")


def _walk_dir(
    folder: Path, suffixes: Collection[str], seen_dirs: set[Path]
) -> Iterator[Path | InputProblem]:
    try:
        resolved = folder.resolve(strict=True)
    except (OSError, RuntimeError) as err:
        yield InputProblem(str(folder), f"cannot open folder: {_os_reason(err)}")
        return
    if resolved in seen_dirs:
        log.debug("%s: folder already read (symlink loop or repeated path); skipped", folder)
        return
    seen_dirs.add(resolved)
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as err:
        yield InputProblem(str(folder), f"cannot list folder: {_os_reason(err)}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            log.debug("%s: hidden; skipped", entry.path)
            continue
        if entry.name.split(".")[0].upper() in _PROJECT_FILES:
            # A folder of articles often carries its own README or LICENCE: not news.
            log.debug("%s: project documentation; skipped", entry.path)
            continue
        child = folder / entry.name
        try:
            is_dir = entry.is_dir()
            is_file = entry.is_file()
        except OSError as err:
            yield InputProblem(str(child), f"cannot read: {_os_reason(err)}")
            continue
        if is_dir:
            yield from _walk_dir(child, suffixes, seen_dirs)
        elif is_file and suffix_of(child) in suffixes:
            yield child
        elif not is_file and suffix_of(child) in suffixes and entry.is_symlink():
            # A link to an article that is gone (or to itself): say so, as for a link
            # named on the command line, rather than skip it silently.
            yield InputProblem(str(child), f"broken symbolic link ({_link_reason(child)})")
        else:
            log.debug("%s: not a supported input file; skipped", child)


def _link_reason(link: Path) -> str:
    try:
        link.stat()
    except OSError as err:
        return _os_reason(err)
    return "not a regular file"


_PROJECT_FILES = {"README", "LICENSE", "LICENCE", "CHANGELOG", "CONTRIBUTING", "NOTICE"}


def read_whole_file(path: Path, limits: Limits) -> bytes | InputProblem:
    """The file's bytes, or a problem when it is missing, unreadable, empty or too big."""
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            return InputProblem(
                str(path),
                f"file is {format_size(size)}, over the "
                f"{format_limit(limits.max_file_bytes)} limit; split it",
            )
        with path.open("rb") as handle:
            # Read one byte past the limit: the file may have grown since stat().
            data = handle.read(limits.max_file_bytes + 1)
    except OSError as err:
        return InputProblem(str(path), f"cannot read file: {_os_reason(err)}")
    if len(data) > limits.max_file_bytes:
        return InputProblem(
            str(path), f"file is over the {format_limit(limits.max_file_bytes)} limit; split it"
        )
    if not data:
        return InputProblem(str(path), "file is empty")
    return data


def _os_reason(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__


def read_text_file(
    path: Path, limits: Limits, charset_of: Callable[[bytes], str | None] | None = None
) -> str | InputProblem:
    """The file decoded to text, or the problem that stops it: unreadable, empty, too big,
    binary or undecodable. ``charset_of`` reads an encoding the content declares itself
    (an HTML ``<meta charset>``)."""
    data = read_whole_file(path, limits)
    if isinstance(data, InputProblem):
        return data
    declared = charset_of(data) if charset_of is not None else None
    try:
        return decode_bytes(data, where=str(path), declared=declared)
    except DecodeError as err:
        return InputProblem(str(path), str(err))
