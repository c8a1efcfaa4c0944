"""Errors a user can cause, each with a message that says what to do.

The CLI prints these without a traceback and exits non-zero; library callers can catch
:class:`KgError` to handle every one of them.
"""

from __future__ import annotations

__all__ = [
    "BadInputError",
    "KgError",
    "ModelMissingError",
    "QueryError",
    "StoreError",
    "StoreLockedError",
    "StoreWriteError",
]


class KgError(Exception):
    """Base class of every error that a user can cause and fix."""


class BadInputError(KgError):
    """An input file (or one line of it) cannot be read as an article."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class ModelMissingError(KgError):
    """The spaCy English model is not installed."""


class StoreError(KgError):
    """The store cannot be opened, read or written."""


class StoreLockedError(StoreError):
    """Another process holds the embedded store open."""


class StoreWriteError(StoreError):
    """The store refused a write: a full disk, a read-only file system, no permission.

    What was committed before stays whole; the write that failed left nothing behind.
    """


class QueryError(KgError):
    """A SPARQL query is malformed or cannot be run."""
