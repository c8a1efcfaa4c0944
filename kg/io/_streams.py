"""Where exports go: a path, a text stream or a binary stream."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TextIO

Destination = str | os.PathLike[str] | IO[str] | IO[bytes]

__all__ = ["Destination", "as_directory", "text_output"]


@contextmanager
def text_output(destination: Destination) -> Iterator[TextIO]:
    """A text stream writing UTF-8 to ``destination`` (a path, a text or a binary stream).

    A path is opened (and closed) here; a stream given by the caller is left open.
    """
    if isinstance(destination, (str, os.PathLike)):
        with open(destination, "w", encoding="utf-8", newline="") as output:
            yield output
    elif isinstance(destination, io.TextIOBase) or hasattr(destination, "encoding"):
        yield destination  # type: ignore[misc]
    else:
        wrapper = io.TextIOWrapper(
            destination,  # type: ignore[arg-type]
            encoding="utf-8",
            newline="",
            write_through=True,
        )
        try:
            yield wrapper
            wrapper.flush()
        finally:
            wrapper.detach()


def as_directory(destination: str | os.PathLike[str]) -> Path:
    """The folder a multi-file export writes into, created when missing."""
    if not isinstance(destination, (str, os.PathLike)):
        raise TypeError("this format writes several files: give a folder path, not a stream")
    folder = Path(destination)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
