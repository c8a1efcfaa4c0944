"""``kg query --infer``: sub-properties, symmetric and inverse readings, by rewriting the
query and by materialising entailed triples, which must give the same answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from kg.errors import QueryError, StoreError
from kg.infer import (
    INFERRED_GRAPH,
    METHODS,
    InferenceStore,
    PropertySchema,
    materialise,
    query_scope,
    rewrite_query,
)
from kg.model import Document
from kg.ontology import KG, WD, ontology_graph, relations
from kg.query import run_query
from kg.saved import run_saved, saved_queries
from kg.store import Store, open_store
from tests.builders import KP, KR, NATO, RU, make_claim

Pair = tuple[str, str]


def pairs(store: Store, sparql: str) -> set[tuple[str, ...]]:
    """The rows of a query as strings (so sets compare across backends)."""
    return {tuple(str(v) for v in row) for row in run_query(store, sparql).rows}


def q(iri: URIRef) -> str:
    return str(iri)


@pytest.fixture(params=["memory", "oxigraph"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    uri = "memory:" if request.param == "memory" else str(tmp_path / "store")
    with open_store(uri) as opened:
        doc = Document("North Korea and Russia held a summit.", "a.txt")
        opened.replace_document(
            doc,
            [
                make_claim(KP, "holdsSummit", RU),  # symmetric, under symmetric meets
                make_claim(KP, "visits", RU, start=50),  # not symmetric, under meets
                make_claim(KR, "joins", NATO, start=100),  # under memberOf, inverse hasMember
                make_claim(KP, "sendsTroops", RU, start=150),
            ],
        )
        # Facts a kg ingest never writes this way: a finer property without its top-level
        # one, and the inverse property stated directly.
        extra = tmp_path / "extra.ttl"
        extra.write_text(
            f"<{WD.Q884}> <{KG.sellsArms}> <{WD.Q423}> .\n"
            f"<{WD.Q7184}> <{KG.hasMember}> <{WD.Q33}> .\n"
        )
        opened.import_file(extra)
        yield opened


# --- the closure ----------------------------------------------------------------------


def test_readings_follow_the_three_axioms() -> None:
    schema = PropertySchema.from_ontology()
    assert schema.readings(KG.militaryAid) >= {(KG.sendsTroops, False), (KG.sellsArms, False)}
    assert (KG.militaryAid, True) not in schema.readings(KG.militaryAid)
    meets = schema.readings(KG.meets)
    assert {(KG.meets, True), (KG.holdsSummit, True), (KG.visits, True)} <= meets
    assert schema.readings(KG.visits) == {(KG.visits, False)}
    assert schema.readings(KG.hasMember) == {
        (KG.hasMember, False),
        (KG.memberOf, True),
        (KG.joins, True),
    }
    assert (KG.hasMember, True) in schema.readings(KG.memberOf)
    assert not schema.expands(KG.evidence)
    # Every relation of the table is covered.
    assert {URIRef(r.iri) for r in relations().values()} <= schema.properties


def test_materialisation_agrees_with_owlrl() -> None:
    """Our three rules against a full OWL 2 RL reasoner, on every relation triple."""
    owlrl = pytest.importorskip("owlrl")
    data = [
        (WD.Q423, KG.holdsSummit, WD.Q159),
        (WD.Q423, KG.visits, WD.Q884),
        (WD.Q884, KG.joins, WD.Q7184),
        (WD.Q7184, KG.hasMember, WD.Q33),
        (WD.Q30, KG.sellsArms, WD.Q212),
        (WD.Q30, KG.tradeDeal, WD.Q148),
        (WD.Q159, KG.atWarWith, WD.Q212),
    ]
    graph = Graph()
    for triple in (*ontology_graph(), *data):
        graph.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(graph)
    properties = PropertySchema.from_ontology().properties
    expected = {(s, p, o) for s, p, o in graph if p in properties and str(s).startswith(str(WD))}

    with open_store("memory:") as base:
        for s, p, o in data:
            base.dataset.graph(URIRef("urn:test")).add((s, p, o))
        copy = materialise(base)
    got = {
        (URIRef(t.subject.value), URIRef(t.predicate.value), URIRef(t.object.value))
        for t in copy.quads_for_pattern(None, None, None, None)
    }
    assert got == expected
    assert len(expected) > 2 * len(data)


# --- the three readings, both methods, both backends ----------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_sub_property_found_through_the_top_level_property(store: Store, method: str) -> None:
    sparql = "SELECT DISTINCT ?s ?o WHERE { ?s kg:militaryAid ?o }"
    plain = pairs(store, sparql)
    inferred = pairs(InferenceStore(store, method), sparql)
    sells = (q(WD.Q884), q(WD.Q423))  # only kg:sellsArms is stated
    assert sells not in plain
    assert sells in inferred
    assert (q(WD.Q423), q(WD.Q159)) in plain & inferred


@pytest.mark.parametrize("method", METHODS)
def test_symmetric_reading(store: Store, method: str) -> None:
    meets = "SELECT DISTINCT ?s ?o WHERE { ?s kg:meets ?o }"
    assert pairs(store, meets) == {(q(WD.Q423), q(WD.Q159))}
    both_ways = {(q(WD.Q423), q(WD.Q159)), (q(WD.Q159), q(WD.Q423))}
    assert pairs(InferenceStore(store, method), meets) == both_ways
    summit = "SELECT DISTINCT ?s ?o WHERE { ?s kg:holdsSummit ?o }"
    assert pairs(InferenceStore(store, method), summit) == both_ways
    # kg:visits has a direction even though its parent has none.
    visits = "SELECT DISTINCT ?s ?o WHERE { ?s kg:visits ?o }"
    assert pairs(InferenceStore(store, method), visits) == {(q(WD.Q423), q(WD.Q159))}


@pytest.mark.parametrize("method", METHODS)
def test_inverse_reading(store: Store, method: str) -> None:
    has_member = "SELECT DISTINCT ?org ?m WHERE { ?org kg:hasMember ?m }"
    assert pairs(store, has_member) == {(q(WD.Q7184), q(WD.Q33))}
    assert pairs(InferenceStore(store, method), has_member) == {
        (q(WD.Q7184), q(WD.Q33)),
        (q(WD.Q7184), q(WD.Q884)),  # South Korea joins NATO
    }
    member_of = "SELECT DISTINCT ?m ?org WHERE { ?m kg:memberOf ?org }"
    assert pairs(InferenceStore(store, method), member_of) == {
        (q(WD.Q884), q(WD.Q7184)),
        (q(WD.Q33), q(WD.Q7184)),  # from NATO kg:hasMember Finland
    }


@pytest.mark.parametrize("method", METHODS)
def test_readings_inside_property_paths(store: Store, method: str) -> None:
    sparql = "SELECT DISTINCT ?o WHERE { wd:Q159 kg:meets/^kg:hasMember ?o }"
    # Russia meets North Korea (symmetric); nobody lists North Korea as a member.
    assert pairs(InferenceStore(store, method), sparql) == set()
    sparql = "SELECT DISTINCT ?x WHERE { ?x ^kg:hasMember wd:Q7184 }"
    assert pairs(InferenceStore(store, method), sparql) == {(q(WD.Q884),), (q(WD.Q33),)}


def test_materialised_triples_go_to_their_own_graph(store: Store) -> None:
    sparql = "SELECT DISTINCT ?g WHERE { GRAPH ?g { wd:Q159 kg:meets wd:Q423 } }"
    assert pairs(InferenceStore(store, "materialise"), sparql) == {(q(INFERRED_GRAPH),)}
    assert pairs(store, sparql) == set()


def test_predicate_variables_see_entailed_triples_only_when_materialised(store: Store) -> None:
    sparql = "SELECT DISTINCT ?p WHERE { wd:Q159 ?p wd:Q423 }"
    assert (q(KG.meets),) in pairs(InferenceStore(store, "materialise"), sparql)
    assert pairs(InferenceStore(store, "rewrite"), sparql) == pairs(store, sparql) == set()


def test_an_open_predicate_with_a_constant_end_needs_only_that_actor(store: Store) -> None:
    sparql = "SELECT DISTINCT ?p ?o WHERE { wd:Q159 ?p ?o }"
    scope = query_scope(sparql)
    assert scope is not None and scope.anchors == {WD.Q159}
    everything = materialise(store)
    expected = {
        (q.predicate.value, q.object.value)
        for q in everything.quads_for_pattern(ox.NamedNode(str(WD.Q159)), None, None, None)
    }
    assert pairs(InferenceStore(store, "materialise"), sparql) == expected
    assert (str(KG.meets), str(WD.Q423)) in expected  # from North Korea meets Russia
    for whole in ("SELECT * { ?s ?p ?o }", "SELECT * { ?s kg:meets* ?o }", "DESCRIBE wd:Q159"):
        assert query_scope(whole) is None, whole


def test_inference_store_is_read_only(store: Store) -> None:
    inferring = InferenceStore(store)
    with pytest.raises(StoreError, match="read-only"):
        inferring.replace_document(Document("x", "x.txt"), [])
    with pytest.raises(StoreError, match="inference method"):
        InferenceStore(store, "guess")
    assert len(inferring) == len(store)


# --- the rewrite itself ---------------------------------------------------------------


UNCHANGED = [
    "SELECT ?s ?label WHERE { ?s rdfs:label ?label }",
    "SELECT ?c WHERE { ?c a kg:Claim ; rdf:predicate kg:meets ; rdf:object ?o }",
    "SELECT ?c WHERE { ?c rdf:predicate ?p . ?p rdfs:subPropertyOf* kg:militaryAid }",
    'SELECT ?e WHERE { ?c kg:evidence ?e FILTER(CONTAINS(?e, "kg:meets")) }',
    "SELECT * WHERE { ?s ?p ?o FILTER(?p = kg:meets) } # ?s kg:meets ?o",
    "SELECT * WHERE { GRAPH kg:meets { ?s ?p ?o } }",
    "SELECT * WHERE { ?s !(kg:meets|^kg:hasMember) ?o }",
    "ASK { ?s kg:evidence '''kg:meets ; kg:memberOf''' }",
    "SELECT * WHERE { ?s kg:meets",  # malformed: the store reports it
    # A predicate variable is never rewritten (materialise does see entailed triples).
    "SELECT ?p WHERE { VALUES ?p { kg:meets kg:hasMember } ?s ?p ?o }",
]


@pytest.mark.parametrize("sparql", UNCHANGED)
def test_queries_without_relation_predicates_are_not_rewritten(sparql: str) -> None:
    assert rewrite_query(sparql) == sparql


def test_rewrite_replaces_only_property_positions() -> None:
    sparql = (
        "PREFIX k: <https://w3id.org/kg-geo/ontology#>\n"
        "CONSTRUCT { ?a k:meets ?b } WHERE {\n"
        "  ?a k:meets ?b ; k:memberOf+ ?c ; k:joins ?d .  # k:meets in a comment\n"
        "  ?b <https://w3id.org/kg-geo/ontology#atWarWith> ?a .\n"
        '  FILTER(?b != k:meets && STR(?a) != "k:meets")\n'
        "}"
    )
    rewritten = rewrite_query(sparql)
    schema = PropertySchema.from_ontology()
    expected = (
        sparql.replace("?a k:meets ?b ;", f"?a {schema.path_text(KG.meets)} ?b ;")
        .replace("k:memberOf+", f"{schema.path_text(KG.memberOf)}+")
        .replace("<https://w3id.org/kg-geo/ontology#atWarWith>", schema.path_text(KG.atWarWith))
    )
    assert rewritten == expected
    # kg:joins has no reading but itself, so it stays as written.
    assert "k:joins ?d" in rewritten


def test_rewrite_follows_prefixes_base_and_escapes() -> None:
    schema = PropertySchema.from_ontology()
    based = "BASE <https://w3id.org/kg-geo/ontology> SELECT * { ?a <#meets> ?b }"
    assert rewrite_query(based) == based.replace("<#meets>", schema.path_text(KG.meets))
    escaped = r"PREFIX x: <https://w3id.org/kg-geo/> SELECT * { ?a x:ontology\#meets ?b }"
    assert schema.path_text(KG.meets) in rewrite_query(escaped)
    # kg: is predeclared; a query may rebind it.
    rebound = "PREFIX kg: <http://example.org/> SELECT * { ?a kg:meets ?b }"
    assert rewrite_query(rebound) == rebound


def test_rewrite_refuses_construct_where() -> None:
    with pytest.raises(QueryError, match="CONSTRUCT WHERE"):
        rewrite_query("CONSTRUCT WHERE { ?a kg:meets ?b }")
    assert rewrite_query("CONSTRUCT WHERE { ?a rdfs:label ?b }") == (
        "CONSTRUCT WHERE { ?a rdfs:label ?b }"
    )


# --- the samples ------------------------------------------------------------------------


@pytest.fixture
def samples(sample_store: Path) -> Iterator[Store]:
    with open_store(str(sample_store), read_only=True) as opened:
        yield opened


def test_both_methods_agree_on_the_samples(samples: Store) -> None:
    rewrite, materialise_ = (
        InferenceStore(samples, "rewrite"),
        InferenceStore(samples, "materialise"),
    )
    grew = 0
    for prop in sorted(PropertySchema.from_ontology().properties):
        sparql = f"SELECT DISTINCT ?s ?o WHERE {{ ?s <{prop}> ?o }}"
        by_rewrite = pairs(rewrite, sparql)
        assert by_rewrite == pairs(materialise_, sparql), prop
        assert by_rewrite >= pairs(samples, sparql), prop
        grew += by_rewrite != pairs(samples, sparql)
    assert grew >= 5  # the symmetric relations and hasMember at least
    joined = """SELECT DISTINCT ?attacker ?target WHERE {
        ?a kg:attacks ?t . ?a rdfs:label ?attacker . ?t rdfs:label ?target }"""
    assert pairs(rewrite, joined) == pairs(materialise_, joined) == pairs(samples, joined)
    counted = """SELECT ?x (COUNT(DISTINCT ?y) AS ?n) WHERE { ?x kg:meets|kg:alliedWith ?y }
        GROUP BY ?x"""
    assert pairs(rewrite, counted) == pairs(materialise_, counted)


@pytest.mark.parametrize("method", METHODS)
def test_queries_without_relation_predicates_give_the_same_rows(
    samples: Store, method: str
) -> None:
    inferring = InferenceStore(samples, method)
    # Patterns with IRI predicates only: predicate variables may see entailed triples.
    for sparql in UNCHANGED[:4]:
        plain = sorted(map(str, run_query(samples, sparql).rows))
        assert sorted(map(str, run_query(inferring, sparql).rows)) == plain, sparql


SAVED_VALUES = {
    "actor": "Russia",
    "other": "North Korea",
    "organisation": "NATO",
    "state": "Russia",
    "relation": "MEETS",
    "since": "2024-01-01",
    "source": "a",
    "limit": "5",
}


@pytest.mark.parametrize("method", METHODS)
def test_saved_queries_work_with_inference(samples: Store, method: str) -> None:
    """Saved queries read claim nodes, which inference leaves alone: same answers."""
    inferring = InferenceStore(samples, method)
    for query in saved_queries():
        values = {p.name: SAVED_VALUES[p.name] for p in query.params if not p.optional}
        plain = run_saved(samples, query.name, values)
        inferred = run_saved(inferring, query.name, values)
        assert sorted(map(str, inferred.rows)) == sorted(map(str, plain.rows)), query.name


def test_cli_query_infer(cli, sample_store: Path) -> None:
    sparql = "SELECT DISTINCT ?org ?m WHERE { ?org kg:hasMember ?m }"
    plain = cli("query", sparql, "--store", sample_store, "--format", "csv")
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.splitlines() == ["org,m"]
    answers = {}
    for flags in (["--infer"], ["--infer-method", "rewrite"], ["--infer-method", "materialise"]):
        result = cli("query", sparql, "--store", sample_store, "--format", "csv", *flags)
        assert result.exit_code == 0, result.output
        answers[flags[-1]] = sorted(result.stdout.splitlines()[1:])
    assert answers["--infer"] == answers["rewrite"] == answers["materialise"]
    assert f"{WD.Q7184},{WD.Q34}" in answers["--infer"]  # NATO has member Sweden
    saved = cli(
        "query", "--saved", "members-of", "--param", "organisation=NATO", "--infer",
        "--store", sample_store, "--format", "csv",
    )  # fmt: skip
    assert saved.exit_code == 0, saved.output
    assert "Sweden" in saved.stdout
