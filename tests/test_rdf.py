"""Claim ↔ RDF: the shape of the graph and an exact round trip."""

from __future__ import annotations

import datetime as dt

import pytest
from rdflib import RDF, RDFS, XSD, Dataset, Literal, URIRef

from kg import rdf
from kg.model import Actor, ActorType, Claim, Document, Modality
from kg.ontology import DCTERMS, ID, KG, PROV, SCHEMA, SKOS, WD, relation

RU = Actor("RU", "Russia", ActorType.STATE, qid="Q159", iso2="RU", iso3="RUS",
           aliases=("Moscow", "Russian Federation"))  # fmt: skip
KP = Actor("KP", "North Korea", ActorType.STATE, qid="Q423", iso2="KP", iso3="PRK",
           aliases=("DPRK", "Pyongyang"))  # fmt: skip
KR = Actor("KR", "South Korea", ActorType.STATE, qid="Q884", iso2="KR", iso3="KOR")
KIM = Actor("person:kim-jong-un", "Kim Jong Un", ActorType.PERSON)
NATO = Actor("NATO", "NATO", ActorType.ORGANIZATION, qid="Q7184", aliases=("the Alliance",))
# A key with a slash, a space, a percent sign and non-ASCII letters, and a quoted label.
ODD = Actor("group:al/qaeda ü 100%", 'Al "Qaeda" }', ActorType.GROUP)

NASTY = 'He said: "no}" \\ back\nslash \r\n\t tab """ triple { } 🚀 ünïcode \u2028 end"'

TEXT = "North Korea sent troops to Russia, South Korea said. " * 3


def make_document(text: str = TEXT, name: str = "a.txt") -> Document:
    return Document(
        text,
        name,
        title='Troops "sent" — report',
        date=dt.date(2024, 10, 18),
        url="https://example.org/news?id=1&x=2",
        source="Example News",
    )


def make_claims(doc: Document) -> list[Claim]:
    return [
        Claim(KP, relation("militaryAid"), RU, Modality.ASSERTED, doc.doc_id,
              "North Korea sent troops to Russia.", 0, 0, 34, 0.9,
              event_date=dt.date(2024, 10, 1), trigger="sent"),
        Claim(KP, relation("sendsTroops"), RU, Modality.HEDGED, doc.doc_id,
              "North Korea may have sent troops.", 1, 35, 68, 0.625, attributed_to=KR),
        Claim(RU, relation("holdsSummit"), KP, Modality.ASSERTED, doc.doc_id,
              "Putin and Kim held a summit.", 2, 69, 96, 0.75, trigger="summit"),
        Claim(KIM, relation("criticizes"), NATO, Modality.NEGATED, doc.doc_id,
              NASTY, 3, 97, 140, 0.5, attributed_to=ODD),
        Claim(ODD, relation("attacks"), NATO, Modality.ASSERTED, doc.doc_id,
              NASTY, 4, 141, 180, 1.0),
    ]  # fmt: skip


def test_round_trip_is_exact() -> None:
    doc = make_document()
    claims = make_claims(doc)
    assert set(rdf.claims_from_graph(rdf.claims_to_dataset(doc, claims))) == set(claims)
    assert len(rdf.claims_from_graph(rdf.claims_to_dataset(doc, claims))) == len(claims)


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_round_trip_through_a_serialisation(fmt: str) -> None:
    doc = make_document()
    claims = make_claims(doc)
    text = rdf.claims_to_dataset(doc, claims).serialize(format=fmt)
    parsed = Dataset()
    parsed.parse(data=text, format=fmt)
    assert set(rdf.claims_from_graph(parsed)) == set(claims)


def test_symmetric_claim_has_one_key_whatever_the_order() -> None:
    doc = make_document()
    summit = make_claims(doc)[2]
    swapped = Claim(KP, summit.relation, RU, summit.modality, summit.document,
                    summit.evidence, summit.sentence, summit.start, summit.end,
                    summit.confidence, trigger=summit.trigger)  # fmt: skip
    assert rdf.claim_iri(summit) == rdf.claim_iri(swapped)
    back = rdf.claims_from_graph(rdf.claims_to_dataset(doc, [swapped]))
    assert back == [swapped]


def test_only_asserted_claims_give_the_direct_triple() -> None:
    doc = make_document()
    asserted, hedged, _, negated, _ = make_claims(doc)
    assert (WD.Q423, URIRef(asserted.relation.iri), WD.Q159) in rdf.claim_triples(asserted)
    hedged_triples = rdf.claim_triples(hedged)
    assert (WD.Q423, URIRef(hedged.relation.iri), WD.Q159) not in hedged_triples
    assert not any(p == URIRef(negated.relation.iri) for _, p, _ in rdf.claim_triples(negated))


def test_claim_node_shape() -> None:
    doc = make_document()
    hedged = make_claims(doc)[1]
    node = rdf.claim_iri(hedged)
    triples = set(rdf.claim_triples(hedged, "1.2.3"))
    assert str(node) == str(ID) + "claim/" + hedged.key
    expected = {
        (node, RDF.type, KG.Claim),
        (node, RDF.subject, WD.Q423),
        (node, RDF.predicate, KG.sendsTroops),
        (node, RDF.object, WD.Q159),
        (node, KG.modality, KG.Hedged),
        (node, KG.attributedTo, WD.Q884),
        (node, KG.sentenceIndex, Literal("1", datatype=XSD.integer)),
        (node, KG.startOffset, Literal("35", datatype=XSD.integer)),
        (node, KG.endOffset, Literal("68", datatype=XSD.integer)),
        (node, KG.confidence, Literal("0.625", datatype=XSD.decimal)),
        (node, PROV.wasDerivedFrom, ID["doc/" + doc.doc_id]),
        (node, PROV.wasGeneratedBy, ID["extractor/kg-1.2.3"]),
    }
    assert expected <= triples
    assert not any(p in (KG.eventDate, KG.trigger) for _, p, _ in triples)


