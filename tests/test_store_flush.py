"""The embedded store flushes its write buffers during a long ingest, so memory stays flat.

Without it RocksDB kept the run's writes in memory: bench/ingest_memory.py measured a peak
of 256 MB for `kg ingest` of 1,000 short articles and 728 MB for 5,000.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import KP, RU, make_claim

import kg.store
from kg.model import Document
from kg.store import open_store


class _FlushSpy:
    """Stands in for the pyoxigraph store and counts its flushes."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.flushes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __len__(self) -> int:
        return len(self.real)

    def flush(self) -> None:
        self.flushes += 1
        self.real.flush()


def test_embedded_store_flushes_every_so_many_quads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kg.store, "_FLUSH_EVERY_QUADS", 60)
    with open_store(tmp_path / "store") as store:
        spy = _FlushSpy(store.oxigraph)
        store.oxigraph = spy
        for i in range(6):
            doc = Document(f"North Korea sent troops to Russia, report {i}.", f"d{i}.txt")
            claim = make_claim(KP, "sendsTroops", RU, document=doc.doc_id)
            assert store.replace_document(doc, [claim])
        flushes = spy.flushes
        assert store.stats()["claims"] == 6
        store.oxigraph = spy.real
    assert 2 <= flushes < 6  # about one flush per 60 quads, not one per document
