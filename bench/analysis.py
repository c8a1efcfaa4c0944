"""Analysis and graph-page speed on synthetic claims, against bare networkx.

    python bench/analysis.py [--actors 20000] [--claims 200000] [--pages 1000 5000]
                             [--betweenness]

The network part times kg's own functions (kg/analyze.py) on ``--claims`` random claims
between ``--actors`` actors: the projection of claims onto the multigraph
(:func:`claims_graph`, which keeps every claim's evidence on its edge), PageRank as
``kg analyze centrality`` computes it (parallel edges collapsed into weights, then
networkx's PageRank), and Louvain communities (:func:`communities`). Each is compared
with bare networkx doing the same computation on a plain edge list built beforehand, so
the ratio is kg's cost over the algorithm alone. ``--betweenness`` also times the whole
:func:`centrality` (PageRank and sampled betweenness), which takes minutes at 20k actors.

The page part builds the ``kg viz`` page (:func:`kg.viz.graph_html`: payload, layout
computed in Python above 300 actors, embedded JavaScript) for graphs of each
``--pages`` size, with two relations per actor, as the README's browser test does.
Times are CPU seconds of this process (``time.process_time``), best of ``--repeat``
runs: everything here is single-threaded, and on a shared machine CPU time is what
stays comparable between runs. The process's peak RSS is printed at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _synthetic

from kg.analyze import _weighted, centrality, claims_graph, communities
from kg.model import Claim
from kg.viz import graph_html


def best_of(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The least CPU time of ``repeat`` runs of ``work``, and its last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = work()
        best = min(best, time.process_time() - start)
    return best, result


def network(actors: int, count: int, repeat: int, betweenness: bool) -> None:
    pool = _synthetic.make_actors(actors)
    claims: list[Claim] = _synthetic.claims(pool, count)
    edges = [(c.subject.iri_key, c.object.iri_key, c.relation.label) for c in claims]
    weights = Counter((s, o) for s, o, _ in edges if s != o)

    def bare_projection() -> nx.MultiDiGraph:
        graph = nx.MultiDiGraph()
        graph.add_edges_from(edges)
        return graph

    def bare_weighted(directed: bool) -> nx.Graph:
        simple: nx.Graph = nx.DiGraph() if directed else nx.Graph()
        for (s, o), n in weights.items():
            if simple.has_edge(s, o):
                simple.edges[s, o]["weight"] += n
            else:
                simple.add_edge(s, o, weight=n)
        return simple

    kg_projection, graph = best_of(repeat, lambda: claims_graph(claims))
    nx_projection, _ = best_of(repeat, bare_projection)
    directed, undirected = bare_weighted(True), bare_weighted(False)
    kg_pagerank, _ = best_of(
        repeat, lambda: nx.pagerank(_weighted(graph, directed=True), weight="weight")
    )
    nx_pagerank, _ = best_of(repeat, lambda: nx.pagerank(directed, weight="weight"))
    kg_louvain, groups = best_of(repeat, lambda: communities(graph))
    nx_louvain, _ = best_of(
        repeat, lambda: nx.community.louvain_communities(undirected, weight="weight", seed=42)
    )
    print(
        f"\n### network: {graph.number_of_nodes():,} actors, {len(claims):,} claims, "
        f"{graph.number_of_edges():,} relation edges\n"
    )
    print("| step | kg (CPU s) | bare networkx (CPU s) | kg / networkx |")
    print("|---|---|---|---|")
    for name, ours, bare in (
        ("projection (claims_graph)", kg_projection, nx_projection),
        ("PageRank (weights + nx.pagerank)", kg_pagerank, nx_pagerank),
        (f"Louvain (communities: {len(groups)} groups)", kg_louvain, nx_louvain),
    ):
        print(f"| {name} | {ours:.2f} | {bare:.2f} | {ours / bare:.2f} |")
    if betweenness:
        took, _ = best_of(1, lambda: centrality(graph, top=20))
        print(f"| centrality (PageRank + betweenness, k=200) | {took:.1f} | | |")


def pages(sizes: list[int], repeat: int) -> None:
    print("\n### graph page (kg viz)\n")
    print("| actors | relations | claims | build (CPU s) | page (MB) | s per 1,000 actors |")
    print("|---|---|---|---|---|---|")
    for size in sizes:
        pool = _synthetic.make_actors(size, seed=size)
        graph = claims_graph(_synthetic.claims(pool, int(size * 2.4), seed=size))
        took, page = best_of(repeat, lambda graph=graph: graph_html(graph))
        nodes = graph.number_of_nodes()
        claims = sum(d["count"] for _, _, d in graph.edges(data=True))
        print(
            f"| {nodes:,} | {graph.number_of_edges():,} | {claims:,} | {took:.2f} | "
            f"{len(page.encode()) / 2**20:.1f} | {took / nodes * 1000:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=20_000)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--pages", type=int, nargs="*", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=1, help="runs; the best is kept")
    parser.add_argument("--betweenness", action="store_true", help="also time centrality()")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, networkx {nx.__version__}"
    )
    if args.claims:
        network(args.actors, args.claims, args.repeat, args.betweenness)
    if args.pages:
        pages(args.pages, args.repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
