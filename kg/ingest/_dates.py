"""Publication dates as articles and feeds write them."""

from __future__ import annotations

import datetime as dt
import email.utils
import re

__all__ = ["parse_date"]

# Tried after ISO 8601 and RFC 822, on the value with commas, dots and ordinals removed.
_WRITTEN_FORMATS = (
    "%d %B %Y",  # 18 October 2024
    "%d %b %Y",  # 18 Oct 2024
    "%B %d %Y",  # October 18, 2024
    "%b %d %Y",  # Oct. 18, 2024
)
_NUMERIC_FORMATS = ("%Y/%m/%d", "%Y.%m.%d")


def parse_date(value: str | None) -> dt.date | None:
    """The calendar date in a date string, or None when there is none.

    Accepts ISO 8601 dates and datetimes, RFC 822 dates (as in RSS) and written-out
    English dates. A datetime keeps the date as written, without converting the time zone,
    because that is the day the publisher printed.

    >>> parse_date("2024-10-18T09:30:00+09:00")
    datetime.date(2024, 10, 18)
    >>> parse_date("Fri, 18 Oct 2024 07:00:00 GMT")
    datetime.date(2024, 10, 18)
    >>> parse_date("18 October 2024")
    datetime.date(2024, 10, 18)
    >>> parse_date("last Tuesday") is None
    True
    """
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if not value:
        return None
    for parse in (_parse_iso, _parse_rfc822, _parse_written):
        found = parse(value)
        if found is not None:
            return found
    return None


def _parse_iso(value: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _parse_rfc822(value: str) -> dt.date | None:
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return None


def _parse_written(value: str) -> dt.date | None:
    # "Oct. 18, 2024" and "18th October 2024" are common in bylines.
    cleaned = value.replace(",", " ").replace(".", " ")
    cleaned = re.sub(r"\b(\d{1,2})(st|nd|rd|th)\b", r"\1", cleaned, flags=re.IGNORECASE)
    cleaned = " ".join(cleaned.split())
    candidates = [(cleaned, fmt) for fmt in _WRITTEN_FORMATS]
    candidates += [(value, fmt) for fmt in _NUMERIC_FORMATS]
    for text, fmt in candidates:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
