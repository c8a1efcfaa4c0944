"""GDELT 2.0 Event exports (``*.export.CSV``, 61 tab-separated columns) as claims.

Each event row becomes at most one claim between two states:

- **actors**: Actor1CountryCode / Actor2CountryCode (CAMEO 3-letter codes) → our state
  actors by ISO 3166-1 alpha-3 (``data/actors/states.tsv``), plus the CAMEO-only codes of
  ``data/gdelt/cameo-country-to-kg.tsv`` (ROM → Romania, WSB/GZS → Palestine …). Only
  actors acting for the state count (Actor*Type1Code empty, GOV, MIL, LEG, JUD, SPY or
  COP, see :data:`STATE_ROLES`); rows with an unmapped or non-state actor, or with the same
  state on both sides, are skipped and counted;
- **relation**: EventCode, else EventBaseCode, else EventRootCode looked up in
  ``data/gdelt/cameo-to-kg.tsv`` (finest kg property; ``043 Host a visit`` swaps the
  actors); rows with unmapped codes are skipped and counted;
- **provenance**: GLOBALEVENTID, the CAMEO code and name, QuadClass, GoldsteinScale,
  NumMentions/NumSources/NumArticles and SOURCEURL go into the evidence string; the
  article (SOURCEURL) is the :class:`~kg.model.Document` (``source="GDELT"``, ``url=``,
  date = DATEADDED's day); SQLDATE is the claim's ``event_date``;
- **modality** asserted; **confidence** ``n / (n + 1)`` for ``n`` = NumMentions (1 mention
  → 0.5, 4 → 0.8, 9 → 0.9), rounded to three places.

A row with the wrong number of columns or an unreadable number or date yields an
:class:`~kg.model.InputProblem` with its line number, never an exception.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import zipfile
from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO

from kg.errors import BadInputError
from kg.model import Actor, Claim, Document, InputProblem, Modality, Relation

__all__ = [
    "COLUMNS",
    "STATE_ROLES",
    "EventMapping",
    "GdeltStats",
    "cameo_event_labels",
    "country_actors",
    "event_mapping",
    "read_gdelt_events",
]

# GDELT 2.0 Event Codebook column order (61 columns, no header row).
COLUMNS: tuple[str, ...] = (
    "GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate",
    "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode",
    "Actor1EthnicCode", "Actor1Religion1Code", "Actor1Religion2Code",
    "Actor1Type1Code", "Actor1Type2Code", "Actor1Type3Code",
    "Actor2Code", "Actor2Name", "Actor2CountryCode", "Actor2KnownGroupCode",
    "Actor2EthnicCode", "Actor2Religion1Code", "Actor2Religion2Code",
    "Actor2Type1Code", "Actor2Type2Code", "Actor2Type3Code",
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass",
    "GoldsteinScale", "NumMentions", "NumSources", "NumArticles", "AvgTone",
    "Actor1Geo_Type", "Actor1Geo_FullName", "Actor1Geo_CountryCode", "Actor1Geo_ADM1Code",
    "Actor1Geo_ADM2Code", "Actor1Geo_Lat", "Actor1Geo_Long", "Actor1Geo_FeatureID",
    "Actor2Geo_Type", "Actor2Geo_FullName", "Actor2Geo_CountryCode", "Actor2Geo_ADM1Code",
    "Actor2Geo_ADM2Code", "Actor2Geo_Lat", "Actor2Geo_Long", "Actor2Geo_FeatureID",
    "ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_ADM1Code",
    "ActionGeo_ADM2Code", "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID",
    "DATEADDED", "SOURCEURL",
)  # fmt: skip

# CAMEO actor type codes of people acting for a state: none (the country itself),
# government, military, legislature, judiciary, intelligence, police.
STATE_ROLES: frozenset[str] = frozenset({"", "GOV", "MIL", "LEG", "JUD", "SPY", "COP"})

QUAD_CLASSES: dict[str, str] = {
    "1": "verbal cooperation",
    "2": "material cooperation",
    "3": "verbal conflict",
    "4": "material conflict",
}


def _data_dir() -> Path:
    from kg.extract.gazetteer import DATA_DIR

    return DATA_DIR / "gdelt"


def _table(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if line.strip() and not line.startswith("#"))
        yield from csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)


@dataclass(frozen=True, slots=True)
class EventMapping:
    """Which kg relation a CAMEO code becomes, and whether Actor1/Actor2 swap."""

    code: str
    relation: Relation | None
    reverse: bool = False
    label: str = ""


@cache
def event_mapping() -> dict[str, EventMapping]:
    """``data/gdelt/cameo-to-kg.tsv`` by CAMEO code (a ``None`` relation: deliberately
    unmapped). Raises :class:`KeyError` for a property the ontology lacks."""
    from kg.ontology import relation

    table: dict[str, EventMapping] = {}
    for row in _table(_data_dir() / "cameo-to-kg.tsv"):
        name = row["kg_property"].strip()
        table[row["cameo"].strip()] = EventMapping(
            code=row["cameo"].strip(),
            relation=None if name == "-" else relation(name),
            reverse=row["direction"].strip() == "reverse",
            label=row.get("cameo_label", "").strip(),
        )
    return table


@cache
def cameo_event_labels() -> dict[str, str]:
    """CAMEO event code → name (``"042"`` → ``"Make a visit"``)."""
    return {row["code"]: row["label"] for row in _table(_data_dir() / "cameo-event-codes.tsv")}


@cache
def country_actors() -> dict[str, Actor]:
    """CAMEO country code → our state actor (ISO alpha-3 plus the CAMEO-only codes)."""
    from kg.extract.gazetteer import load_gazetteer
    from kg.model import ActorType

    actors = load_gazetteer().actors
    table = {
        actor.iso3: actor
        for actor in actors.values()
        if actor.type is ActorType.STATE and actor.iso3
    }
    for row in _table(_data_dir() / "cameo-country-to-kg.tsv"):
        actor = actors.get(row["kg_key"].strip())
        if actor is not None:
            table[row["cameo"].strip()] = actor
    return table


def _lookup(event_code: str, base_code: str, root_code: str) -> EventMapping | None:
    table = event_mapping()
    for code in (event_code, base_code, root_code):
        if code and code in table:
            return table[code]
    return None


@dataclass
class GdeltStats:
    """What an import did: rows read, claims made, and rows skipped by reason."""

    rows: int = 0
    claims: int = 0
    documents: int = 0
    problems: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        reasons = ", ".join(f"{n} {why}" for why, n in self.skipped.most_common())
        return (
            f"{self.rows} GDELT rows: {self.claims} claims in {self.documents} documents, "
            f"{sum(self.skipped.values())} skipped ({reasons or 'none'}), "
            f"{self.problems} unreadable"
        )


@contextmanager
def _open_rows(path: Path) -> Iterator[IO[str]]:
    """The export as text; a ``.zip`` as GDELT distributes it is read without unpacking."""
    if path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise BadInputError(str(path), "not a zip archive") from None
        with archive:
            members = archive.namelist()
            if not members:
                raise BadInputError(str(path), "the zip archive is empty")
            with archive.open(members[0]) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
    else:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            yield handle


def _rows(reader: Iterator[list[str]]) -> Iterator[list[str] | csv.Error]:
    """The reader's rows, with the error in place of a row the csv module cannot read (a
    field over its size limit); the reader goes on with the next line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield error


