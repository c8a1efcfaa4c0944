"""How far a long ingest has got: a live status line on a terminal, plain log lines elsewhere.

:class:`IngestProgress` is the ``progress`` callback of :func:`kg.ingest`. On a terminal it
redraws one line, at most a few times a second, with the documents done, articles per
second and, once the inputs are counted, the share done and the time left. Written to a
file or a pipe (a cron job, a CI log) it prints one plain line every ``every`` documents
instead, so the log stays readable and greppable.

>>> import io, kg
>>> log = io.StringIO()
>>> progress = IngestProgress(log, live=False, every=2)
>>> with kg.open_store("memory:") as store:                       # doctest: +SKIP
...     kg.ingest(["data/samples"], store, progress=progress)
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TextIO

from kg.ingest import count_articles

if TYPE_CHECKING:
    from kg.api import IngestReport

__all__ = ["IngestProgress", "format_duration"]

# The rate behind the time left is measured over this many recent seconds, so that a
# resumed run (thousands of documents skipped in a blink) or a slow start (loading the
# model) does not skew it for long.
_RATE_WINDOW = 30.0


def format_duration(seconds: float) -> str:
    """A short human duration: ``45s``, ``3m05s``, ``2h07m``.

    >>> format_duration(7), format_duration(185), format_duration(7620)
    ('7s', '3m05s', '2h07m')
    """
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class IngestProgress:
    """A ``progress`` callback for :func:`kg.ingest` that writes to ``stream``.

    ``live`` redraws one line in place (default: when ``stream`` is a terminal);
    otherwise a line is written every ``every`` documents (0: never). ``total`` is the
    number of documents expected, or call :meth:`count` to have the inputs counted in a
    background thread while the ingest runs. Call :meth:`close` at the end.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool | None = None,
        every: int = 1000,
        total: int | None = None,
        min_interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if every < 0:
            raise ValueError("every must be 0 (never) or a positive number of documents")
        self.stream = stream
        self.live = _is_terminal(stream) if live is None else live
        self.every = every
        self.total = total
        self.min_interval = min_interval
        self._clock = clock
        self._started = clock()
        self._samples: deque[tuple[float, int]] = deque([(self._started, 0)])
        self._last_drawn = float("-inf")
        self._last_logged = 0
        self._width = 0
        self._undrawn: IngestReport | None = None  # the latest report, if not on screen yet

    def count(self, paths: Iterable[str]) -> None:
        """Count the articles under ``paths`` in the background; the total appears once known."""
        paths = list(paths)

        def run() -> None:
            try:
                self.total = count_articles(paths)
            except Exception:  # an estimate is optional: the ingest goes on without one
                self.total = None

        threading.Thread(target=run, name="kg-count-articles", daemon=True).start()

    def __call__(self, report: IngestReport) -> None:
        now = self._clock()
        done = report.finished
        if self.live:
            self._undrawn = report
            if now - self._last_drawn >= self.min_interval:
                self._last_drawn = now
                self._remember(now, done)
                self._draw(self.status(report, now))
                self._undrawn = None
        elif self.every and done - self._last_logged >= self.every:
            self._last_logged = done - done % self.every
            self._remember(now, done)
            self.stream.write(f"progress: {self.status(report, now)}\n")
            self.stream.flush()

    def close(self) -> None:
        """Draw the live line's final state and end it, so that what follows starts on a
        line of its own."""
        if self.live and self._undrawn is not None:
            now = self._clock()
            self._remember(now, self._undrawn.finished)
            self._draw(self.status(self._undrawn, now))
            self._undrawn = None
        if self.live and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0

    def status(self, report: IngestReport, now: float | None = None) -> str:
        """The progress as one line of text (without the ``progress:`` prefix)."""
        now = self._clock() if now is None else now
        done = report.finished
        total = self.total if self.total is not None and self.total >= done else None
        parts = [
            f"{done:,}/{total:,} documents ({done / total:.0%})" if total else f"{done:,} documents"
        ]
        parts.append(f"{report.stored:,} stored")
        if report.skipped:
            parts.append(f"{report.skipped:,} already in the store")
        if report.problems:
            parts.append(f"{len(report.problems):,} problems")
        parts.append(f"{report.claims:,} claims")
        rate = self.rate()
        if rate is not None:
            parts.append(f"{rate:,.1f} docs/s")
            if total:
                parts.append(f"ETA {format_duration((total - done) / rate)}" if rate else "ETA ?")
        parts.append(f"{format_duration(now - self._started)} elapsed")
        return ", ".join(parts)

    def rate(self) -> float | None:
        """Documents per second over the recent window, or None before there is any."""
        first_time, first_done = self._samples[0]
        last_time, last_done = self._samples[-1]
        if last_time <= first_time:
            return None
        return (last_done - first_done) / (last_time - first_time)

    def _remember(self, now: float, done: int) -> None:
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= _RATE_WINDOW:
            self._samples.popleft()

    def _draw(self, line: str) -> None:
        padding = " " * max(0, self._width - len(line))
        self.stream.write(f"\r{line}{padding}")
        self.stream.flush()
        self._width = len(line)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