def test_confidence_is_a_decimal_rounded_to_three_places() -> None:
    assert rdf.decimal_literal(0.12345) == Literal("0.123", datatype=XSD.decimal)
    assert rdf.decimal_literal(1.0) == Literal("1", datatype=XSD.decimal)
    assert rdf.decimal_literal(0.0) == Literal("0", datatype=XSD.decimal)
    doc = make_document()
    claim = make_claims(doc)[0]
    rounded = Claim(claim.subject, claim.relation, claim.object, claim.modality, doc.doc_id,
                    claim.evidence, 0, 0, 1, 0.87654)  # fmt: skip
    (back,) = rdf.claims_from_graph(rdf.claims_to_dataset(doc, [rounded]))
    assert back.confidence == 0.877


@pytest.mark.parametrize(
    "key", ["person:kim-jong-un", "RU", "group:al/qaeda ü 100%", "a:b:c", "x%3Ay", "with space"]
)
def test_minted_actor_iris_are_valid_and_reversible(key: str) -> None:
    iri = rdf.actor_iri(Actor(key, key, ActorType.OTHER))
    assert str(iri).startswith(str(ID) + "actor/")
    assert not set(' <>"{}|\\^`') & set(str(iri))
    assert rdf.actor_key_from_iri(str(iri)) == key
    assert rdf.actor_iri(KIM) == ID["actor/person/kim-jong-un"]


def test_actor_triples() -> None:
    triples = set(rdf.actor_triples(RU))
    assert (WD.Q159, RDF.type, KG.State) in triples
    assert (WD.Q159, RDFS.label, Literal("Russia", lang="en")) in triples
    assert (WD.Q159, SKOS.altLabel, Literal("Moscow", lang="en")) in triples
    assert (WD.Q159, KG.iso3166Alpha2, Literal("RU")) in triples
    assert (WD.Q159, KG.iso3166Alpha3, Literal("RUS")) in triples
    assert (ID["actor/person/kim-jong-un"], RDF.type, KG.Person) in set(rdf.actor_triples(KIM))


def test_document_triples() -> None:
    doc = make_document()
    node = rdf.document_iri(doc)
    triples = set(rdf.document_triples(doc))
    assert node == ID["doc/" + doc.doc_id]
    assert (node, RDF.type, KG.Document) in triples
    assert (node, KG.sha256, Literal(doc.doc_id)) in triples
    assert (node, KG.name, Literal("a.txt")) in triples
    assert (node, DCTERMS.title, Literal('Troops "sent" — report')) in triples
    assert (node, DCTERMS.date, Literal("2024-10-18", datatype=XSD.date)) in triples
    assert (node, DCTERMS.source, Literal("Example News")) in triples
    assert (node, SCHEMA.url, URIRef("https://example.org/news?id=1&x=2")) in triples


@pytest.mark.parametrize("url", ["not a url", "ftp://x.org/a", "https://x.org/a b", "/relative"])
def test_odd_urls_stay_literals(url: str) -> None:
    doc = Document("text", "a.txt", url=url)
    assert (rdf.document_iri(doc), SCHEMA.url, Literal(url)) in rdf.document_triples(doc)


def test_document_graph_is_self_contained() -> None:
    doc = make_document()
    claims = make_claims(doc)
    quads = rdf.document_quads(doc, claims, "9.9")
    assert {g for *_, g in quads} == {rdf.document_iri(doc)}
    assert len(quads) == len(set(quads))
    triples = {(s, p, o) for s, p, o, _ in quads}
    for actor in (RU, KP, KR, KIM, NATO, ODD):
        assert set(rdf.actor_triples(actor)) <= triples
    assert (ID["extractor/kg-9.9"], RDF.type, KG.Extractor) in triples
    shared = rdf.actor_quads(rdf.actors_of(claims))
    assert {g for *_, g in shared} == {rdf.ACTORS_GRAPH}
    assert ID["graph/actors"] == rdf.ACTORS_GRAPH


def test_claims_from_graph_reads_a_plain_graph_too() -> None:
    doc = make_document()
    claims = make_claims(doc)
    dataset = rdf.claims_to_dataset(doc, claims)
    plain = dataset.graph(rdf.document_iri(doc))
    assert set(rdf.claims_from_graph(plain)) == set(claims)


def test_aliases_come_back_sorted() -> None:
    doc = make_document()
    unsorted = Actor("XX", "X", ActorType.STATE, aliases=("b", "a"))
    claim = Claim(unsorted, relation("aid"), RU, Modality.ASSERTED, doc.doc_id, "e", 0, 0, 1, 0.5)
    (back,) = rdf.claims_from_graph(rdf.claims_to_dataset(doc, [claim]))
    assert back.subject.aliases == ("a", "b")


def test_extractor_version_is_known() -> None:
    assert rdf.EXTRACTOR_VERSION
    assert rdf.extractor_iri("0.1.0") == ID["extractor/kg-0.1.0"]
