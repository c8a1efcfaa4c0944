"""Tests of event-date resolution (kg.extract.timex) on sentences written for this suite.

Every case is resolved against a Friday publication date, 2024-10-18, so weekdays land on
known days: Thursday is the 17th, "last Friday" the 11th, the next Monday the 21st.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from spacy.language import Language

from kg.extract.nlp import load_nlp
from kg.extract.timex import EventDate, event_date, resolve_date_text

PUB = dt.date(2024, 10, 18)  # a Friday


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_nlp()


def date_of(
    nlp: Language, text: str, published: dt.date | None = PUB, trigger: str | None = None
) -> EventDate | None:
    """Resolve the first sentence of ``text``; ``trigger`` names the trigger word."""
    sent = next(nlp(text).sents)
    token = None
    if trigger is not None:
        token = next(t for t in sent if t.text == trigger)
    return event_date(sent, published, token)


def day(y: int, m: int, d: int) -> tuple[dt.date, str]:
    return dt.date(y, m, d), "day"


def month(y: int, m: int) -> tuple[dt.date, str]:
    return dt.date(y, m, 1), "month"


def year(y: int) -> tuple[dt.date, str]:
    return dt.date(y, 1, 1), "year"


def pair(found: EventDate | None) -> tuple[dt.date, str] | None:
    return None if found is None else (found.date, found.precision)


@pytest.mark.parametrize(
    ("text", "expected", "phrase"),
    [
        # Weekdays: the most recent one on or before publication, unless the clause is future.
        ("Russia struck Kyiv on Thursday.", day(2024, 10, 17), "Thursday"),
        ("Israel attacked Lebanon on Sunday.", day(2024, 10, 13), "Sunday"),
        ("Israel struck Iran Friday.", day(2024, 10, 18), "Friday"),
        ("Russia attacked Ukraine last Friday.", day(2024, 10, 11), "last Friday"),
        ("Russia will hold talks with Ukraine next Monday.", day(2024, 10, 21), "next Monday"),
        ("Iran will attack Israel on Monday, officials said.", day(2024, 10, 21), "Monday"),
        ("Xi is expected to visit Moscow on Wednesday.", day(2024, 10, 23), "Wednesday"),
        # Deictic days.
        ("India and Pakistan clashed today.", day(2024, 10, 18), "today"),
        ("Russia attacked Ukraine yesterday.", day(2024, 10, 17), "yesterday"),
        ("Ukraine will meet Russia tomorrow.", day(2024, 10, 19), "tomorrow"),
        ("Israel struck Gaza this morning.", day(2024, 10, 18), "this morning"),
        # Absolute dates, with and without a year.
        ("The treaty took effect on Jan. 1, 2024.", day(2024, 1, 1), "Jan. 1, 2024"),
        ("Japan and South Korea met on 3 March 2023.", day(2023, 3, 3), "3 March 2023"),
        ("North Korea fired missiles on 2024-10-15.", day(2024, 10, 15), "2024-10-15"),
        (
            "Israel struck Iran on Thursday, October 17, 2024.",
            day(2024, 10, 17),
            "Thursday, October 17, 2024",
        ),
        ("The two leaders met on June 19 in Pyongyang.", day(2024, 6, 19), "June 19"),
        ("Hamas attacked Israel on Oct. 7.", day(2024, 10, 7), "Oct. 7"),
        # A past-tense clause cannot report a day after publication: last year's Christmas.
        ("On Dec. 25, Russia bombed Kharkiv.", day(2023, 12, 25), "Dec. 25"),
        ("China held talks with India on the 24th.", day(2024, 9, 24), "the 24th"),
        # Months and years.
        ("The deal was signed in March 2023.", month(2023, 3), "March 2023"),
        ("The summit took place in June.", month(2024, 6), "June"),
        ("Iran attacked Israel in December.", month(2023, 12), "December"),
        ("China will hold talks with India in March.", month(2025, 3), "March"),
        ("Germany supplied tanks to Ukraine last May.", month(2024, 5), "last May"),
        ("In late September, Israel invaded Lebanon.", month(2024, 9), "late September"),
        ("Russia invaded Ukraine in 2019.", year(2019), "2019"),
        ("China will hold drills in early 2025.", year(2025), "early 2025"),
        # Periods relative to publication.
        ("China held drills last year near Taiwan.", year(2023), "last year"),
        ("France recalled its ambassador this year.", year(2024), "this year"),
        ("Iran attacked Israel last month.", month(2024, 9), "last month"),
        ("Iran said this month it would expand enrichment.", month(2024, 10), "this month"),
        ("Turkey condemned Sweden earlier this month.", month(2024, 10), "earlier this month"),
        ("Britain will host the summit next month.", month(2024, 11), "next month"),
        ("Russia sanctioned Britain last week.", month(2024, 10), "last week"),
        ("The US imposed sanctions three days ago.", day(2024, 10, 15), "three days ago"),
        ("The EU imposed sanctions 10 days ago.", day(2024, 10, 8), "10 days ago"),
        ("North Korea sent troops to Russia three weeks ago.", month(2024, 9), "three weeks ago"),
        ("Two months ago, Israel struck Iran.", month(2024, 8), "Two months ago"),
        ("Russia attacked Ukraine a year ago.", year(2023), "a year ago"),
    ],
)
def test_resolves_date_phrases(nlp: Language, text: str, expected: tuple, phrase: str) -> None:
    found = date_of(nlp, text)
    assert pair(found) == expected
    assert found is not None and found.text == phrase


@pytest.mark.parametrize(
    "text",
    [
        "Russia and China signed a trade agreement.",
        "Putin has ruled Russia for 24 years.",
        "Russia and China signed a 30-year deal.",
        "The three-year war has killed thousands.",
        "The rivalry between India and Pakistan has lasted decades.",
        "Relations between Cuba and the US soured in the 1990s.",
        "Biden, 81, met Xi.",
        "The EU imposed sanctions a few days ago.",
        "The ministers met the previous day.",
        "Russia must withdraw its troops by 2030.",
        "Ukraine attacked Russia last summer.",
    ],
)
def test_no_date_durations_and_vague_phrases_give_none(nlp: Language, text: str) -> None:
    assert date_of(nlp, text) is None


def test_durations_are_skipped_for_a_real_date(nlp: Language) -> None:
    found = date_of(nlp, "Putin, who has ruled Russia for 24 years, met Kim on Wednesday.")
    assert pair(found) == day(2024, 10, 16)


@pytest.mark.parametrize(
    "text",
    [
        "Russia struck Kyiv on Thursday.",
        "Russia attacked Ukraine yesterday.",
        "Iran attacked Israel last month.",
        "The US imposed sanctions three days ago.",
        "The two leaders met on June 19 in Pyongyang.",
        "The summit took place in June.",
    ],
)
def test_relative_dates_need_a_publication_date(nlp: Language, text: str) -> None:
    assert date_of(nlp, text) is not None
    assert date_of(nlp, text, published=None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The treaty took effect on Jan. 1, 2024.", day(2024, 1, 1)),
        ("The deal was signed in March 2023.", month(2023, 3)),
        ("Russia invaded Ukraine in 2019.", year(2019)),
    ],
)
def test_absolute_dates_resolve_without_publication_date(
    nlp: Language, text: str, expected: tuple
) -> None:
    assert pair(date_of(nlp, text, published=None)) == expected


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [("attacked", day(2024, 10, 16)), ("said", day(2024, 10, 18)), (None, day(2024, 10, 18))],
)
def test_trigger_picks_the_date_attached_to_it(
    nlp: Language, trigger: str | None, expected: tuple
) -> None:
    text = "Ukraine said on Friday that Russia had attacked on Wednesday."
    assert pair(date_of(nlp, text, trigger=trigger)) == expected


@pytest.mark.parametrize(
    ("trigger", "expected"), [("invaded", year(1950)), ("condemned", day(2024, 10, 15))]
)
def test_trigger_separates_relative_clause_from_main_clause(
    nlp: Language, trigger: str, expected: tuple
) -> None:
    text = "China, which invaded Tibet in 1950, condemned India on Tuesday."
    assert pair(date_of(nlp, text, trigger=trigger)) == expected


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        # Year-less dates may fall up to ~2 months after publication when tense is unknown.
        ("Nov. 5", day(2024, 11, 5)),
        ("Dec. 25", day(2023, 12, 25)),
        ("29 February 2024", day(2024, 2, 29)),
        ("Feb. 30", None),
        ("the 15th of September", day(2024, 9, 15)),
        ("mid-October", month(2024, 10)),
        ("the end of 2023", year(2023)),
        ("the summer of 2021", year(2021)),
        ("last October", month(2023, 10)),
        ("next May", month(2025, 5)),
        ("the day before yesterday", day(2024, 10, 16)),
        ("last night", day(2024, 10, 17)),
        ("the weekend", month(2024, 10)),
        ("late last year", year(2023)),
        ("5 years ago", year(2019)),
        ("the 1990s", None),
        ("24 years", None),
        ("fiscal 2024", None),
    ],
)
def test_resolve_date_text(phrase: str, expected: tuple | None) -> None:
    assert pair(resolve_date_text(phrase, PUB)) == expected


def test_tense_turns_year_less_dates() -> None:
    assert pair(resolve_date_text("Nov. 5", PUB, tense="past")) == day(2023, 11, 5)
    assert pair(resolve_date_text("March 3", PUB, tense="future")) == day(2025, 3, 3)
    assert pair(resolve_date_text("Monday", PUB, tense="future")) == day(2024, 10, 21)
    assert pair(resolve_date_text("Monday", PUB, tense="past")) == day(2024, 10, 14)


def test_datetime_publication_is_read_as_its_day(nlp: Language) -> None:
    published = dt.datetime(2024, 10, 18, 23, 30)
    found = date_of(nlp, "Russia attacked Ukraine yesterday.", published=published)
    assert found is not None
    assert type(found.date) is dt.date
    assert found.date == dt.date(2024, 10, 17)


def test_month_and_year_precision_dates_are_period_starts() -> None:
    for phrase in ("last week", "two weeks ago", "last month", "in June", "last year", "2019"):
        found = resolve_date_text(phrase, dt.date(2024, 10, 18))
        assert found is not None, phrase
        if found.precision != "day":
            assert found.date.day == 1, phrase
        if found.precision == "year":
            assert found.date.month == 1, phrase


def test_event_date_is_frozen() -> None:
    found = EventDate(dt.date(2024, 1, 1), "year", "2024")
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.precision = "day"  # type: ignore[misc]


def test_extracted_claims_carry_the_event_date_of_their_sentence() -> None:
    from kg import Document, Extractor

    doc = Document(
        "North Korea sent troops to Russia on Thursday. Russia invaded Ukraine in 2022.",
        name="t",
        date=dt.date(2024, 10, 18),
    )
    dates = {c.relation.label: c.event_date for c in Extractor().extract(doc)}
    assert dates["MILITARY_AID"] == dt.date(2024, 10, 17)
    assert dates["ATTACKS"] == dt.date(2022, 1, 1)
