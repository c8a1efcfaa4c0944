"""JSON-LD with kg's context: the context file, compact export, and an import that gives
back exactly the exported dataset, offline."""

from __future__ import annotations

import importlib.util
import io
import json
import socket
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.compare import isomorphic

from kg.jsonld import CONTEXT_IRI, CONTEXT_PATH, context_document, write_jsonld
from kg.model import Document
from kg.ontology import ID, KG, WD, ontology_graph
from kg.store import Store, _ox, _ox_quad, open_store
from tests.builders import KP, NATO, RU, make_claim

ROOT = Path(__file__).resolve().parents[1]
# Not rdflib's XSD namespace object: pytest's collection probes module attributes, and a
# closed namespace warns about each one it lacks.
XSD_DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
XSD_TOKEN = URIRef("http://www.w3.org/2001/XMLSchema#token")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def nquads(store: Store) -> set[str]:
    """Every quad as an N-Quads line (kg data has no blank nodes, so equal sets mean
    isomorphic datasets)."""
    buffer = io.BytesIO()
    store.export(buffer, "nq")
    return {line for line in buffer.getvalue().decode().splitlines() if line}


# --- the context ----------------------------------------------------------------------


def test_context_file_is_generated_from_the_ontology() -> None:
    spec = importlib.util.spec_from_file_location("context_script", ROOT / "ontology/context.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    expected = script.render(script.context(ontology_graph()))
    assert CONTEXT_PATH.read_text("utf-8") == expected, "run: python ontology/context.py"


def _expand(term: str, value: object) -> ox.Quad:
    document = {"@context": context_document()["@context"], "@id": "urn:x", term: value}
    (quad,) = ox.parse(json.dumps(document), ox.RdfFormat.JSON_LD)
    return quad


def test_every_ontology_term_has_a_short_name() -> None:
    terms = context_document()["@context"]
    assert terms["@version"] == 1.1
    own = {s for s in ontology_graph().subjects() if str(s).startswith(str(KG))}
    for iri in own:
        name = str(iri).removeprefix(str(KG))
        assert name in terms, name
    # A sample of each kind of term expands to the right IRI.
    for name in ("sendsTroops", "meets", "hasMember", "modality", "attributedTo"):
        assert _expand(name, "wd:Q1").predicate.value == str(KG[name])
    for name in ("evidence", "trigger", "confidence", "sentenceIndex", "officialRole"):
        assert _expand(name, "1").predicate.value == str(KG[name])


@pytest.mark.parametrize(
    ("term", "value", "predicate", "expected"),
    [
        ("subject", "wd:Q423", "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject", WD.Q423),
        ("predicate", "sendsTroops", "http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate",
         KG.sendsTroops),
        ("modality", "Hedged", str(KG.modality), KG.Hedged),
        ("quadClass", "VerbalConflict", str(KG.quadClass), KG.VerbalConflict),
        ("confidence", "0.85", str(KG.confidence), Literal("0.85", datatype=XSD_DECIMAL)),
        ("startOffset", "12", str(KG.startOffset), Literal("12", datatype=XSD_INTEGER)),
        ("eventDate", "2024-10-18", str(KG.eventDate), Literal("2024-10-18", datatype=XSD_DATE)),
        ("date", "2024-10-18", "http://purl.org/dc/terms/date",
         Literal("2024-10-18", datatype=XSD_DATE)),
        ("label", "Russia", "http://www.w3.org/2000/01/rdf-schema#label",
         Literal("Russia", lang="en")),
        ("evidence", "Troops arrived.", str(KG.evidence), Literal("Troops arrived.")),
        ("wasDerivedFrom", "kgid:doc/1", "http://www.w3.org/ns/prov#wasDerivedFrom",
         ID["doc/1"]),
        ("meets", "wd:Q159", str(KG.meets), WD.Q159),
    ],
)  # fmt: skip
def test_context_coerces_plain_strings(
    term: str, value: str, predicate: str, expected: URIRef | Literal
) -> None:
    quad = _expand(term, value)
    assert quad.predicate.value == predicate
    obj = quad.object
    if isinstance(expected, URIRef):
        assert obj == ox.NamedNode(str(expected))
    else:
        assert obj == _ox(expected)


def test_the_wheel_ships_the_context() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    shipped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert shipped["ontology"] == "kg/_ontology"
    assert CONTEXT_PATH.name == "context.jsonld" and CONTEXT_PATH.is_file()


# --- round trips ----------------------------------------------------------------------


@pytest.fixture
def samples(sample_store: Path) -> Iterator[Store]:
    with open_store(str(sample_store), read_only=True) as opened:
        yield opened


def test_export_is_compact_and_imports_back_to_the_same_dataset(
    cli, sample_store: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "samples.jsonld"
    result = cli("export", "--store", sample_store, "--format", "jsonld", "-o", exported)
    assert result.exit_code == 0, result.output
    document = json.loads(exported.read_text("utf-8"))
    assert document["@context"] == context_document()["@context"]  # embedded: self-contained
    body = json.dumps(document["@graph"])
    assert str(KG) not in body  # every kg term is written short
    claims = [
        node
        for graph in document["@graph"]
        for node in graph.get("@graph", [])
        if node.get("@type") == "Claim"
    ]
    assert claims and all(node["predicate"] in context_document()["@context"] for node in claims)
    assert all(isinstance(node["confidence"], str) for node in claims)

    copy = tmp_path / "copy"
    result = cli("import", exported, "--store", copy)
    assert result.exit_code == 0, result.output
    with open_store(str(sample_store), read_only=True) as original, open_store(str(copy)) as back:
        assert nquads(back) == nquads(original)
        assert len(back) == len(original)


def test_another_processor_reads_the_export(samples: Store) -> None:
    buffer = io.BytesIO()
    samples.export(buffer, "jsonld")
    by_rdflib = Dataset()
    by_rdflib.parse(data=buffer.getvalue().decode("utf-8"), format="json-ld")
    expected = Dataset()
    expected.parse(data="\n".join(nquads(samples)), format="nquads")
    assert _quad_set(by_rdflib) == _quad_set(expected)


def _quad_set(dataset: Dataset) -> set[tuple[str, ...]]:
    return {
        (s.n3(), p.n3(), o.n3(), g.n3() if g is not None else "")
        for s, p, o, g in dataset.quads((None, None, None, None))
    }


@pytest.mark.parametrize("target", ["memory", "oxigraph"])
def test_a_file_that_references_the_published_context_imports_offline(
    samples: Store, tmp_path: Path, target: str
) -> None:
    path = tmp_path / "referenced.jsonld"
    with path.open("wb") as output:
        write_jsonld(samples.oxigraph.quads_for_pattern(None, None, None, None), output,
                     context="reference")  # fmt: skip
    assert json.loads(path.read_text("utf-8"))["@context"] == CONTEXT_IRI
    uri = "memory:" if target == "memory" else str(tmp_path / "copy")
    with open_store(uri) as copy:
        assert copy.import_file(path) == len(samples)
        assert nquads(copy) == nquads(samples)


def test_other_remote_contexts_are_refused_not_fetched(tmp_path: Path) -> None:
    path = tmp_path / "remote.jsonld"
    path.write_text(json.dumps({"@context": ["https://schema.org/", CONTEXT_IRI], "@id": "urn:a"}))
    with open_store("memory:") as store, pytest.raises(Exception, match="cannot be fetched"):
        store.import_file(path)


@pytest.mark.parametrize("source", ["memory", "oxigraph"])
def test_values_that_fit_no_term_round_trip(source: str, tmp_path: Path) -> None:
    """French labels, plain labels, odd datatypes, literal URLs, blank nodes, the default
    graph and awkward text all come back exactly."""
    dataset = Dataset()
    doc = ID["doc/odd"]
    graph = dataset.graph(doc)
    node = BNode("n1")
    graph.add((WD.Q159, URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
               Literal("Russie", lang="fr")))  # fmt: skip
    graph.add((WD.Q159, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Russia")))
    graph.add((WD.Q159, KG.confidence, Literal("1", datatype=XSD_INTEGER)))
    graph.add((WD.Q159, KG.evidence, Literal('a\r\nb "q" \\ é ✓ \U0001f600')))
    graph.add((WD.Q159, KG.evidence, Literal("x", datatype=XSD_TOKEN)))
    graph.add((WD.Q159, KG.evidence, WD.Q1))
    graph.add((doc, URIRef("https://schema.org/url"), Literal("not an IRI")))
    graph.add((doc, URIRef("https://schema.org/url"), URIRef("https://example.org/a%20b?c=d#e")))
    graph.add((WD.Q159, KG.meets, node))
    graph.add((node, KG.modality, KG.Hedged))
    graph.add((node, URIRef("http://example.org/p"), Literal("@id")))
    graph.add((node, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), KG.Claim))
    dataset.default_graph.add((WD.Q423, KG.sendsTroops, WD.Q159))

    buffer = io.BytesIO()
    write_jsonld(
        sorted(
            (_ox_quad(q) for q in dataset.quads((None, None, None, None))),
            key=lambda q: (str(q.graph_name), str(q.subject)),
        ),
        buffer,
    )
    path = tmp_path / "odd.jsonld"
    path.write_bytes(buffer.getvalue())
    uri = "memory:" if source == "memory" else str(tmp_path / "store")
    with open_store(uri) as store:
        store.import_file(path)
        back = Dataset()
        out = io.BytesIO()
        store.export(out, "nq")
        back.parse(data=out.getvalue().decode("utf-8"), format="nquads")
    for name in (doc, None):
        want = dataset.graph(name) if name is not None else dataset.default_graph
        got = back.graph(name) if name is not None else back.default_graph
        assert len(got) == len(want)
        assert isomorphic(got, want), name


def test_both_backends_export_the_same_jsonld(tmp_path: Path) -> None:
    document = Document("North Korea sent troops.", "a.txt")
    claims = [
        make_claim(KP, "sendsTroops", RU, document=document.doc_id),
        make_claim(RU, "memberOf", NATO, document=document.doc_id, start=40),
    ]
    exports = []
    for uri in ("memory:", str(tmp_path / "disk")):
        with open_store(uri) as store:
            store.replace_document(document, claims)
            exports.append(nquads(store))
            path = tmp_path / f"{store.scheme}.jsonld"
            store.export(path, "jsonld")
        with open_store("memory:") as copy:
            copy.import_file(path)
            exports.append(nquads(copy))
    assert exports[0] == exports[1] == exports[2] == exports[3]
