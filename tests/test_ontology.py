"""The ontology (ontology/kg.ttl), its SHACL shapes, and the relation table read from them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef

from kg.ontology import DCTERMS, ID, KG, ONTOLOGY_PATH, PROV, SCORING_LABELS, relations

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
SHAPES_PATH = ONTOLOGY_DIR / "shapes.ttl"

SYMMETRIC_LABELS = {
    "ALLIED_WITH",
    "AT_WAR_WITH",
    "AGREEMENT_WITH",
    "MEETS",
    "COOPERATES_WITH",
    "TRADE",
}

# The finer relations the extraction code refers to, by parent.
FINER = {
    "memberOf": {"joins"},
    "officialOf": {
        "headOfStateOf",
        "headOfGovernmentOf",
        "ministerOf",
        "diplomatOf",
        "spokespersonOf",
        "commanderOf",
    },
    "alliedWith": {"mutualDefenceWith"},
    "agreementWith": {"signsTreaty", "concludesDeal"},
    "meets": {"holdsSummit", "holdsTalks", "visits", "phoneCallWith"},
    "cooperatesWith": {"holdsJointExercises", "sharesIntelligence"},
    "supports": {"endorses", "praises", "expressesSolidarity"},
    "militaryAid": {"sendsTroops", "suppliesWeapons", "sellsArms", "transfersMilitaryTechnology"},
    "aid": {"providesHumanitarianAid", "providesFinancialAid"},
    "trade": {"tradeDeal", "suppliesEnergy", "investsIn"},
    "criticizes": {"condemns", "accuses", "demands", "rejects", "protests"},
    "threatens": {"warns", "issuesUltimatum"},
    "sanctions": {
        "imposesSanctions",
        "expelsDiplomats",
        "imposesTariffs",
        "downgradesTies",
        "imposesEmbargo",
    },
    "attacks": {"invades", "launchesStrike", "shells", "cyberAttacks", "fightsAgainst"},
}

QUAD_CLASSES = {"VerbalCooperation", "MaterialCooperation", "VerbalConflict", "MaterialConflict"}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_PATH, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_PATH, format="turtle")


def test_ontology_parses_and_has_header(ontology: Graph) -> None:
    header = URIRef("https://w3id.org/kg-geo/ontology")
    assert (header, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(header, OWL.versionInfo) == Literal("0.1.0")
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license):
        assert ontology.value(header, prop) is not None, prop


def test_every_scoring_label_has_one_top_level_relation() -> None:
    table = relations()
    top = [rel for rel in table.values() if rel.parent is None]
    assert sorted(rel.label for rel in top) == sorted(SCORING_LABELS)
    assert len(top) == len(SCORING_LABELS)


def test_finer_relations_are_the_expected_ones() -> None:
    table = relations()
    finer = {name: rel for name, rel in table.items() if rel.parent is not None}
    assert len(finer) >= 30
    expected = {(child, parent) for parent, children in FINER.items() for child in children}
    assert {(name, rel.parent) for name, rel in finer.items()} == expected


def test_finer_relation_label_is_its_top_ancestors_label() -> None:
    table = relations()
    for name, rel in table.items():
        node, seen = rel, {name}
        while node.parent is not None:
            assert node.parent not in seen, f"cycle through {name}"
            seen.add(node.parent)
            node = table[node.parent]
        assert rel.label == node.label, name
        assert node.label in SCORING_LABELS


def test_symmetric_relations() -> None:
    top = [rel for rel in relations().values() if rel.parent is None]
    assert {rel.label for rel in top if rel.symmetric} == SYMMETRIC_LABELS


def test_symmetric_typing_in_the_file(ontology: Graph) -> None:
    declared = set(ontology.subjects(RDF.type, OWL.SymmetricProperty))
    for prop in declared:
        parent = ontology.value(prop, RDFS.subPropertyOf)
        if parent is not None:
            assert parent in declared, f"{prop} is symmetric but its parent is not"
    assert KG.visits not in declared


def test_every_relation_has_a_quad_class() -> None:
    for name, rel in relations().items():
        assert rel.quad_class in QUAD_CLASSES, name


def test_quad_classes_are_numbered(ontology: Graph) -> None:
    codes = {
        str(q).removeprefix(str(KG)): ontology.value(q, KG.quadCode).toPython()
        for q in ontology.subjects(RDF.type, KG.QuadClass)
    }
    assert codes == {
        "VerbalCooperation": 1,
        "MaterialCooperation": 2,
        "VerbalConflict": 3,
        "MaterialConflict": 4,
    }


def test_scoring_label_only_on_top_level_and_one_parent_each(ontology: Graph) -> None:
    for name, rel in relations().items():
        prop = URIRef(rel.iri)
        labels = list(ontology.objects(prop, KG.scoringLabel))
        parents = list(ontology.objects(prop, RDFS.subPropertyOf))
        if rel.parent is None:
            assert len(labels) == 1 and not parents, name
        else:
            assert not labels and len(parents) == 1, name
        assert (prop, RDF.type, OWL.ObjectProperty) in ontology, name


def test_has_member_is_inverse_and_not_a_relation(ontology: Graph) -> None:
    assert (KG.hasMember, OWL.inverseOf, KG.memberOf) in ontology
    assert "hasMember" not in relations()


def test_every_kg_term_has_english_label_and_comment(ontology: Graph) -> None:
    terms = {s for s in ontology.subjects(RDF.type, None) if str(s).startswith(str(KG))}
    assert len(terms) > 80
    for term in terms:
        for prop in (RDFS.label, RDFS.comment):
            english = [
                o
                for o in ontology.objects(term, prop)
                if isinstance(o, Literal) and o.language == "en"
            ]
            assert len(english) == 1, f"{term} needs one English {prop}"


def test_terms_used_in_the_kg_namespace_are_declared(ontology: Graph) -> None:
    declared = {s for s in ontology.subjects(RDF.type, None)}
    used = {
        node
        for triple in ontology
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(str(KG))
    }
    assert used <= declared, sorted(used - declared)


def test_shapes_parse(shapes: Graph) -> None:
    sh = "http://www.w3.org/ns/shacl#"
    targets = set(shapes.objects(None, URIRef(sh + "targetClass")))
    assert {KG.Claim, KG.Document, KG.Actor, KG.State, KG.Person} <= targets


def _claim_graph(*, modality: URIRef | None, confidence: str) -> Graph:
    graph = Graph()
    doc, claim = ID["doc/" + "a" * 64], ID["claim/1"]
    russia, ukraine = ID["Q159"], ID["Q212"]
    graph.add((doc, RDF.type, KG.Document))
    graph.add((doc, KG.sha256, Literal("a" * 64)))
    graph.add((doc, KG.name, Literal("article-1")))
    for actor, label, iso2 in ((russia, "Russia", "RU"), (ukraine, "Ukraine", "UA")):
        graph.add((actor, RDF.type, KG.State))
        graph.add((actor, RDFS.label, Literal(label, lang="en")))
        graph.add((actor, KG.iso3166Alpha2, Literal(iso2)))
    graph.add((claim, RDF.type, KG.Claim))
    graph.add((claim, RDF.subject, russia))
    graph.add((claim, RDF.predicate, KG.attacks))
    graph.add((claim, RDF.object, ukraine))
    if modality is not None:
        graph.add((claim, KG.modality, modality))
    graph.add((claim, KG.evidence, Literal("Russia attacked Ukraine.")))
    graph.add((claim, KG.confidence, Literal(Decimal(confidence))))
    graph.add((claim, KG.sentenceIndex, Literal(0)))
    graph.add((claim, KG.startOffset, Literal(0)))
    graph.add((claim, KG.endOffset, Literal(24)))
    graph.add((claim, KG.eventDate, Literal(dt.date(2022, 2, 24))))
    graph.add((claim, PROV.wasDerivedFrom, doc))
    graph.add((claim, PROV.wasGeneratedBy, BNode()))
    return graph


def test_valid_claim_conforms(shapes: Graph) -> None:
    pyshacl = pytest.importorskip("pyshacl")
    conforms, _, text = pyshacl.validate(
        _claim_graph(modality=KG.Asserted, confidence="0.9"), shacl_graph=shapes
    )
    assert conforms, text


def test_broken_claim_does_not_conform(shapes: Graph) -> None:
    pyshacl = pytest.importorskip("pyshacl")
    conforms, report, text = pyshacl.validate(
        _claim_graph(modality=None, confidence="1.5"), shacl_graph=shapes
    )
    assert not conforms
    sh = "http://www.w3.org/ns/shacl#"
    paths = set(report.objects(None, URIRef(sh + "resultPath")))
    assert {KG.modality, KG.confidence} <= paths, text
