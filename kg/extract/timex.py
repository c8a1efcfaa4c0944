"""The date a sentence gives for the event it reports, resolved against publication.

spaCy's NER finds the date phrases ("Thursday", "June 19", "last year", "two weeks
ago"); this module turns one of them into a calendar date with a precision. It is a
small rule set, not a general temporal tagger: a phrase it does not understand resolves
to nothing, because a missing date is better than a wrong one in the graph.

>>> import datetime as dt
>>> from kg.extract.nlp import load_nlp
>>> sent = next(load_nlp()("Russia struck Kyiv on Thursday.").sents)
>>> event_date(sent, dt.date(2024, 10, 18))
EventDate(date=datetime.date(2024, 10, 17), precision='day', text='Thursday')

Conventions of the result:

- ``precision`` says how much of ``date`` to believe: a ``"month"`` date is always the
  first of its month and a ``"year"`` date always 1 January, so ``date`` alone can be
  formatted as ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear``.
- Week-sized phrases ("last week", "two weeks ago", "over the weekend") have no week
  precision to land on; they resolve to the month holding the estimated day.
- A month and day without a year take the publication year, moved back a year when that
  would put them more than ~2 months after publication (news reports the past); in a
  past-tense clause ("met", "has met", "was signed") any day after publication moves
  back a year. In a future-tense clause ("will meet on Monday", "is due to visit in
  March") weekdays and year-less dates take the next occurrence on or after publication.
- A bare weekday is the most recent one on or before publication; "last Friday" the most
  recent one strictly before it; "next Monday" the first one strictly after it.
- Durations, ages, decades and vague phrases ("for 24 years", "a 30-year deal", "the
  1990s", "a few days ago", "the previous day") resolve to nothing, as do dates that bound
  rather than place the event ("until 2030", "before Monday", "by March").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from spacy.tokens import Doc, Span, Token

__all__ = ["EventDate", "Precision", "Tense", "event_date", "resolve_date_text"]

Precision = Literal["day", "month", "year"]
# The tense of the clause a date attaches to; it decides which way year-less dates turn.
Tense = Literal["past", "future", "unknown"]


@dataclass(frozen=True)
class EventDate:
    """A resolved event date: ``date`` is meaningful down to ``precision``.

    >>> EventDate(dt.date(2019, 1, 1), "year", "in 2019").precision
    'year'
    """

    date: dt.date
    precision: Precision
    text: str


# NER labels worth reading: TIME as well as DATE because the model tags "last night" and
# "this morning" as TIME; the patterns below reject clock times and durations anyway.
_LABELS = frozenset({"DATE", "TIME"})

# Prepositions that make a date a bound or a span of the event rather than its date.
_BOUNDING_PREPS = frozenset(
    {"until", "till", "by", "before", "after", "through", "throughout", "within", "between",
     "from", "to", "for", "ahead"}
)  # fmt: skip

# Verbs whose xcomp happens later: "is expected to visit", "is due to meet".
_FUTURE_FRAMES = frozenset({"expect", "schedule", "due", "set", "slate", "poise"})
# These only look ahead in the present tense ("plans to meet", not "planned to meet").
_PRESENT_FUTURE_FRAMES = frozenset({"plan", "intend", "go"})
_FUTURE_AUX = frozenset({"will", "shall", "'ll", "wo"})

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
    "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}  # fmt: skip
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

# Longest alternatives first so "september" is not read as "sep" + "tember".
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(_WEEKDAYS) + r")"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_LEADING_WEEKDAY = r"(?:(?:" + "|".join(_WEEKDAYS) + r"),?\s+)?"
# Within-period qualifiers narrow the date but do not move it: "late September".
_QUALIFIER = r"(?:(?:early|mid|late|earlier|later|the\s+(?:end|start|beginning|middle)\s+of)\s+)?"
_SEASON = r"(?:(?:the\s+)?(?:spring|summer|autumn|fall|winter)\s+(?:of\s+)?)?"
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night))?"
_COUNT = r"(?P<count>\d{1,3}|" + "|".join(_NUMBERS) + r")"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_ISO = _compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})")
_MONTH_DAY = _compile(_LEADING_WEEKDAY + _MONTH + r"\s+" + _DAY + r"(?:,?\s+" + _YEAR + r")?")
_DAY_MONTH = _compile(
    _LEADING_WEEKDAY + r"(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+" + _YEAR
    + r")?"
)  # fmt: skip
_MONTH_YEAR = _compile(_QUALIFIER + _MONTH + r",?\s+(?:of\s+)?" + _YEAR)
_MONTH_ONLY = _compile(_QUALIFIER + r"(?:(?P<rel>last|this|next)\s+)?" + _MONTH)
_YEAR_ONLY = _compile(_QUALIFIER + _SEASON + r"(?:the\s+year\s+)?" + _YEAR)
_WEEKDAY_ONLY = _compile(r"(?:(?P<rel>last|this|next|this\s+past)\s+)?" + _WEEKDAY + _PART_OF_DAY)
_DEICTIC_DAY = _compile(
    r"(?P<word>today|tonight|this\s+(?:morning|afternoon|evening)|last\s+night|overnight"
    r"|yesterday|tomorrow|the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow)"
    + _PART_OF_DAY
)
_RELATIVE_PERIOD = _compile(
    _QUALIFIER + r"(?P<rel>last|this|next)\s+(?P<unit>week|weekend|month|year)"
)
_WEEKEND = _compile(r"(?:the|this\s+past)\s+weekend")
_AGO = _compile(_COUNT + r"\s+(?P<unit>day|week|month|year)s?\s+ago")
_DAY_OF_MONTH = _compile(r"the\s+" + _DAY)

# How far after publication a year-less date may fall before we assume the year before.
_FUTURE_SLACK = dt.timedelta(days=62)


def event_date(
    sentence: Span, published: dt.date | None, trigger: Token | None = None
) -> EventDate | None:
    """The date ``sentence`` gives for its event, or ``None`` when it gives none we trust.

    ``published`` anchors relative phrases ("yesterday", "last month"); without it only
    dates that carry their own year resolve. With ``trigger`` (the claim's trigger token)
    the date closest to it on the dependency tree wins, so in "Ukraine said on Friday
    that Russia attacked on Wednesday" the attack is dated Wednesday; without it the
    first resolvable date in the sentence wins.

    >>> import datetime as dt
    >>> from kg.extract.nlp import load_nlp
    >>> sent = next(load_nlp()("Putin has ruled Russia for 24 years.").sents)
    >>> event_date(sent, dt.date(2024, 10, 18)) is None
    True
    """
    if isinstance(published, dt.datetime):
        # A datetime is a date subclass whose arithmetic would leak times into results.
        published = published.date()
    found: list[tuple[Span, EventDate]] = []
    for ent in _date_entities(sentence.doc):
        if ent.start < sentence.start or ent.end > sentence.end or _is_bound(ent):
            continue
        resolved = resolve_date_text(ent.text, published, tense=_tense_of(ent))
        if resolved is not None:
            found.append((ent, resolved))
    if not found:
        return None
    if trigger is None:
        return found[0][1]
    return min(found, key=lambda pair: _closeness(pair[0], trigger))[1]


def _date_entities(doc: Doc) -> list[Span]:
    """The document's date entities, found once per document (``Span.ents`` walks every
    entity of the document on each call)."""
    bounds = doc.user_data.get("kg.date_entities")
    if bounds is None:  # (plain integers, so the doc still serialises)
        bounds = [(ent.start, ent.end) for ent in doc.ents if ent.label_ in _LABELS]
        doc.user_data["kg.date_entities"] = bounds
    return [doc[start:end] for start, end in bounds]


def resolve_date_text(
    text: str, published: dt.date | None, *, tense: Tense = "unknown"
) -> EventDate | None:
    """Resolve one date phrase (a DATE entity's text) against the publication date.

    ``tense`` is that of the clause the phrase sits in: ``"future"`` turns year-less dates
    and weekdays forward, ``"past"`` keeps year-less dates on or before publication, and
    ``"unknown"`` allows them up to ~2 months after it.

    >>> resolve_date_text("last May", dt.date(2024, 10, 18))
    EventDate(date=datetime.date(2024, 5, 1), precision='month', text='last May')
    >>> resolve_date_text("two weeks ago", None) is None
    True
    """
    norm = _normalise(text)
    for rule in _RULES:
        found = rule(norm, published, tense)
        if found is not None:
            day, precision = found
            return EventDate(day, precision, text)
    return None


def _normalise(text: str) -> str:
    norm = " ".join(text.lower().replace("’", "'").split())
    norm = re.sub(r"^(?:on|in|at|during|since|of)\s+", "", norm)
    norm = re.sub(r"'s$", "", norm).rstrip(".,;:")
    if _ISO.fullmatch(norm):
        return norm
    # "mid-October", "mid-2023": the hyphen only joins a qualifier to its period.
    return norm.replace("-", " ")


_Resolved = tuple[dt.date, Precision]


def _iso(norm: str, published: dt.date | None, tense: Tense) -> _Resolved | None:
    m = _ISO.fullmatch(norm)
    if m is None:
        return None
    return _safe_date(int(m["year"]), int(m["month"]), int(m["day"]), "day")


def _month_and_day(norm: str, published: dt.date | None, tense: Tense) -> _Resolved | None:
    m = _MONTH_DAY.fullmatch(norm) or _DAY_MONTH.fullmatch(norm)
    if m is None:
        return None
    month, day = _MONTHS[m["month"]], int(m["day"])
    if m["year"] is not None:
        return _safe_date(int(m["year"]), month, day, "day")
    if published is None:
        return None
    year = _year_for(month, day, published, tense)
    return _safe_date(year, month, day, "day")


def _month_and_year(norm: str, published: dt.date | None, tense: Tense) -> _Resolved | None:
    m = _MONTH_YEAR.fullmatch(norm)
    if m is None:
        return None
    return _safe_date(int(m["year"]), _MONTHS[m["month"]], 1, "month")


def _month_alone(norm: str, published: dt.date | None, tense: Tense) -> _Resolved | None:
    m = _MONTH_ONLY.fullmatch(norm)
    if m is None or published is None:
        return None
    month, rel = _MONTHS[m["month"]], m["rel"]
    if rel == "last":
        # "last October" said in October means the year before.
        year = published.year if month < published.month else published.year - 1
    elif rel == "next":
        year = published.year if month > published.month else published.year + 1
    elif rel == "this":
        year = published.year
    else:
        year = _year_for(month, None, published, tense)
    return dt.date(year, month, 1), "month"


def _year_alone(norm: str, published: dt.date | None, tense: Tense) -> _Resolved | None:
    m = _YEAR_ONLY.fullmatch(norm)
    if m is None:
        return None
    return _safe_date(int(m["year"]), 1, 1, "year")


def _weekday(norm: str, published: dt.date | None, tense: Tense) -> _Resolved | None:
    m = _WEEKDAY_ONLY.fullmatch(norm)
    if m is None or published is None:
        return None
    wanted, today, rel = _WEEKDAYS[m["weekday"]], published.weekday(), m["rel"]
    back, ahead = (today - wanted) % 7, (wanted - today) % 7
    if rel in ("last", "this past"):
        return published - dt.timedelta(days=back or 7), "day"
    if rel == "next":
        return published + dt.timedelta(days=ahead or 7), "day"
    if tense == "future":
        return published + dt.timedelta(days=ahead), "day"
    return published - dt.timedelta(days=back), "day"


def _deictic_day(norm: str, published: dt.date | None, tense: Tense) -> _Resolved | None:
    m = _DEICTIC_DAY.fullmatch(norm)
    if m is None or published is None:
        return None
    word = m["word"]
    if word.startswith(("yesterday", "last")):
        offset = -1
    elif word.startswith("tomorrow"):
        offset = 1
    elif word.endswith("before yesterday"):
        offset = -2
    elif word.endswith("after tomorrow"):
        offset = 2
    else:
        offset = 0
    return published + dt.timedelta(days=offset), "day"


def _relative_period(norm: str, published: dt.date | None, tense: Tense) -> _Resolved | None:
    m = _RELATIVE_PERIOD.fullmatch(norm) or _WEEKEND.fullmatch(norm)
    if m is None or published is None:
        return None
    groups = m.groupdict()
    rel, unit = groups.get("rel", "last"), groups.get("unit", "weekend")
    step = {"last": -1, "this": 0, "next": 1}[rel]
    if unit == "year":
        return dt.date(published.year + step, 1, 1), "year"
    if unit == "month":
        return _shift_months(published, step), "month"
    if unit == "weekend":
        # The Saturday of that weekend; "this weekend" said midweek is the coming one.
        saturday = published - dt.timedelta(days=(published.weekday() - 5) % 7)
        if rel == "next" or (rel == "this" and published.weekday() < 5):
            saturday += dt.timedelta(days=7)
        return _month_of(saturday), "month"
    return _month_of(published + dt.timedelta(weeks=step)), "month"


def _ago(norm: str, published: dt.date | None, tense: Tense) -> _Resolved | None:
    m = _AGO.fullmatch(norm)
    if m is None or published is None:
        return None
    count = _NUMBERS.get(m["count"]) or int(m["count"])
    unit = m["unit"]
    if unit == "day":
        return published - dt.timedelta(days=count), "day"
    if unit == "week":
        return _month_of(published - dt.timedelta(weeks=count)), "month"
    if unit == "month":
        return _shift_months(published, -count), "month"
    return _safe_date(published.year - count, 1, 1, "year")


def _day_of_month(norm: str, published: dt.date | None, tense: Tense) -> _Resolved | None:
    # "on the 12th": this month's 12th, or last month's if that is still to come.
    m = _DAY_OF_MONTH.fullmatch(norm)
    if m is None or published is None:
        return None
    day = int(m["day"])
    month_start = _month_of(published)
    if tense == "future" and day < published.day:
        month_start = _shift_months(published, 1)
    elif tense != "future" and day > published.day:
        month_start = _shift_months(published, -1)
    return _safe_date(month_start.year, month_start.month, day, "day")


_RULES = (
    _iso,
    _month_and_day,
    _month_and_year,
    _month_alone,
    _year_alone,
    _weekday,
    _deictic_day,
    _relative_period,
    _ago,
    _day_of_month,
)


def _safe_date(year: int, month: int, day: int, precision: Precision) -> _Resolved | None:
    # NER hands us "Feb. 30" and "the 31st" of short months now and then.
    if not 1000 <= year <= 2999:
        return None
    try:
        return dt.date(year, month, day), precision
    except ValueError:
        return None


def _year_for(month: int, day: int | None, published: dt.date, tense: Tense) -> int:
    """The year of a year-less month/day: the publication year unless that is implausible."""
    year = published.year
    # Clamp 29 February so the comparison works in any year; the caller validates the day.
    if tense == "future":
        if day is None:
            return year if month >= published.month else year + 1
        return year if (month, day) >= (published.month, published.day) else year + 1
    # Clamp 29 February so the comparison works in any year; the caller validates the day.
    probe = dt.date(year, month, min(day or 1, 28))
    if tense == "past":
        # A past-tense clause cannot report a day after publication.
        return year - 1 if probe > published else year
    return year - 1 if probe > published + _FUTURE_SLACK else year


def _month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _shift_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _is_bound(ent: Span) -> bool:
    head = ent.root.head
    return ent.root.dep_ == "pobj" and head.lower_ in _BOUNDING_PREPS


def _tense_of(ent: Span) -> Tense:
    """The tense of the clause the date attaches to: "will meet", "met", "has met"."""
    verb = ent.root
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    if verb.pos_ not in ("VERB", "AUX"):
        return "unknown"
    # "is expected to visit": the frame verb, not the visit, carries the tense.
    while verb.dep_ == "xcomp" and verb.head.i != verb.i:
        frame = verb.head
        if frame.lemma_ in _FUTURE_FRAMES:
            return "future"
        if frame.lemma_ in _PRESENT_FUTURE_FRAMES and _is_present(frame):
            return "future"
        verb = frame
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if any(c.lower_ in _FUTURE_AUX for c in auxes):
        return "future"
    if verb.tag_ == "VBD" or any(c.tag_ == "VBD" or c.lemma_ == "have" for c in auxes):
        return "past"
    return "unknown"


def _is_present(verb: Token) -> bool:
    if verb.tag_ in ("VBZ", "VBP"):
        return True
    # "is going to", "are planning to": the tense sits on the auxiliary.
    return any(c.dep_ == "aux" and c.tag_ in ("VBZ", "VBP") for c in verb.children)


def _closeness(ent: Span, trigger: Token) -> tuple[int, int, int]:
    """Sort key: tree distance to the trigger, then token distance, then text order."""
    gap = min(abs(trigger.i - ent.start), abs(trigger.i - (ent.end - 1)))
    return _tree_distance(ent.root, trigger), gap, ent.start


def _tree_distance(a: Token, b: Token) -> int:
    """Edges between two tokens through their lowest common ancestor."""
    depth_of: dict[int, int] = {}
    steps, tok = 0, a
    while True:
        depth_of[tok.i] = steps
        if tok.head.i == tok.i:
            break
        tok, steps = tok.head, steps + 1
    steps, tok = 0, b
    while tok.i not in depth_of:
        if tok.head.i == tok.i:
            # Different trees (the trigger sits in another sentence): rank by gap alone.
            return len(a.doc)
        tok, steps = tok.head, steps + 1
    return depth_of[tok.i] + steps