def _number(text: str, kind: type, column: str) -> int | float:
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"{column} is not a number: {text!r}") from None


def _day(text: str, column: str) -> dt.date:
    try:
        return dt.datetime.strptime(text[:8], "%Y%m%d").date()
    except ValueError:
        raise ValueError(f"{column} is not a YYYYMMDD date: {text!r}") from None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _evidence(row: dict[str, str], code: str, name: str, goldstein: float) -> str:
    quad = row["QuadClass"]
    quad_text = f"quad class {quad} ({QUAD_CLASSES[quad]})" if quad in QUAD_CLASSES else ""
    actors = (
        f"{row['Actor1Name'] or row['Actor1Code']} ({row['Actor1Code']}) → "
        f"{row['Actor2Name'] or row['Actor2Code']} ({row['Actor2Code']})"
    )
    parts = [
        f"GDELT event {row['GLOBALEVENTID']}: CAMEO {code} ({name})",
        actors,
        quad_text,
        f"Goldstein {goldstein:g}",
        f"{_plural(int(row['NumMentions']), 'mention')}, "
        f"{_plural(int(row['NumSources'] or 0), 'source')}, "
        f"{_plural(int(row['NumArticles'] or 0), 'article')}",
    ]
    text = ", ".join(p for p in parts if p)
    return f"{text} — {row['SOURCEURL']}" if row["SOURCEURL"] else text


def confidence(mentions: int) -> float:
    """Confidence from NumMentions: ``n / (n + 1)``, three places (1 → 0.5, 9 → 0.9)."""
    mentions = max(mentions, 0)
    return round(mentions / (mentions + 1), 3)


def _skip_reason(
    row: dict[str, str], roles: Collection[str] | None
) -> tuple[str, Actor | None, Actor | None]:
    states = country_actors()
    one, two = states.get(row["Actor1CountryCode"]), states.get(row["Actor2CountryCode"])
    if one is None or two is None:
        if not row["Actor1CountryCode"] or not row["Actor2CountryCode"]:
            return "actor without a country code", None, None
        return "country code not a known state", None, None
    if roles is not None and not (
        row["Actor1Type1Code"] in roles and row["Actor2Type1Code"] in roles
    ):
        return "non-state actor role", None, None
    if one.key == two.key:
        return "same state on both sides", None, None
    return "", one, two


