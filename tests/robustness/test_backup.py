"""A backup restores the store exactly: ``kg export --format nq`` of the bundled samples,
``kg import`` into an empty store, and the two datasets are isomorphic graph by graph.

``tests/e2e/test_cli.py::test_import_of_an_export_restores_the_claims`` already checks
that the restored store has the same statistics and claims; this test compares every
quad of every named graph (ontology, actors, documents), which that one does not.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from robustness.support import check_exit, check_valid

pytestmark = pytest.mark.slow


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> URIRef | Literal | BNode:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return BNode(term.value)


def graphs_of(path: Path) -> dict[str, Graph]:
    """An N-Quads file as one rdflib graph per graph name (``""`` for the default graph)."""
    graphs: dict[str, Graph] = defaultdict(Graph)
    for quad in ox.parse(path=path, format=ox.RdfFormat.N_QUADS):
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
        graphs[name].add((_term(quad.subject), _term(quad.predicate), _term(quad.object)))
    return dict(graphs)


def test_nq_backup_restores_an_isomorphic_dataset(
    tmp_path: Path, sample_store: Path, kg_process, cli
) -> None:
    backup = tmp_path / "backup.nq"
    exported = kg_process("export", "--format", "nq", "-o", backup, "--store", sample_store)
    check_exit(exported, failed=False)
    assert exported.stderr == f"wrote {backup}\n"

    restored = tmp_path / "restored"
    imported = kg_process("import", backup, "--store", restored)
    check_exit(imported, failed=False)
    assert imported.stderr == ""
    original = graphs_of(backup)
    quads = sum(len(g) for g in original.values())
    assert imported.stdout.strip() == f"{backup}: {quads} triples"

    again = tmp_path / "again.nq"
    check_exit(
        kg_process("export", "--format", "nq", "-o", again, "--store", restored), failed=False
    )
    copy = graphs_of(again)
    assert set(copy) == set(original)
    # Documents, the shared actors graph and the ontology: nothing lost, nothing added.
    assert len(original) > 25, sorted(original)
    for name, graph in original.items():
        assert isomorphic(graph, copy[name]), name
    check_valid(cli, restored)
