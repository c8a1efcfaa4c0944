"""Store backends: load and query times and peak memory, embedded Oxigraph vs rdflib.

    python bench/store.py [--triples 100000 --triples 1000000] [--actors N]
                          [--repeat R] [--budget SECONDS] [--store sparql:URL]

Each size is a synthetic dataset of kg's own shape (bench/_synthetic.py: documents of
about ten claims between a pool of actors, written by kg.rdf exactly as an ingest
writes them), loaded two ways:

- *ingest path*: one :meth:`Store.replace_document` per document, as ``kg ingest``
  writes; then a few queries of the kinds kg runs (``kg stats``' count by relation, an
  actor's claims, the relation hierarchy, hedged claims with their sources, a join on
  labels) through :meth:`Store.query`, best of R runs (a run over 10 s is not repeated);
- *bulk import*: :meth:`Store.import_file` of the same data as N-Quads, as
  ``kg import backup.nq`` does.

Every backend and path runs in a fresh subprocess that rebuilds the same data from the
same seed, so ``ru_maxrss`` is that run's own peak; "growth" is the peak minus the peak
before loading (Python, the libraries and the data). Load times are given as wall time
and as CPU time of the process (which counts Oxigraph's background threads, and stays
comparable on a shared machine). Ratios are rdflib / Oxigraph: above 1, Oxigraph is
faster or smaller.

A load that runs past ``--budget`` seconds stops there and reports the size it reached.
``--store sparql:URL`` adds a SPARQL server store on the ingest path (it must be empty
and writable, so give one size); its memory is the server's, not measured here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _synthetic

from kg.rdf import actor_quads, actor_triples, actors_of, document_quads
from kg.store import open_store

PREFIXES = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
QUERIES = {
    "count by relation": PREFIXES
    + "SELECT ?rel (COUNT(?c) AS ?n) WHERE { ?c a kg:Claim ; rdf:predicate ?rel } GROUP BY ?rel",
    "one actor's claims": PREFIXES
    + """SELECT ?c ?rel ?evidence WHERE {
  { ?c rdf:subject wd:Q9000000 } UNION { ?c rdf:object wd:Q9000000 }
  ?c rdf:predicate ?rel ; kg:evidence ?evidence }""",
    "hierarchy (subPropertyOf*)": """SELECT ?s ?o WHERE {
  ?p rdfs:subPropertyOf* kg:militaryAid . ?s ?p ?o }""",
    "hedged + source label": """SELECT DISTINCT ?c ?source WHERE {
  ?c kg:modality kg:Hedged ; kg:attributedTo ?a . ?a rdfs:label ?source }""",
    "attacks + labels": """SELECT DISTINCT ?attacker ?target WHERE {
  ?a kg:attacks ?t . ?a rdfs:label ?attacker . ?t rdfs:label ?target }""",
}
BACKENDS = {
    "oxigraph": "Oxigraph (embedded, on disk)",
    "memory": "rdflib in-memory",
    "sparql": "SPARQL server (kg's side only)",
}


def plan(triples: int, actors: int) -> tuple[int, int]:
    """How many synthetic documents make a store of about ``triples`` triples."""
    pool = _synthetic.make_actors(actors)
    seen: set[str] = set()
    total = 0
    for docs, (doc, claims) in enumerate(_synthetic.documents(pool), 1):
        total += len(document_quads(doc, claims))
        for claim in claims:
            for actor in (claim.subject, claim.object, claim.attributed_to):
                if actor is not None and actor.key not in seen:
                    seen.add(actor.key)
                    total += len(actor_triples(actor))
        if total >= triples:
            return docs, total
    raise AssertionError("unreachable")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_backend(
    uri: str, docs: int, actors: int, repeat: int, budget: float, nquads: str | None
) -> dict[str, Any]:
    """In this (fresh) process: build the data, load it, run the queries.

    With ``nquads`` the load is a bulk import of that file and no query runs.
    """
    pool = _synthetic.make_actors(actors)
    data = [] if nquads else list(itertools.islice(_synthetic.documents(pool), docs))
    store = open_store(uri)
    store.stats()  # warm up the backend and its query engine before measuring
    before = _peak_mb()
    start, cpu_start = time.perf_counter(), time.process_time()
    loaded = 0
    if nquads:
        store.import_file(nquads, "nq")
        loaded = docs
    for doc, claims in data:
        store.replace_document(doc, claims)
        loaded += 1
        if time.perf_counter() - start > budget:
            break
    load_s = time.perf_counter() - start
    load_cpu_s = time.process_time() - cpu_start
    after_load = _peak_mb()
    triples = len(store)
    del data
    times: dict[str, float] = {}
    rows: dict[str, int] = {}
    for name, sparql in {} if nquads else QUERIES.items():
        best = float("inf")
        for _ in range(repeat):
            began = time.perf_counter()
            rows[name] = sum(1 for _ in store.query(sparql))
            took = time.perf_counter() - began
            best = min(best, took)
            if took > 10:
                break
        times[name] = best
    peak = _peak_mb()
    store.close()
    return {
        "docs": loaded,
        "complete": loaded == docs,
        "triples": triples,
        "load_s": load_s,
        "load_cpu_s": load_cpu_s,
        "peak_mb": peak,
        "growth_mb": after_load - before,
        "queries": times,
        "rows": rows,
    }


def write_nquads(path: Path, docs: int, actors: int) -> None:
    """The same data as the ingest path stores (ontology graph aside), as N-Quads."""
    pool = _synthetic.make_actors(actors)
    described: set[str] = set()
    with path.open("w", encoding="utf-8") as out:
        for doc, claims in itertools.islice(_synthetic.documents(pool), docs):
            fresh = [a for a in actors_of(claims) if a.key not in described]
            described.update(a.key for a in fresh)
            for s, p, o, g in document_quads(doc, claims) + actor_quads(fresh):
                out.write(f"{s.n3()} {p.n3()} {o.n3()} {g.n3()} .\n")


def measure(
    backend: str,
    docs: int,
    actors: int,
    repeat: int,
    budget: float,
    sparql: str | None = None,
    nquads: Path | None = None,
) -> dict[str, Any]:
    """Run one backend at one size in a subprocess and return its figures."""
    folder = Path(tempfile.mkdtemp(prefix="kg-bench-store-"))
    uri = {"oxigraph": str(folder / "store"), "memory": "memory:"}.get(backend, sparql or "")
    command = [
        sys.executable, __file__, "--run", uri, "--docs", str(docs), "--actors", str(actors),
        "--repeat", str(repeat), "--budget", str(budget),
    ]  # fmt: skip
    if nquads is not None:
        command += ["--nquads", str(nquads)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{backend} run failed:\n{done.stderr}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if backend == "oxigraph":
            result["disk_mb"] = sum(f.stat().st_size for f in folder.rglob("*")) / 2**20
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}" if b else "n/a"


def _row(label: str, cells: list[str], ratio: str = "") -> None:
    print(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")


def report(
    size: int, budget: float, results: dict[str, dict[str, Any]], imports: dict[str, Any]
) -> None:
    ox, mem = results["oxigraph"], results["memory"]
    names = list(results)
    print(f"\n### about {size:,} triples ({ox['docs']:,} documents)\n")
    print("| | " + " | ".join(BACKENDS.get(n, n) for n in names) + " | rdflib / Oxigraph |")
    print("|---|" + "---|" * (len(names) + 1))
    _row("triples stored", [f"{results[n]['triples']:,}" for n in names])
    per_triple = {n: results[n]["load_s"] / results[n]["triples"] for n in names}
    _row(
        "ingest path: load (s)",
        [f"{results[n]['load_s']:.1f}" for n in names],
        _ratio(per_triple["memory"], per_triple["oxigraph"]),
    )
    _row(
        "ingest path: load (CPU s)",
        [f"{results[n]['load_cpu_s']:.1f}" for n in names],
        _ratio(results["memory"]["load_cpu_s"], results["oxigraph"]["load_cpu_s"]),
    )
    _row(
        "ingest path: triples/s",
        [f"{results[n]['triples'] / results[n]['load_s']:,.0f}" for n in names],
    )
    _row(
        "ingest path: peak RSS (MB)",
        [f"{results[n]['peak_mb']:.0f}" for n in names],
        _ratio(mem["peak_mb"], ox["peak_mb"]),
    )
    _row(
        "ingest path: RSS growth (MB)",
        [f"{results[n]['growth_mb']:.0f}" for n in names],
        _ratio(mem["growth_mb"], ox["growth_mb"]),
    )
    if imports:
        blank = [""] * (len(names) - 2)
        i_ox, i_mem = imports["oxigraph"], imports["memory"]
        _row(
            "bulk import: load (s)",
            [f"{i_ox['load_s']:.1f}", f"{i_mem['load_s']:.1f}", *blank],
            _ratio(i_mem["load_s"], i_ox["load_s"]),
        )
        _row(
            "bulk import: load (CPU s)",
            [f"{i_ox['load_cpu_s']:.1f}", f"{i_mem['load_cpu_s']:.1f}", *blank],
            _ratio(i_mem["load_cpu_s"], i_ox["load_cpu_s"]),
        )
        _row(
            "bulk import: peak RSS (MB)",
            [f"{i_ox['peak_mb']:.0f}", f"{i_mem['peak_mb']:.0f}", *blank],
            _ratio(i_mem["peak_mb"], i_ox["peak_mb"]),
        )
        _row(
            "bulk import: RSS growth (MB)",
            [f"{i_ox['growth_mb']:.0f}", f"{i_mem['growth_mb']:.0f}", *blank],
            _ratio(i_mem["growth_mb"], i_ox["growth_mb"]),
        )
    _row("on disk (MB)", [f"{ox['disk_mb']:.0f}", *[""] * (len(names) - 1)])
    for query in QUERIES:
        _row(
            f"{query} ({ox['rows'][query]:,} rows), ms",
            [f"{results[n]['queries'][query] * 1000:,.1f}" for n in names],
            _ratio(mem["queries"][query], ox["queries"][query]),
        )
    for name in names:
        if not results[name]["complete"]:
            print(
                f"\n{BACKENDS.get(name, name)} stopped at the {budget:.0f} s budget after "
                f"{results[name]['docs']:,} documents: its load ratio is per triple, its "
                "queries ran over fewer triples."
            )
    complete = [n for n in names if results[n]["complete"]]
    for query in QUERIES:
        if len({results[n]["rows"][query] for n in complete}) > 1:
            print(f"warning: the backends disagree on the rows of {query!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, action="append", help="size (repeatable)")
    parser.add_argument("--actors", type=int, default=5000, help="actor pool size")
    parser.add_argument("--repeat", type=int, default=3, help="query runs; the best is kept")
    parser.add_argument("--budget", type=float, default=600.0, help="max load seconds")
    parser.add_argument("--no-import", action="store_true", help="skip the bulk import runs")
    parser.add_argument("--store", help="also a SPARQL server store: sparql:URL (empty)")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--docs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--nquads", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        result = run_backend(
            args.run, args.docs, args.actors, args.repeat, args.budget, args.nquads
        )
        print(json.dumps(result))
        return
    sizes = args.triples or [100_000, 1_000_000]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}; {args.actors:,} actors"
    )
    for size in sizes:
        docs, _ = plan(size, args.actors)
        results: dict[str, dict[str, Any]] = {}
        imports: dict[str, dict[str, Any]] = {}
        for backend in ("oxigraph", "memory", *(["sparql"] if args.store else [])):
            results[backend] = measure(
                backend, docs, args.actors, args.repeat, args.budget, sparql=args.store
            )
            print(f"  {backend}: {json.dumps(results[backend])}", file=sys.stderr)
        if not args.no_import:
            with tempfile.TemporaryDirectory(prefix="kg-bench-nq-") as folder:
                nquads = Path(folder) / "data.nq"
                write_nquads(nquads, docs, args.actors)
                for backend in ("oxigraph", "memory"):
                    imports[backend] = measure(
                        backend, docs, args.actors, 1, args.budget, nquads=nquads
                    )
                    print(f"  {backend} import: {json.dumps(imports[backend])}", file=sys.stderr)
        report(size, args.budget, results, imports)


if __name__ == "__main__":
    main()