def read_gdelt_events(
    path: str | os.PathLike[str],
    *,
    stats: GdeltStats | None = None,
    roles: Collection[str] | None = STATE_ROLES,
) -> Iterator[tuple[Document, list[Claim]] | InputProblem]:
    """Read a GDELT 2.0 Event export (plain or ``.zip``) as ``(Document, claims)`` per
    source article, in first-seen order, plus an :class:`InputProblem` per unreadable row.

    Rows are grouped by SOURCEURL over the whole file before anything is yielded (an
    article's events are spread through the file, and
    :meth:`kg.store.Store.replace_document` replaces a document's claims as a whole).
    Within an article, claims are ordered by GLOBALEVENTID and numbered 0, 1, …; that
    number is their ``sentence``/``start``/``end`` (there is no text to point into), so
    claim keys differ and re-importing the file is idempotent.

    ``stats`` (a :class:`GdeltStats`) is filled in as rows are read; ``roles=None`` keeps
    actors of any CAMEO role (opposition, media, business … mapped to their state).
    """
    stats = stats if stats is not None else GdeltStats()
    path = Path(path)
    name = str(path)
    labels = cameo_event_labels()
    documents: dict[str, Document] = {}
    events: dict[str, list[tuple[int, Claim]]] = {}
    with _open_rows(path) as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for cells in _rows(reader):
            line = reader.line_num
            if isinstance(cells, csv.Error):
                stats.rows += 1
                stats.problems += 1
                yield InputProblem(name, f"unreadable row: {cells}", line)
                continue
            if not any(c.strip() for c in cells):
                continue
            stats.rows += 1
            if len(cells) != len(COLUMNS):
                stats.problems += 1
                hint = " (a GDELT 1.0 file?)" if len(cells) in (57, 58) else ""
                yield InputProblem(
                    name,
                    f"expected {len(COLUMNS)} tab-separated columns, found {len(cells)}{hint}",
                    line,
                )
                continue
            row = dict(zip(COLUMNS, (c.strip() for c in cells), strict=True))
            try:
                event_id = int(_number(row["GLOBALEVENTID"], int, "GLOBALEVENTID"))
                event_date = _day(row["SQLDATE"], "SQLDATE")
                mentions = int(_number(row["NumMentions"] or "0", int, "NumMentions"))
                goldstein = float(_number(row["GoldsteinScale"] or "0", float, "GoldsteinScale"))
                _number(row["NumSources"] or "0", int, "NumSources")
                _number(row["NumArticles"] or "0", int, "NumArticles")
                added = _day(row["DATEADDED"], "DATEADDED") if row["DATEADDED"] else event_date
            except ValueError as error:
                stats.problems += 1
                yield InputProblem(name, str(error), line)
                continue
            reason, one, two = _skip_reason(row, roles)
            mapping = None
            if not reason:
                mapping = _lookup(row["EventCode"], row["EventBaseCode"], row["EventRootCode"])
                if mapping is None or mapping.relation is None:
                    reason = "CAMEO event code not mapped"
            if reason or mapping is None or mapping.relation is None:
                stats.skipped[reason] += 1
                continue
            assert one is not None and two is not None
            if mapping.reverse:
                one, two = two, one
            code = row["EventCode"] or mapping.code
            url = row["SOURCEURL"]
            doc_key = url or f"gdelt:event:{event_id}"
            if doc_key not in documents:
                documents[doc_key] = Document(
                    text="",
                    name=url or f"GDELT event {event_id}",
                    date=added,
                    url=url or None,
                    source="GDELT",
                    origin=f"{name}:{line}",
                    doc_id=hashlib.sha256(doc_key.encode("utf-8")).hexdigest(),
                )
            claim = Claim(
                subject=one,
                relation=mapping.relation,
                object=two,
                modality=Modality.ASSERTED,
                document=documents[doc_key].doc_id,
                evidence=_evidence(row, code, labels.get(code, mapping.label), goldstein),
                sentence=0,
                start=0,
                end=0,
                confidence=confidence(mentions),
                event_date=event_date,
                trigger=f"CAMEO {code}",
            )
            events.setdefault(doc_key, []).append((event_id, claim))
            stats.claims += 1
    for doc_key, doc in documents.items():
        ordered = sorted(events[doc_key], key=lambda pair: pair[0])
        claims = [_numbered(claim, index) for index, (_, claim) in enumerate(ordered)]
        stats.documents += 1
        yield doc, claims


def _numbered(claim: Claim, index: int) -> Claim:
    from dataclasses import replace

    return replace(claim, sentence=index, start=index, end=index)
