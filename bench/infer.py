"""Inference speed: ``kg query --infer`` by query rewriting against materialisation.

    python bench/infer.py [--store PATH] [--claims N] [--repeat R]

Runs the same relation queries on each store with no inference, with
``--infer-method rewrite`` and with ``--infer-method materialise``, each as ``kg query``
does it: a fresh :class:`kg.infer.InferenceStore` per query, so materialisation pays for
its copy every time (the CLI runs one query per process). "materialise (all)" is the same
with a copy of the whole store, to show what choosing the predicates a query needs saves.
Every method must give the same set of rows; the script stops if they do not.

Stores: ``--store PATH`` (for example the samples: ``kg ingest data/samples --store
/tmp/infer-store``) and a synthetic store of ``--claims N`` random claims, built with
kg's own RDF writer and bulk-loaded (0 skips it). Times are medians of R runs, in
milliseconds; the ratio column is materialise / rewrite.

Latest figures (2026-11-25, x86_64, 2 shared cores, Python 3.11.7, ``--store
/tmp/infer-store --claims 60000 --repeat 5``; "materialise (all)" is one run):

    store: the 25 samples, 6,800 quads
    query              plain   rewrite  materialise  materialise (all)  ratio
    meets                0.3      12.1          8.4               40.4   0.69
    hasMember            0.1       2.1          2.5               38.1   1.18
    alliedWith top       0.2      15.9         17.2               39.3   1.08
    attacks+label        0.3      11.3         11.0              105.0   0.97
    arms-suppliers      31.0      80.0         87.1                nan   1.09

    store: synthetic, 60,000 claims, 1,197,627 quads (built in 35 s)
    query              plain   rewrite  materialise  materialise (all)  ratio
    meets              107.8     136.5        268.9            15017.0   1.97
    hasMember            0.2      18.5         56.4            11685.5   3.05
    alliedWith top      32.3      53.2         69.1            11603.8   1.30
    attacks+label      311.5    4553.7       1651.7            13632.3   0.36

On the samples both methods cost about 10 ms, mostly rdflib parsing the query (the saved
query is the same text with either: it reads claim nodes). On the big store rewriting wins
a lone relation pattern by tens of milliseconds, and loses by seconds when the relation
joins labels: Oxigraph evaluates the property path once per row of the join (and labels
repeat in every document graph). Materialising keeps that case fast, hence the default.
Copying only the predicates a query names matters: a copy of everything costs 12-15 s.
The saved query is left out on the synthetic store: it takes some 40 s with or without
inference, and inference does not change it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from kg.infer import InferenceStore, materialise
from kg.model import Actor, ActorType, Claim, Document, Modality
from kg.ontology import relations
from kg.query import run_query
from kg.rdf import actor_quads, document_quads
from kg.saved import run_saved
from kg.store import Store, _ox, open_store

QUERIES: dict[str, str] = {
    "meets": "SELECT DISTINCT ?s ?o WHERE { ?s kg:meets ?o }",
    "hasMember": "SELECT DISTINCT ?org ?m WHERE { ?org kg:hasMember ?m }",
    "alliedWith top": """SELECT ?x (COUNT(DISTINCT ?y) AS ?n) WHERE { ?x kg:alliedWith ?y }
        GROUP BY ?x ORDER BY DESC(?n) ?x LIMIT 10""",
    "attacks+label": """SELECT DISTINCT ?a ?label WHERE {
        ?a kg:attacks ?t . ?t rdfs:label ?label }""",
}
SAVED = ("arms-suppliers", "arms-suppliers-of", {"actor": "Q159"})


def synthetic_store(path: Path, claims: int, seed: int = 7) -> None:
    """A store of ``claims`` random claims among 1,600 actors, 10 claims a document."""
    rng = random.Random(seed)
    actors = (
        [Actor(f"S{i}", f"State {i}", ActorType.STATE, qid=f"Q{900000 + i}") for i in range(400)]
        + [Actor(f"O{i}", f"Org {i}", ActorType.ORGANIZATION) for i in range(200)]
        + [Actor(f"P{i}", f"Person {i}", ActorType.PERSON) for i in range(1000)]
    )
    actors.append(Actor("RU", "Russia", ActorType.STATE, qid="Q159"))
    table = list(relations().values())
    modalities = [Modality.ASSERTED] * 8 + [Modality.HEDGED] + [Modality.NEGATED]
    quads: list[ox.Quad] = []
    for d in range(claims // 10):
        doc = Document(f"Synthetic article {d}.", f"doc-{d}.txt", date=dt.date(2025, 1, 1))
        found = []
        for k in range(10):
            subject, obj = rng.sample(actors, 2)
            found.append(
                Claim(
                    subject, rng.choice(table), obj, rng.choice(modalities), doc.doc_id,
                    f"Sentence {k}.", k, 20 * k, 20 * k + 11, 0.8,
                )
            )  # fmt: skip
        quads.extend(ox.Quad(*map(_ox, q)) for q in document_quads(doc, found))
    quads.extend(ox.Quad(*map(_ox, q)) for q in actor_quads(actors))
    raw = ox.Store(str(path))
    raw.bulk_load(ox.serialize(quads, format=ox.RdfFormat.N_QUADS), ox.RdfFormat.N_QUADS)
    raw.flush()
    del raw
    with open_store(str(path)) as store:
        store._install_ontology()


def timed(run: Callable[[], set], repeat: int) -> tuple[float, set]:
    """Median milliseconds of ``repeat`` runs and the last answer."""
    times = []
    answer: set = set()
    for _ in range(repeat):
        start = time.perf_counter()
        answer = run()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times), answer


def _materialise_all(store: Store, sparql: str) -> set:
    from oxrdflib import OxigraphStore as RdflibOxigraph
    from rdflib import Dataset

    from kg.ontology import bind_namespaces

    memory = materialise(store, None)
    dataset = bind_namespaces(Dataset(store=RdflibOxigraph(store=memory), default_union=True))
    return {tuple(row) for row in dataset.query(sparql)}


def bench(store: Store, repeat: int, saved: bool = True) -> None:
    print(f"{'query':<16} {'plain':>7} {'rewrite':>9} {'materialise':>12} "
          f"{'materialise (all)':>18} {'ratio':>6}")  # fmt: skip
    cases: list[tuple[str, Callable[[Store], set], str | None]] = [
        (name, (lambda s, q=q: set(run_query(s, q).rows)), q) for name, q in QUERIES.items()
    ]
    if saved:
        label, query_name, params = SAVED
        cases.append((label, lambda s: set(run_saved(s, query_name, params).rows), None))
    for name, run, sparql in cases:
        plain, _ = timed(lambda run=run: run(store), repeat)
        rewrite, by_rewrite = timed(lambda run=run: run(InferenceStore(store, "rewrite")), repeat)
        mat, by_materialise = timed(
            lambda run=run: run(InferenceStore(store, "materialise")), repeat
        )
        if by_rewrite != by_materialise:
            sys.exit(f"{name}: rewrite and materialise disagree")
        if sparql is not None:
            every, _ = timed(lambda sparql=sparql: _materialise_all(store, sparql), 1)
        else:
            every = float("nan")
        print(
            f"{name:<16} {plain:7.1f} {rewrite:9.1f} {mat:12.1f} {every:18.1f} {mat / rewrite:6.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="an existing kg store, e.g. the ingested samples")
    parser.add_argument("--claims", type=int, default=60000, help="synthetic claims (0: none)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{platform.machine()}, Python {platform.python_version()}, repeat {args.repeat}")
    # Warm up: the ontology, rdflib's SPARQL parser.
    with open_store("memory:") as empty:
        run_query(InferenceStore(empty, "rewrite"), QUERIES["meets"])
    if args.store:
        with open_store(args.store, read_only=True) as store:
            print(f"\nstore: {args.store}, {len(store):,} quads")
            bench(store, args.repeat)
    if args.claims:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "store"
            start = time.perf_counter()
            synthetic_store(path, args.claims)
            with open_store(str(path), read_only=True) as store:
                print(
                    f"\nstore: synthetic, {args.claims:,} claims, {len(store):,} quads "
                    f"(built in {time.perf_counter() - start:.0f} s)"
                )
                bench(store, args.repeat, saved=False)


if __name__ == "__main__":
    main()
