"""Claims ↔ RDF: the only module that knows the RDF shape of ``kg``.

A document's named graph (named by the document IRI) holds the document node, one
``kg:Claim`` node per claim, the direct triple of every *asserted* claim, and the
description of every actor the claims mention, so the graph is self-contained. The same
actor descriptions also go into one shared graph (:data:`ACTORS_GRAPH`).

>>> from kg.model import Actor, ActorType
>>> actor_iri(Actor("RU", "Russia", ActorType.STATE, qid="Q159"))
rdflib.term.URIRef('http://www.wikidata.org/entity/Q159')
>>> actor_iri(Actor("person:kim-jong-un", "Kim Jong Un", ActorType.PERSON))
rdflib.term.URIRef('https://w3id.org/kg-geo/id/actor/person/kim-jong-un')
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import logging
import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache
from urllib.parse import quote, unquote, urlsplit

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.term import Node

from kg.model import Actor, ActorType, Claim, Document, Modality, Relation
from kg.ontology import DCTERMS, ID, KG, PROV, SCHEMA, SKOS, WD, relation_for_label, relations

__all__ = [
    "ACTORS_GRAPH",
    "EXTRACTOR_VERSION",
    "Quad",
    "Triple",
    "actor_iri",
    "actor_key_from_iri",
    "actor_quads",
    "actor_triples",
    "actors_of",
    "claim_iri",
    "claim_triples",
    "claims_from_graph",
    "claims_to_dataset",
    "decimal_literal",
    "doc_id_from_iri",
    "document_iri",
    "document_quads",
    "document_triples",
    "extractor_iri",
]

logger = logging.getLogger(__name__)

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]

ACTORS_GRAPH = ID["graph/actors"]
_ACTOR_PREFIX = str(ID["actor/"])
_DOC_PREFIX = str(ID["doc/"])
_WD_PREFIX = str(WD)


def _version() -> str:
    try:
        return importlib.metadata.version("kg")
    except importlib.metadata.PackageNotFoundError:
        # A source checkout that was never installed has no metadata.
        return "0+unknown"


EXTRACTOR_VERSION: str = _version()

_MODALITY_IRI = {
    Modality.ASSERTED: KG.Asserted,
    Modality.HEDGED: KG.Hedged,
    Modality.NEGATED: KG.Negated,
}
_MODALITY_FROM_IRI = {iri: modality for modality, iri in _MODALITY_IRI.items()}
_ACTOR_TYPE_FROM_IRI = {KG[t.value]: t for t in ActorType}


# --- IRIs ---------------------------------------------------------------------------


def actor_iri(actor: Actor) -> URIRef:
    """The Wikidata entity when the actor is linked, else a minted IRI made from its key.

    The key is percent-encoded with ``:`` turned into ``/`` (a literal ``/`` stays
    ``%2F``), so the mapping is reversible by :func:`actor_key_from_iri`.

    >>> actor_iri(Actor("NATO", "NATO", ActorType.ORGANIZATION, qid="Q7184"))
    rdflib.term.URIRef('http://www.wikidata.org/entity/Q7184')
    """
    if actor.qid:
        return WD[actor.qid]
    return URIRef(_ACTOR_PREFIX + quote(actor.key, safe="").replace("%3A", "/"))


def actor_key_from_iri(iri: str) -> str | None:
    """The key a minted actor IRI was made from (``None`` for other IRIs).

    >>> actor_key_from_iri("https://w3id.org/kg-geo/id/actor/person/kim-jong-un")
    'person:kim-jong-un'
    """
    if not iri.startswith(_ACTOR_PREFIX):
        return None
    return unquote(iri[len(_ACTOR_PREFIX) :].replace("/", "%3A"))


def document_iri(doc: Document | str) -> URIRef:
    """The IRI of a document (or of a document id); it also names the document's graph.

    >>> document_iri("9f2c")
    rdflib.term.URIRef('https://w3id.org/kg-geo/id/doc/9f2c')
    """
    doc_id = doc if isinstance(doc, str) else doc.doc_id
    return ID["doc/" + doc_id]


def doc_id_from_iri(iri: str) -> str | None:
    """The document id of a document IRI, ``None`` for any other IRI."""
    return iri[len(_DOC_PREFIX) :] if iri.startswith(_DOC_PREFIX) else None


def claim_iri(claim: Claim) -> URIRef:
    """The IRI of a claim node, from the claim's stable key."""
    return ID["claim/" + claim.key]


