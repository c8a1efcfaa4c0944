"""Everything `kg ingest` writes conforms to the SHACL shapes of ontology/shapes.ttl."""

from __future__ import annotations

from pathlib import Path

import pyshacl
from rdflib import Graph

from kg.ontology import ONTOLOGY_PATH
from kg.store import open_store

SHAPES = ONTOLOGY_PATH.with_name("shapes.ttl")


def test_ingested_samples_conform_to_the_shapes(sample_store: Path, tmp_path: Path) -> None:
    dump = tmp_path / "store.nt"
    with open_store(sample_store, read_only=True) as store:
        store.export(dump, "nt")
    data = Graph().parse(dump, format="nt")
    # The ontology supplies the class hierarchy the shapes rely on.
    data += Graph().parse(ONTOLOGY_PATH, format="turtle")
    conforms, _, report = pyshacl.validate(data, shacl_graph=str(SHAPES), inference="none")
    assert conforms, report


def test_a_broken_claim_is_caught(sample_store: Path, tmp_path: Path) -> None:
    dump = tmp_path / "store.nt"
    with open_store(sample_store, read_only=True) as store:
        store.export(dump, "nt")
    data = Graph().parse(dump, format="nt")
    data += Graph().parse(ONTOLOGY_PATH, format="turtle")
    confidence = next(p for p in data.predicates() if str(p).endswith("#confidence"))
    claim, _, value = next(iter(data.triples((None, confidence, None))))
    data.remove((claim, confidence, value))
    conforms, _, report = pyshacl.validate(data, shacl_graph=str(SHAPES), inference="none")
    assert not conforms
    assert "confidence" in report
