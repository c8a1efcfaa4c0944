"""The claims CSV: one row per :class:`~kg.model.Claim` with every field, and back.

``claims.csv`` is both an export (``kg export --format csv`` writes it beside
``nodes.csv`` and ``edges.csv``) and an import format: a spreadsheet of claims made by
hand, or a previous export, goes back into a store with :func:`read_claims_csv`.

Columns (:data:`CLAIM_COLUMNS`): the claim key (informative, recomputed on import), the
document (``document_id`` and its name, title, date, url, source), subject, relation,
object, modality, attributed_to (actors as key, label, type, qid, iso2, iso3, aliases
joined with ``|``), evidence, sentence, start, end, confidence, event_date, trigger.
Empty cells are ``None``.

>>> import io
>>> from kg.ontology import relation
>>> from kg.model import Actor, ActorType, Claim, Modality
>>> ru = Actor("RU", "Russia", ActorType.STATE, qid="Q159")
>>> kp = Actor("KP", "North Korea", ActorType.STATE, qid="Q423")
>>> claim = Claim(kp, relation("sendsTroops"), ru, Modality.ASSERTED, "d1",
...               "North Korea sent troops to Russia.", 0, 0, 34, 0.9)
>>> buffer = io.StringIO()
>>> write_claims_csv([claim], buffer)
1
>>> _ = buffer.seek(0)
>>> [(doc.doc_id, claims == [claim]) for doc, claims in read_claims_csv(buffer)]
[('d1', True)]
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from kg.errors import BadInputError
from kg.io._streams import Destination, text_output
from kg.model import Actor, ActorType, Claim, Document, InputProblem, Modality, Relation

__all__ = [
    "ACTOR_FIELDS",
    "CLAIM_COLUMNS",
    "DOCUMENT_COLUMNS",
    "claim_row",
    "read_claims_csv",
    "write_claims_csv",
]

ACTOR_FIELDS: tuple[str, ...] = ("key", "label", "type", "qid", "iso2", "iso3", "aliases")
DOCUMENT_COLUMNS: tuple[str, ...] = (
    "document_id",
    "document_name",
    "document_title",
    "document_date",
    "document_url",
    "document_source",
)
CLAIM_COLUMNS: tuple[str, ...] = (
    "claim_key",
    *DOCUMENT_COLUMNS,
    *(f"subject_{f}" for f in ACTOR_FIELDS),
    "relation_name",
    "relation_label",
    *(f"object_{f}" for f in ACTOR_FIELDS),
    "modality",
    *(f"attributed_to_{f}" for f in ACTOR_FIELDS),
    "evidence",
    "sentence",
    "start",
    "end",
    "confidence",
    "event_date",
    "trigger",
)
ALIAS_SEPARATOR = "|"


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _actor_cells(prefix: str, actor: Actor | None) -> dict[str, str]:
    if actor is None:
        return {f"{prefix}_{f}": "" for f in ACTOR_FIELDS}
    return {
        f"{prefix}_key": actor.key,
        f"{prefix}_label": actor.label,
        f"{prefix}_type": actor.type.value,
        f"{prefix}_qid": _text(actor.qid),
        f"{prefix}_iso2": _text(actor.iso2),
        f"{prefix}_iso3": _text(actor.iso3),
        f"{prefix}_aliases": ALIAS_SEPARATOR.join(actor.aliases),
    }


def _document_cells(doc_id: str, info: Mapping[str, Any] | None) -> dict[str, str]:
    info = info or {}
    return {
        "document_id": doc_id,
        "document_name": _text(info.get("name")),
        "document_title": _text(info.get("title")),
        "document_date": _text(info.get("date"))[:10],
        "document_url": _text(info.get("url")),
        "document_source": _text(info.get("source")),
    }


def claim_row(claim: Claim, document: Mapping[str, Any] | None = None) -> dict[str, str]:
    """One claim as a row of :data:`CLAIM_COLUMNS` (``document``: a row of
    :meth:`kg.store.Store.documents`, for the document's metadata)."""
    return {
        "claim_key": claim.key,
        **_document_cells(claim.document, document),
        **_actor_cells("subject", claim.subject),
        "relation_name": claim.relation.name,
        "relation_label": claim.relation.label,
        **_actor_cells("object", claim.object),
        "modality": claim.modality.value,
        **_actor_cells("attributed_to", claim.attributed_to),
        "evidence": claim.evidence,
        "sentence": str(claim.sentence),
        "start": str(claim.start),
        "end": str(claim.end),
        # repr keeps every digit, so the float reads back identical.
        "confidence": repr(float(claim.confidence)),
        "event_date": claim.event_date.isoformat() if claim.event_date else "",
        "trigger": _text(claim.trigger),
    }


def _document_map(documents: Iterable[Mapping[str, Any]] | None) -> dict[str, Mapping[str, Any]]:
    return {str(row["id"]): row for row in documents or ()}


def write_claims_csv(
    claims: Iterable[Claim],
    destination: Destination,
    *,
    documents: Iterable[Mapping[str, Any]] | None = None,
) -> int:
    """Write ``claims.csv`` (header plus one row per claim, streamed); returns the row count.

    ``documents`` are rows of :meth:`kg.store.Store.documents`; with them, each row also
    carries its document's name, title, date, url and source, so an import restores them.
    """
    docs = _document_map(documents)
    count = 0
    with text_output(destination) as output:
        writer = csv.DictWriter(output, fieldnames=CLAIM_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for claim in claims:
            writer.writerow(claim_row(claim, docs.get(claim.document)))
            count += 1
    return count


# --- reading ----------------------------------------------------------------------------


class _RowError(ValueError):
    """A cell that cannot be read; the message says which and why."""


def _cell(row: Mapping[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()


def _parse_type(text: str) -> ActorType:
    from kg.analyze import AnalysisError, parse_actor_type

    try:
        return parse_actor_type(text)
    except AnalysisError as error:
        raise _RowError(str(error)) from None


def _actor(row: Mapping[str, str | None], prefix: str, *, required: bool) -> Actor | None:
    key = _cell(row, f"{prefix}_key")
    if not key:
        if required:
            raise _RowError(f"{prefix}_key is empty")
        return None
    label = _cell(row, f"{prefix}_label")
    if not label:
        # A hand-made sheet may give only keys: take the rest from the gazetteer.
        from kg.extract.gazetteer import load_gazetteer

        known = load_gazetteer().actors.get(key)
        if known is not None:
            return known
        label = key
    type_text = _cell(row, f"{prefix}_type")
    aliases = _cell(row, f"{prefix}_aliases")
    return Actor(
        key=key,
        label=label,
        type=_parse_type(type_text) if type_text else ActorType.OTHER,
        qid=_cell(row, f"{prefix}_qid") or None,
        iso2=_cell(row, f"{prefix}_iso2") or None,
        iso3=_cell(row, f"{prefix}_iso3") or None,
        aliases=tuple(a for a in aliases.split(ALIAS_SEPARATOR) if a) if aliases else (),
    )


def _relation(row: Mapping[str, str | None]) -> Relation:
    from kg.ontology import relation, relation_for_label

    name, label = _cell(row, "relation_name"), _cell(row, "relation_label")
    try:
        if name:
            return relation(name)
        if label:
            return relation_for_label(label.upper())
    except KeyError:
        raise _RowError(f"unknown relation {name or label!r}") from None
    raise _RowError("relation_name and relation_label are both empty")


def _int(row: Mapping[str, str | None], name: str, default: int = 0) -> int:
    text = _cell(row, name)
    try:
        return int(text) if text else default
    except ValueError:
        raise _RowError(f"{name} is not an integer: {text!r}") from None


def _date(row: Mapping[str, str | None], name: str) -> dt.date | None:
    text = _cell(row, name)
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        raise _RowError(f"{name} is not an ISO date: {text!r}") from None


def _confidence(row: Mapping[str, str | None]) -> float:
    text = _cell(row, "confidence")
    try:
        value = float(text) if text else 1.0
    except ValueError:
        raise _RowError(f"confidence is not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise _RowError(f"confidence {value} is outside 0…1")
    return value


def _modality(row: Mapping[str, str | None]) -> Modality:
    text = _cell(row, "modality").lower()
    try:
        return Modality(text) if text else Modality.ASSERTED
    except ValueError:
        choices = ", ".join(m.value for m in Modality)
        raise _RowError(f"unknown modality {text!r}; choose from {choices}") from None


def _document_id(row: Mapping[str, str | None]) -> str:
    doc_id = _cell(row, "document_id")
    if doc_id:
        return doc_id
    name = _cell(row, "document_name")
    if name:
        # No id: derive a stable one from the name, so importing twice changes nothing.
        return hashlib.sha256(f"csv:{name}".encode()).hexdigest()
    raise _RowError("document_id and document_name are both empty")


def _document(row: Mapping[str, str | None], doc_id: str, origin: str) -> Document:
    return Document(
        text="",
        name=_cell(row, "document_name") or doc_id,
        title=_cell(row, "document_title") or None,
        date=_date(row, "document_date"),
        url=_cell(row, "document_url") or None,
        source=_cell(row, "document_source") or None,
        origin=origin,
        doc_id=doc_id,
    )


def _claim(row: Mapping[str, str | None], doc_id: str) -> Claim:
    return Claim(
        subject=_actor(row, "subject", required=True),  # type: ignore[arg-type]
        relation=_relation(row),
        object=_actor(row, "object", required=True),  # type: ignore[arg-type]
        modality=_modality(row),
        document=doc_id,
        evidence=row.get("evidence") or "",
        sentence=_int(row, "sentence"),
        start=_int(row, "start"),
        end=_int(row, "end"),
        confidence=_confidence(row),
        attributed_to=_actor(row, "attributed_to", required=False),
        event_date=_date(row, "event_date"),
        trigger=row.get("trigger") or None,
    )


def read_claims_csv(
    source: str | os.PathLike[str] | IO[str],
) -> Iterator[tuple[Document, list[Claim]] | InputProblem]:
    """Read a claims CSV: one ``(Document, claims)`` per document id, in first-seen order,
    and an :class:`~kg.model.InputProblem` (with its line number) per unreadable row.

    Rows are grouped over the whole file (a document's rows need not be adjacent), because
    :meth:`kg.store.Store.replace_document` replaces a document's claims as a whole. The
    document keeps the id given in the CSV (``doc_id=``), so importing twice is idempotent;
    its metadata come from its first row. Only ``subject_key``, ``object_key`` and
    ``relation_name`` (or ``relation_label``) are required; an actor given by key alone is
    completed from the gazetteer, modality defaults to asserted, confidence to 1.
    """
    name = str(source) if isinstance(source, (str, os.PathLike)) else None
    name = name or getattr(source, "name", "<stream>")
    try:
        if isinstance(source, (str, os.PathLike)):
            with open(source, encoding="utf-8-sig", newline="") as handle:
                yield from _read(handle, name)
        else:
            yield from _read(source, name)
    except UnicodeDecodeError:
        # Documents are yielded only at the end, so nothing of this file gets stored.
        raise BadInputError(name, "not UTF-8 text; save the CSV as UTF-8") from None
    except csv.Error as error:
        raise BadInputError(name, f"not a readable CSV file: {error}") from None


def _read(
    handle: IO[str] | io.TextIOBase, name: str
) -> Iterator[tuple[Document, list[Claim]] | InputProblem]:
    reader = csv.DictReader(handle)  # type: ignore[arg-type]
    header = reader.fieldnames or []
    if "subject_key" not in header or "object_key" not in header:
        yield InputProblem(name, "not a claims CSV: no subject_key/object_key header", 1)
        return
    documents: dict[str, Document] = {}
    claims: dict[str, list[Claim]] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            yield InputProblem(
                name,
                f"{len(header) + len(row[None])} cells, header has "  # type: ignore[index]
                f"{len(header)}",
                line,
            )
            continue
        try:
            doc_id = _document_id(row)
            claim = _claim(row, doc_id)
            if doc_id not in documents:
                documents[doc_id] = _document(row, doc_id, f"{name}:{line}")
        except _RowError as error:
            yield InputProblem(name, str(error), line)
            continue
        claims.setdefault(doc_id, []).append(claim)
    for doc_id, doc in documents.items():
        yield doc, claims[doc_id]
