"""Extraction speed: kg's pipeline against spaCy's own ``nlp.pipe`` on the same texts.

    python bench/extract.py [--docs N] [--jobs J] [--repeat R]

All runs happen in this process on the same documents (the bundled samples and the dev
gold passages, repeated to reach N documents), so the ratios are meaningful on any
machine; absolute words per second are printed for context only. With ``--jobs J`` > 1
it also runs both pipelines with J processes and prints the speed-up over one.
"""

from __future__ import annotations

import argparse
import itertools
import os
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
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"{len(docs)} documents, {n_words:,} words, best of {args.repeat}")
    single = None
    for jobs in sorted({1, args.jobs}):
        spacy_best = min(time_spacy(docs, jobs) for _ in range(args.repeat))
        kg_best = min(time_kg(docs, jobs) for _ in range(args.repeat))
        print(
            f"jobs={jobs}: spaCy nlp.pipe {n_words / spacy_best:7.0f} words/s, "
            f"kg {n_words / kg_best:7.0f} words/s, ratio kg/spaCy {spacy_best / kg_best:.2f}"
        )
        if single is None:
            single = kg_best
        else:
            print(f"kg speed-up with {jobs} processes: {single / kg_best:.2f}x")


if __name__ == "__main__":
    main()
