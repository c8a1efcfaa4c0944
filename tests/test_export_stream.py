"""``kg export`` streams: the memory an export needs does not grow with the store.

Marked ``stream`` (about 15 s on two idle cores): it bulk-loads two generated stores, N and 4N
quads (N = 40,000, or ``$KG_STREAM_QUADS``), and measures each export in a fresh process
(``bench/export.py``, which also has the figures for a million quads). The peak RSS is
reset just before each export, after every quad has been read once, so the figure is what
the export needs on top of the open store. A control keeps the quads in a Python list, to
show that the measurement does see memory that grows with the store.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUADS = int(os.environ.get("KG_STREAM_QUADS", "40000"))
# One format per code path: Oxigraph's dataset writer (nq; trig is the same call), the
# union graph through Oxigraph's writers (ttl; nt is the same), the union through the
# RDF/XML carriage-return filter (xml), kg's JSON-LD writer (jsonld).
FORMATS = ["nq", "ttl", "xml", "jsonld"]
MB = 2**20

pytestmark = pytest.mark.stream


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_export", ROOT / "bench" / "export.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


@pytest.mark.skipif(not bench.can_measure(), reason="needs Linux's /proc/self/clear_refs")
def test_export_memory_does_not_grow_with_the_store(tmp_path: Path) -> None:
    measured = {}
    for quads in (QUADS, 4 * QUADS):
        path = tmp_path / f"store-{quads}"
        assert bench.build_store(path, quads) >= quads
        measured[quads] = bench.measure(path, [*FORMATS, "control"])
    small, large = measured[QUADS], measured[4 * QUADS]
    report = {fmt: (small[fmt][0] / MB, large[fmt][0] / MB) for fmt in small}
    for fmt in FORMATS:
        assert large[fmt][2] > 3 * small[fmt][2], f"{fmt}: the export is not 4× as big"
        grew = large[fmt][0] - small[fmt][0]
        assert grew < 8 * MB, f"{fmt}: extra peak RSS grew by {grew / MB:.1f} MB {report}"
        assert large[fmt][0] < 32 * MB, f"{fmt}: {large[fmt][0] / MB:.1f} MB extra {report}"
    # The control holds 3N more quads in Python: the measurement must see that.
    held = large["control"][0] - small["control"][0]
    assert held > 3 * QUADS * 100, f"the control grew by only {held / MB:.1f} MB {report}"
