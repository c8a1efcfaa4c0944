"""The library's main jobs, as a notebook user calls them: ingest, extract, show.

>>> import kg
>>> with kg.open_store("memory:") as store:
...     report = kg.ingest(["data/samples"], store)           # doctest: +SKIP
...     report.documents, report.claims                       # doctest: +SKIP
(24, 310)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import IO, Any

from kg.errors import KgError, StoreError
from kg.extract import Extractor
from kg.ingest import read_documents
from kg.model import Claim, Document, InputProblem
from kg.store import Store

__all__ = [
    "IngestReport",
    "IngestStopped",
    "claim_record",
    "extract_records",
    "ingest",
    "show_actor",
]

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

# Where ingest runs extraction: local processes, or a Dask cluster (kg.distributed).
EXECUTORS = ("local", "dask")


@dataclass
class IngestReport:
    """What one ingest did: documents stored, unchanged or skipped, claims, problems."""

    documents: int = 0
    stored: int = 0
    unchanged: int = 0
    skipped: int = 0
    claims: int = 0
    problems: list[InputProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def finished(self) -> int:
        """Inputs dealt with so far: documents stored, unchanged or skipped, and problems.

        ``documents`` counts what has been read, which runs ahead while a batch is being
        extracted; this is what a progress display should count.
        """
        return self.stored + self.unchanged + self.skipped + len(self.problems)


class IngestStopped(KgError):
    """The store refused a write (a full disk, a read-only file system, a server that is
    down), so the ingest stopped: every later document would fail the same way.

    ``report`` tells what was done before; the documents it counts as stored are whole in
    the store, and running the same ingest again resumes after them.
    """

    def __init__(self, message: str, report: IngestReport) -> None:
        super().__init__(message)
        self.report = report


def _documents_only(
    items: Iterable[Document | InputProblem], problems: list[InputProblem]
) -> Iterator[Document]:
    for item in items:
        if isinstance(item, InputProblem):
            log.debug("input problem: %s", item)  # the caller reports it
            problems.append(item)
        else:
            yield item


def ingest(
    paths: Iterable[PathLike],
    store: Store,
    *,
    date: dt.date | None = None,
    source: str | None = None,
    jobs: int = 1,
    refresh: bool = False,
    extractor: Extractor | None = None,
    progress: Callable[[IngestReport], None] | None = None,
    executor: str = "local",
    scheduler: str | None = None,
) -> IngestReport:
    """Read articles, extract their claims and store each document atomically.

    Documents already in the store (same text, hence same id) are skipped unless
    ``refresh`` is set, so an interrupted ingest resumes where it stopped. Bad inputs
    are collected in the report's ``problems``; the batch goes on past them. A store that
    refuses a write stops the batch with :class:`IngestStopped`, which carries the report.

    ``executor="local"`` extracts in ``jobs`` local processes; ``executor="dask"`` on the
    Dask cluster whose scheduler is at ``scheduler`` (``tcp://host:8786``, or ``"local"``
    for a LocalCluster of ``jobs`` processes; see :mod:`kg.distributed`). Either way the
    documents are written here, one transaction each.
    """
    if executor not in EXECUTORS:
        raise KgError(f"unknown executor {executor!r}; use one of {', '.join(EXECUTORS)}")
    if executor == "dask" and not scheduler:
        raise KgError("the dask executor needs a scheduler address, e.g. tcp://HOST:8786")
    report = IngestReport()
    extractor = extractor or Extractor()
    docs = _documents_only(read_documents(paths, date=date, source=source), report.problems)
    seen: set[str] = set()

    def pending() -> Iterator[Document]:
        for doc in docs:
            report.documents += 1
            if doc.doc_id in seen or (not refresh and store.has_document(doc.doc_id)):
                report.skipped += 1
                if progress:
                    progress(report)
                continue
            seen.add(doc.doc_id)
            yield doc

    todo = pending()
    first = next(todo, None)
    if first is None:  # everything is stored already: no need to load the model
        return report
    if executor == "dask":
        from kg.distributed import extract_on_dask  # imports dask: only when asked for

        assert scheduler is not None
        results = extract_on_dask(
            chain([first], todo), scheduler, batch_size=extractor.batch_size, workers=jobs
        )
    else:
        results = extractor.extract_many(chain([first], todo), n_process=jobs)
    try:
        for doc, result in results:
            if isinstance(result, InputProblem):
                report.problems.append(result)
                continue
            try:
                changed = store.replace_document(doc, result)
            except StoreError as error:
                raise IngestStopped(f"stopped at {doc.name}: {error}", report) from error
            if changed:
                report.stored += 1
            else:
                report.unchanged += 1
            if not refresh:  # the store now answers for it: keep only documents in flight
                seen.discard(doc.doc_id)
            report.claims += len(result)
            if progress:
                progress(report)
    finally:
        # Stopping early (an error, Ctrl-C) ends the extraction workers here and now.
        close = getattr(results, "close", None)
        if close is not None:
            close()
    return report


def claim_record(claim: Claim, document: Document | None = None) -> dict[str, Any]:
    """A claim in the scoring contract of the gold files, plus evidence and provenance."""
    date = claim.event_date or (document.date if document else None)
    return {
        "doc": document.name if document else claim.document,
        "subject": claim.subject.ref(),
        "relation": claim.relation.label,
        "object": claim.object.ref(),
        "modality": claim.modality.value,
        "attributed_to": claim.attributed_to.ref() if claim.attributed_to else None,
        "property": claim.relation.name,
        "evidence": claim.evidence,
        "confidence": claim.confidence,
        "date": date.isoformat() if date else None,
        "trigger": claim.trigger,
        "sentence": claim.sentence,
    }


def extract_records(
    paths: Iterable[PathLike],
    output: IO[str],
    *,
    date: dt.date | None = None,
    source: str | None = None,
    jobs: int = 1,
    extractor: Extractor | None = None,
    min_confidence: float = 0.0,
) -> IngestReport:
    """Extract claims without a store and write them as JSON Lines to ``output``.

    Claims below ``min_confidence`` are left out (and not counted).
    """
    report = IngestReport()
    extractor = extractor or Extractor()
    docs = _documents_only(read_documents(paths, date=date, source=source), report.problems)
    for doc, result in extractor.extract_many(docs, n_process=jobs):
        report.documents += 1
        if isinstance(result, InputProblem):
            report.problems.append(result)
            continue
        kept = [c for c in result if c.confidence >= min_confidence]
        for claim in kept:
            output.write(json.dumps(claim_record(claim, doc), ensure_ascii=False) + "\n")
        report.claims += len(kept)
    return report


def show_actor(
    store: Store, actor: str, *, min_confidence: float = 0.0
) -> dict[str, list[dict[str, Any]]]:
    """An actor's claims grouped by relation label, with their sources.

    Each entry gives subject, object, modality, who claims it, the evidence, the
    document's title, source and date.
    """
    documents = {d["id"]: d for d in store.documents()}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for claim in store.claims(actor=actor):
        if claim.confidence < min_confidence:
            continue
        doc = documents.get(claim.document, {})
        grouped[claim.relation.label].append(
            {
                "subject": claim.subject.label,
                "relation": claim.relation.label,
                "property": claim.relation.name,
                "object": claim.object.label,
                "modality": claim.modality.value,
                "attributed_to": claim.attributed_to.label if claim.attributed_to else None,
                "evidence": claim.evidence,
                "confidence": claim.confidence,
                "title": doc.get("title"),
                "source": doc.get("source"),
                "date": str(claim.event_date or doc.get("date") or "") or None,
                "document": doc.get("name") or claim.document,
            }
        )
    return dict(grouped)
