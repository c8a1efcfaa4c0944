"""Extraction speed: kg's pipeline against spaCy's own ``nlp.pipe`` on the same texts.

    python bench/extract.py [--docs N] [--jobs J] [--repeat R]

Both runs happen in this process on the same documents (the bundled samples and the
dev gold passages, repeated to reach N documents), so the ratio is meaningful on any
machine; absolute words per second are printed for context only.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time
from pathlib import Path

import spacy

from kg.extract import Extractor
from kg.extract.nlp import _model_name
from kg.ingest import read_documents
from kg.model import Document

ROOT = Path(__file__).resolve().parents[1]


def corpus(count: int) -> list[Document]:
    """``count`` documents cycled from the samples (and the dev gold file if present)."""
    sources = [ROOT / "data" / "samples"]
    gold = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    if gold.exists():
        sources.append(gold)
    docs = [d for d in read_documents(sources) if isinstance(d, Document)]
    return list(itertools.islice(itertools.cycle(docs), count))


def words(docs: list[Document]) -> int:
    return sum(len(d.text.split()) for d in docs)


def time_spacy(docs: list[Document], jobs: int) -> float:
    nlp = spacy.load(_model_name())
    list(nlp.pipe(["warm up"]))
    start = time.perf_counter()
    for _ in nlp.pipe((d.text for d in docs), batch_size=32, n_process=jobs):
        pass
    return time.perf_counter() - start


def time_kg(docs: list[Document], jobs: int) -> float:
    extractor = Extractor()
    extractor.extract(Document("Warm up: Russia met China.", name="warm-up"))
    start = time.perf_counter()
    for _ in extractor.extract_many(docs, n_process=jobs):
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="documents per run")
    parser.add_argument("--jobs", type=int, default=1, help="processes (spaCy n_process)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is kept")
    args = parser.parse_args()
    docs = corpus(args.docs)
    n_words = words(docs)
    spacy_best = min(time_spacy(docs, args.jobs) for _ in range(args.repeat))
    kg_best = min(time_kg(docs, args.jobs) for _ in range(args.repeat))
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, python {platform.python_version()}")
    print(f"{len(docs)} documents, {n_words:,} words, jobs={args.jobs}, best of {args.repeat}")
    print(f"spaCy nlp.pipe : {n_words / spacy_best:8.0f} words/s")
    print(f"kg extraction  : {n_words / kg_best:8.0f} words/s")
    print(f"ratio kg/spaCy : {spacy_best / kg_best:8.2f}  (1.00 = no cost over spaCy)")


if __name__ == "__main__":
    main()