def extractor_iri(version: str = EXTRACTOR_VERSION) -> URIRef:
    """The IRI of the extractor release that generated claims (``kgid:extractor/kg-0.1.0``)."""
    return ID["extractor/kg-" + quote(version, safe="+.-_~")]


# --- literals -----------------------------------------------------------------------


def decimal_literal(value: float, places: int = 3) -> Literal:
    """An ``xsd:decimal`` rounded to ``places``, in canonical form.

    Canonical (no trailing zeros) because Oxigraph stores decimals canonically; a
    different lexical form would read back as a different rdflib term.

    >>> decimal_literal(0.8504)
    rdflib.term.Literal('0.85', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
    """
    quantum = Decimal(1).scaleb(-places)
    number = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_EVEN)
    text = format(number.normalize(), "f")
    if text in ("-0", ""):
        text = "0"
    return Literal(text, datatype=XSD.decimal)


def _date_literal(value: dt.date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _int_literal(value: int) -> Literal:
    return Literal(str(int(value)), datatype=XSD.integer)


# Characters no IRI may hold: controls, space and the delimiters of RFC 3987 (the store
# refuses an IRI with any of them).
_NOT_IN_IRI = re.compile(r'[\x00-\x20\x7f<>"{}|^`\\]')


def _url_term(url: str) -> Node:
    """An IRI when ``url`` is an absolute http(s) URL that is a valid IRI, else a literal.

    >>> _url_term("http://[oops/a")
    rdflib.term.Literal('http://[oops/a')
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[oops" (an unclosed IPv6 host)
        return Literal(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or _NOT_IN_IRI.search(url):
        return Literal(url)
    try:
        # RFC 3987 in full (code points such as U+0080 or U+FFFE, percent escapes, hosts),
        # checked by the parser the store itself uses.
        ox.NamedNode(url)
    except ValueError:
        return Literal(url)
    return URIRef(url)


# --- RDF from the model -------------------------------------------------------------


def actor_triples(actor: Actor) -> list[Triple]:
    """The description of an actor: type, label, aliases, key and ISO codes.

    The key goes into ``skos:notation`` because a Wikidata IRI does not carry it.

    >>> ru = Actor("RU", "Russia", ActorType.STATE, qid="Q159", iso2="RU", iso3="RUS")
    >>> len(actor_triples(ru))
    5
    """
    node = actor_iri(actor)
    triples: list[Triple] = [
        (node, RDF.type, KG[actor.type.value]),
        (node, RDFS.label, Literal(actor.label, lang="en")),
        (node, SKOS.notation, Literal(actor.key)),
    ]
    triples.extend((node, SKOS.altLabel, Literal(alias, lang="en")) for alias in actor.aliases)
    if actor.iso2:
        triples.append((node, KG.iso3166Alpha2, Literal(actor.iso2)))
    if actor.iso3:
        triples.append((node, KG.iso3166Alpha3, Literal(actor.iso3)))
    return triples


def document_triples(doc: Document) -> list[Triple]:
    """The description of a document (its text is not stored).

    >>> len(document_triples(Document("Text.", "a.txt")))
    3
    """
    node = document_iri(doc)
    triples: list[Triple] = [
        (node, RDF.type, KG.Document),
        (node, KG.sha256, Literal(doc.doc_id)),
        (node, KG.name, Literal(doc.name)),
    ]
    if doc.title is not None:
        triples.append((node, DCTERMS.title, Literal(doc.title)))
    if doc.source is not None:
        triples.append((node, DCTERMS.source, Literal(doc.source)))
    if doc.date is not None:
        triples.append((node, DCTERMS.date, _date_literal(doc.date)))
    if doc.url is not None:
        triples.append((node, SCHEMA.url, _url_term(doc.url)))
    return triples


def claim_triples(claim: Claim, extractor_version: str = EXTRACTOR_VERSION) -> list[Triple]:
    """The claim node and, for an asserted claim, the direct triple ``subject rel object``
    (with the finer property and its top-level one).

    Hedged and negated claims live only as claim nodes, so the plain graph says what
    sources state as fact.
    """
    node = claim_iri(claim)
    subject, obj = actor_iri(claim.subject), actor_iri(claim.object)
    predicate = URIRef(claim.relation.iri)
    triples: list[Triple] = [
        (node, RDF.type, KG.Claim),
        (node, RDF.subject, subject),
        (node, RDF.predicate, predicate),
        (node, RDF.object, obj),
        (node, KG.modality, _MODALITY_IRI[claim.modality]),
        (node, KG.evidence, Literal(claim.evidence)),
        (node, KG.sentenceIndex, _int_literal(claim.sentence)),
        (node, KG.startOffset, _int_literal(claim.start)),
        (node, KG.endOffset, _int_literal(claim.end)),
        (node, KG.confidence, decimal_literal(claim.confidence)),
        (node, PROV.wasDerivedFrom, document_iri(claim.document)),
        (node, PROV.wasGeneratedBy, extractor_iri(extractor_version)),
    ]
    if claim.attributed_to is not None:
        triples.append((node, KG.attributedTo, actor_iri(claim.attributed_to)))
    if claim.event_date is not None:
        triples.append((node, KG.eventDate, _date_literal(claim.event_date)))
    if claim.trigger is not None:
        triples.append((node, KG.trigger, Literal(claim.trigger)))
    if claim.modality is Modality.ASSERTED:
        triples.append((subject, predicate, obj))
        if claim.relation.parent is not None:
            # Also the top-level property, so `?s kg:militaryAid ?o` finds a
            # kg:sendsTroops fact without an inference step.
            triples.append((subject, URIRef(relation_for_label(claim.relation.label).iri), obj))
    return triples


def actors_of(claims: Iterable[Claim]) -> list[Actor]:
    """Every actor the claims mention (subjects, objects, attributions), first seen first."""
    seen: dict[Actor, None] = {}
    for claim in claims:
        for actor in (claim.subject, claim.object, claim.attributed_to):
            if actor is not None:
                seen.setdefault(actor, None)
    return list(seen)


def document_quads(
    doc: Document, claims: Sequence[Claim], extractor_version: str = EXTRACTOR_VERSION
) -> list[Quad]:
    """Everything that goes into the document's named graph, without duplicates.

    >>> len(document_quads(Document("Text.", "a.txt"), []))
    3
    """
    graph = document_iri(doc)
    triples: list[Triple] = list(document_triples(doc))
    if claims:
        triples.append((extractor_iri(extractor_version), RDF.type, KG.Extractor))
    for claim in claims:
        triples.extend(claim_triples(claim, extractor_version))
    for actor in actors_of(claims):
        triples.extend(actor_triples(actor))
    return [(s, p, o, graph) for s, p, o in dict.fromkeys(triples)]


def actor_quads(actors: Iterable[Actor]) -> list[Quad]:
    """Actor descriptions for the shared actors graph (:data:`ACTORS_GRAPH`)."""
    triples = [t for actor in dict.fromkeys(actors) for t in actor_triples(actor)]
    return [(s, p, o, ACTORS_GRAPH) for s, p, o in dict.fromkeys(triples)]


def claims_to_dataset(
    doc: Document, claims: Sequence[Claim], extractor_version: str = EXTRACTOR_VERSION
) -> Dataset:
    """An in-memory Dataset holding a document's graph and the shared actors graph.

    >>> ds = claims_to_dataset(Document("Text.", "a.txt"), [])
    >>> len(list(ds.quads()))
    3
    """
    dataset = Dataset()
    for s, p, o, g in document_quads(doc, claims, extractor_version) + actor_quads(
        actors_of(claims)
    ):
        dataset.graph(g).add((s, p, o))
    return dataset


# --- the model from RDF -------------------------------------------------------------


@cache
def _relations_by_iri() -> dict[str, Relation]:
    return {rel.iri: rel for rel in relations().values()}


def _union(graph: Graph) -> Graph:
    """A plain graph holding every triple of ``graph``, all named graphs included."""
    if isinstance(graph, (Dataset, ConjunctiveGraph)):
        union = Graph()
        for s, p, o, _ in graph.quads((None, None, None, None)):
            union.add((s, p, o))
        return union
    return graph


def _first(graph: Graph, subject: Node, predicate: Node) -> Node | None:
    # When a store holds two descriptions (say an actor relabelled between two ingests),
    # pick one deterministically rather than whichever the store yields first.
    values = sorted(graph.objects(subject, predicate), key=lambda n: n.n3())
    return values[0] if values else None


def _label(graph: Graph, subject: Node) -> str:
    labels = list(graph.objects(subject, RDFS.label))
    english = sorted(str(v) for v in labels if isinstance(v, Literal) and v.language == "en")
    if english:
        return english[0]
    return sorted(str(v) for v in labels)[0] if labels else str(subject)


def _actor_from(graph: Graph, node: Node, cache_: dict[Node, Actor]) -> Actor:
    if node in cache_:
        return cache_[node]
    iri = str(node)
    types = [
        _ACTOR_TYPE_FROM_IRI[t] for t in graph.objects(node, RDF.type) if t in _ACTOR_TYPE_FROM_IRI
    ]
    # kg:Actor is the catch-all; a more specific class wins when both are stated.
    specific = sorted(t for t in types if t is not ActorType.OTHER)
    actor_type = specific[0] if specific else ActorType.OTHER
    qid = iri[len(_WD_PREFIX) :] if iri.startswith(_WD_PREFIX) else None
    notation = _first(graph, node, SKOS.notation)
    key = str(notation) if notation is not None else (actor_key_from_iri(iri) or qid or iri)
    iso2 = _first(graph, node, KG.iso3166Alpha2)
    iso3 = _first(graph, node, KG.iso3166Alpha3)
    aliases = tuple(sorted({str(a) for a in graph.objects(node, SKOS.altLabel)}))
    actor = Actor(
        key=key,
        label=_label(graph, node),
        type=actor_type,
        qid=qid,
        iso2=str(iso2) if iso2 is not None else None,
        iso3=str(iso3) if iso3 is not None else None,
        aliases=aliases,
    )
    cache_[node] = actor
    return actor


def _int(node: Node | None) -> int:
    return int(str(node)) if node is not None else 0


def _date(node: Node | None) -> dt.date | None:
    return dt.date.fromisoformat(str(node)) if node is not None else None


def _float(node: Node | None) -> float:
    try:
        return float(Decimal(str(node))) if node is not None else 0.0
    except InvalidOperation:
        return 0.0


def claims_from_graph(graph: Graph) -> list[Claim]:
    """Rebuild the claims of a graph or dataset (all named graphs are read).

    Aliases come back sorted, confidences rounded to three places; claims whose relation
    or modality is unknown to this ontology are skipped with a warning.

    >>> from kg.ontology import relation
    >>> from kg.model import Actor, ActorType
    >>> ru = Actor("RU", "Russia", ActorType.STATE, qid="Q159")
    >>> kp = Actor("KP", "North Korea", ActorType.STATE, qid="Q423")
    >>> doc = Document("North Korea sent troops to Russia.", "a.txt")
    >>> claim = Claim(kp, relation("militaryAid"), ru, Modality.HEDGED, doc.doc_id,
    ...               "North Korea sent troops to Russia.", 0, 0, 34, 0.8)
    >>> claims_from_graph(claims_to_dataset(doc, [claim])) == [claim]
    True
    """
    union = _union(graph)
    by_iri = _relations_by_iri()
    actors: dict[Node, Actor] = {}
    claims: list[Claim] = []
    for node in sorted(set(union.subjects(RDF.type, KG.Claim)), key=str):
        predicate = _first(union, node, RDF.predicate)
        modality_iri = _first(union, node, KG.modality)
        subject = _first(union, node, RDF.subject)
        obj = _first(union, node, RDF.object)
        source = _first(union, node, PROV.wasDerivedFrom)
        rel = by_iri.get(str(predicate))
        modality = _MODALITY_FROM_IRI.get(modality_iri)  # type: ignore[arg-type]
        if rel is None or modality is None or subject is None or obj is None:
            logger.warning("skipping claim %s: unknown relation or modality, or no actors", node)
            continue
        attributed = _first(union, node, KG.attributedTo)
        trigger = _first(union, node, KG.trigger)
        evidence = _first(union, node, KG.evidence)
        claims.append(
            Claim(
                subject=_actor_from(union, subject, actors),
                relation=rel,
                object=_actor_from(union, obj, actors),
                modality=modality,
                document=(doc_id_from_iri(str(source)) or str(source)) if source else "",
                evidence=str(evidence) if evidence is not None else "",
                sentence=_int(_first(union, node, KG.sentenceIndex)),
                start=_int(_first(union, node, KG.startOffset)),
                end=_int(_first(union, node, KG.endOffset)),
                confidence=_float(_first(union, node, KG.confidence)),
                attributed_to=_actor_from(union, attributed, actors) if attributed else None,
                event_date=_date(_first(union, node, KG.eventDate)),
                trigger=str(trigger) if trigger is not None else None,
            )
        )
    return claims
