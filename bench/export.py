"""Export memory and speed: does ``kg export`` stream?

    python bench/export.py [--quads 250000,1000000] [--formats nq,trig,nt,ttl,xml,jsonld]

For each size, bulk-loads a generated N-Quads file of claim-shaped data (12 quads a
claim, 10 claims a document graph) into an on-disk store, then in a fresh process opens
the store read-only, reads every quad once (so RocksDB's own caches are warm; that memory
belongs to the store, not to the export) and exports it in each format. Before each
export the process's peak RSS is reset (``/proc/self/clear_refs``, Linux), so "extra" is
what the export needed on top of the open store. The control row keeps every quad in a
Python list instead: what a non-streaming exporter would cost at least.

``tests/test_export_stream.py`` runs the same measurement on smaller stores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

KG = "https://w3id.org/kg-geo/ontology#"
ID = "https://w3id.org/kg-geo/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
FORMATS = ("nq", "trig", "nt", "ttl", "xml", "jsonld")


def claim_nquads(quads: int) -> Iterator[str]:
    """About ``quads`` N-Quads lines shaped like kg claims, text a claim at a time."""
    for c in range((quads + 11) // 12):
        g = f"<{ID}doc/{c // 10:08d}>"
        s = f"<{ID}claim/{c:010d}>"
        a = f"<http://www.wikidata.org/entity/Q{c % 997}>"
        b = f"<http://www.wikidata.org/entity/Q{(c * 7) % 991}>"
        yield (
            f"{s} <{RDF}type> <{KG}Claim> {g} .\n"
            f"{s} <{RDF}subject> {a} {g} .\n"
            f"{s} <{RDF}predicate> <{KG}meets> {g} .\n"
            f"{s} <{RDF}object> {b} {g} .\n"
            f"{s} <{KG}modality> <{KG}Asserted> {g} .\n"
            f'{s} <{KG}evidence> "Sentence {c} of a synthetic article,\\r\\nlong enough '
            f'to look like evidence." {g} .\n'
            f'{s} <{KG}confidence> "0.{c % 1000:03d}"^^<{XSD}decimal> {g} .\n'
            f'{s} <{KG}startOffset> "{c}"^^<{XSD}integer> {g} .\n'
            f'{s} <{KG}endOffset> "{c + 80}"^^<{XSD}integer> {g} .\n'
            f"{s} <http://www.w3.org/ns/prov#wasDerivedFrom> {g} {g} .\n"
            f"{a} <{KG}meets> {b} {g} .\n"
            f'{a} <http://www.w3.org/2000/01/rdf-schema#label> "Actor {c % 997}"@en {g} .\n'
        )


def build_store(path: Path, quads: int) -> int:
    """An on-disk store of about ``quads`` quads at ``path``; returns the exact count."""
    source = path.with_name(path.name + ".nq")
    with source.open("w", encoding="utf-8") as out:
        out.writelines(claim_nquads(quads))
    store = ox.Store(str(path))
    store.bulk_load(path=source, format=ox.RdfFormat.N_QUADS)
    store.flush()
    # Compact now, so that no background compaction runs (and allocates) while measuring.
    store.optimize()
    count = len(store)
    del store  # releases the RocksDB lock for the measuring process
    source.unlink()
    return count


# Runs in a fresh process: prints one JSON object {format: [extra bytes, seconds, size]}.
_CHILD = r"""
import json, sys, time, os
from kg.store import open_store

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(key)

def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")

store_path, out_dir, formats = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
report = {}
with open_store(store_path, read_only=True) as store:
    for _ in store.oxigraph.quads_for_pattern(None, None, None, None):
        pass
    for fmt in formats:
        target = os.path.join(out_dir, "export." + fmt)
        base = status("VmRSS")
        reset_peak()
        start = time.perf_counter()
        if fmt == "control":
            kept = list(store.oxigraph.quads_for_pattern(None, None, None, None))
            size = len(kept)
        else:
            store.export(target, fmt)
            size = os.path.getsize(target)
            os.unlink(target)
        report[fmt] = [status("VmHWM") - base, time.perf_counter() - start, size]
        kept = None
print(json.dumps(report))
"""


def can_measure() -> bool:
    """Whether this system lets a process reset and read its own peak RSS."""
    return os.access("/proc/self/clear_refs", os.W_OK) and Path("/proc/self/status").exists()


def measure(store: Path, formats: list[str]) -> dict[str, tuple[int, float, int]]:
    """{format: (extra peak bytes, seconds, output bytes)} measured in a fresh process."""
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(store), out, ",".join(formats)],
            capture_output=True,
            text=True,
            check=True,
        )
    return {k: (int(v[0]), float(v[1]), int(v[2])) for k, v in json.loads(done.stdout).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quads", default="250000,1000000")
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    if not can_measure():
        sys.exit("needs Linux's /proc/self/clear_refs")
    formats = [*args.formats.split(","), "control"]
    print(f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores")
    print(f"{'quads':>10} {'format':<8} {'extra MB':>9} {'seconds':>8} {'output MB':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for quads in map(int, args.quads.split(",")):
            path = Path(tmp) / f"store-{quads}"
            start = time.perf_counter()
            count = build_store(path, quads)
            built = time.perf_counter() - start
            print(f"{count:>10,} (built in {built:.0f} s)")
            for fmt, (extra, seconds, size) in measure(path, formats).items():
                output = f"{size / 2**20:10.1f}" if fmt != "control" else f"{size:>10,}"
                print(f"{'':>10} {fmt:<8} {extra / 2**20:9.1f} {seconds:8.1f} {output}")


if __name__ == "__main__":
    main()
