"""SPARQL queries through a store and the result formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from kg.errors import QueryError
from kg.model import Actor, ActorType, Claim, Document, Modality
from kg.ontology import relation
from kg.query import QueryResult, format_result, run_query, shorten
from kg.store import Store, open_store

RU = Actor("RU", "Russia", ActorType.STATE, qid="Q159")
KP = Actor("KP", "North Korea", ActorType.STATE, qid="Q423")
UA = Actor("UA", "Ukraine", ActorType.STATE, qid="Q212")
TRICKY = 'a "quoted", comma\tand tab\nnewline'

PREFIXES = """PREFIX kg: <https://w3id.org/kg-geo/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


@pytest.fixture(params=["memory", "oxigraph"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    uri = "memory:" if request.param == "memory" else str(tmp_path / "store")
    with open_store(uri) as opened:
        doc = Document("North Korea sent troops to Russia.", "a.txt", date=dt.date(2024, 10, 18))
        opened.replace_document(
            doc,
            [
                Claim(KP, relation("militaryAid"), RU, Modality.ASSERTED, doc.doc_id,
                      TRICKY, 0, 0, 34, 0.9),
                Claim(RU, relation("attacks"), UA, Modality.ASSERTED, doc.doc_id,
                      "Russia attacked Ukraine.", 1, 35, 60, 0.8),
            ],
        )  # fmt: skip
        yield opened


def test_select_table_shortens_names(store: Store) -> None:
    result = run_query(
        store,
        PREFIXES
        + "SELECT DISTINCT ?a ?label WHERE { ?a a kg:State ; rdfs:label ?label } ORDER BY ?a",
    )
    assert result.kind == "SELECT"
    assert result.variables == ["a", "label"]
    table = format_result(result, "table").splitlines()
    assert table[0].split() == ["a", "label"]
    assert set(table[1]) <= {"-", " "}
    assert table[2].split() == ["wd:Q159", "Russia"]
    assert table[3].split() == ["wd:Q212", "Ukraine"]
    assert table[4].split() == ["wd:Q423", "North", "Korea"]
    # Columns are aligned: every label starts at the same position.
    words = ["Russia", "Ukraine", "North"]
    starts = {line.index(word) for line, word in zip(table[2:5], words, strict=True)}
    assert len(starts) == 1
    assert table[-1] == "(3 rows)"


def test_bindings_are_terms_not_text(store: Store) -> None:
    sparql = PREFIXES + "SELECT DISTINCT ?a WHERE { ?a rdfs:label ?label }"
    found = run_query(store, sparql, {"label": Literal("Russia", lang="en")})
    assert [row[0] for row in found] == [URIRef("http://www.wikidata.org/entity/Q159")]
    sneaky = run_query(store, sparql, {"label": '"Russia"@en } UNION { ?a ?p ?o'})
    assert sneaky.rows == []


def test_csv_follows_sparql_results_csv(store: Store) -> None:
    result = run_query(store, PREFIXES + "SELECT ?c ?e WHERE { ?c kg:evidence ?e } ORDER BY ?e")
    text = format_result(result, "csv")
    assert text.startswith("c,e\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["c", "e"]
    assert sorted(r[1] for r in rows[1:]) == sorted(["Russia attacked Ukraine.", TRICKY])
    assert all(r[0].startswith("https://w3id.org/kg-geo/id/claim/") for r in rows[1:])


def test_tsv_follows_sparql_results_tsv(store: Store) -> None:
    result = run_query(
        store, PREFIXES + "SELECT DISTINCT ?a ?label ?e WHERE { ?a rdfs:label ?label . OPTIONAL { ?a kg:nope ?e } } ORDER BY ?a LIMIT 1"  # noqa: E501
    )  # fmt: skip
    lines = format_result(result, "tsv").splitlines()
    assert lines[0] == "?a\t?label\t?e"
    assert lines[1] == '<http://www.wikidata.org/entity/Q159>\t"Russia"@en\t'
    evidence = run_query(store, PREFIXES + 'SELECT ?e WHERE { ?c kg:evidence ?e FILTER(CONTAINS(?e, "quoted")) }')  # fmt: skip # noqa: E501
    assert format_result(evidence, "tsv").splitlines()[1] == (
        '"a \\"quoted\\", comma\\tand tab\\nnewline"'
    )


def test_json_follows_sparql_results_json(store: Store) -> None:
    result = run_query(
        store,
        PREFIXES + "SELECT DISTINCT ?a ?label ?n ?none WHERE { ?a rdfs:label ?label "
        "OPTIONAL { ?a kg:none ?none } BIND(3 AS ?n) } ORDER BY ?a LIMIT 1",
    )
    document = json.loads(format_result(result, "json"))
    assert document["head"]["vars"] == ["a", "label", "n", "none"]
    (binding,) = document["results"]["bindings"]
    assert binding["a"] == {"type": "uri", "value": "http://www.wikidata.org/entity/Q159"}
    assert binding["label"] == {"type": "literal", "value": "Russia", "xml:lang": "en"}
    assert binding["n"] == {
        "type": "literal",
        "value": "3",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }
    assert "none" not in binding


def test_ask(store: Store) -> None:
    yes = run_query(store, PREFIXES + "ASK { ?a kg:attacks ?b }")
    no = run_query(store, PREFIXES + "ASK { ?a kg:sanctions ?b }")
    assert (yes.boolean, no.boolean) == (True, False)
    assert format_result(yes, "table") == "true\n"
    assert format_result(no, "csv") == "false\n"
    assert json.loads(format_result(yes, "json")) == {"head": {}, "boolean": True}


def test_construct_gives_turtle(store: Store) -> None:
    result = run_query(store, PREFIXES + "CONSTRUCT { ?a kg:hits ?b } WHERE { ?a kg:attacks ?b }")
    assert result.kind == "CONSTRUCT"
    text = format_result(result, "table")
    assert "wd:Q159 kg:hits wd:Q212" in text
    parsed = Graph().parse(data=text, format="turtle")
    assert len(parsed) == 1


def test_errors(store: Store) -> None:
    with pytest.raises(QueryError):
        run_query(store, "SELECT WHERE")
    with pytest.raises(QueryError, match="update"):
        run_query(store, "DELETE WHERE { ?s ?p ?o }")
    assert len(store) > 0
    with pytest.raises(QueryError, match="format"):
        format_result(QueryResult("SELECT"), "xlsx")


def test_shorten() -> None:
    assert shorten(URIRef("https://w3id.org/kg-geo/ontology#militaryAid")) == "kg:militaryAid"
    assert shorten(URIRef("https://w3id.org/kg-geo/id/doc/ab")) == "kgid:doc/ab"
    assert shorten(URIRef("http://example.org/x")) == "<http://example.org/x>"
    assert shorten(Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))) == "3"
    assert shorten(None) == ""


@pytest.mark.parametrize(
    "backend",
    [
        "memory",
        pytest.param(
            "oxigraph",
            marks=pytest.mark.xfail(
                strict=True,
                reason="pyoxigraph 0.5 counts a triple once per graph in the union default "
                "graph (oxigraph#1919, fixed for 0.6); the actor triples sit in two graphs",
            ),
        ),
    ],
)
def test_union_is_a_set(backend: str, tmp_path: Path) -> None:
    with open_store("memory:" if backend == "memory" else str(tmp_path / "s")) as store:
        doc = Document("text", "a.txt")
        claim = Claim(KP, relation("aid"), RU, Modality.ASSERTED, doc.doc_id, "e", 0, 0, 1, 0.5)
        store.replace_document(doc, [claim])
        # Actors only: the store also holds the ontology, whose terms have labels too.
        result = run_query(store, PREFIXES + "SELECT ?l WHERE { ?a a kg:State ; rdfs:label ?l }")
        assert len(result.rows) == 2
