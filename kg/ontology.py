"""Namespaces and the relation table, read from ``ontology/kg.ttl``.

The ontology file is the single source of relation IRIs: a top-level relation property
carries ``kg:scoringLabel`` (``"MILITARY_AID"``); finer ones are ``rdfs:subPropertyOf`` it
and are reported under its label.

>>> from kg.ontology import relation_for_label
>>> relation_for_label("MILITARY_AID").name
'militaryAid'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef

from kg.model import Relation

__all__ = [
    "DCTERMS",
    "ID",
    "KG",
    "ONTOLOGY_PATH",
    "PROV",
    "SCHEMA",
    "SCORING_LABELS",
    "SKOS",
    "WD",
    "bind_namespaces",
    "ontology_graph",
    "relation",
    "relation_for_label",
    "relations",
]

KG = Namespace("https://w3id.org/kg-geo/ontology#")
ID = Namespace("https://w3id.org/kg-geo/id/")
WD = Namespace("http://www.wikidata.org/entity/")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SCHEMA = Namespace("https://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")

_PACKAGE_DIR = Path(__file__).resolve().parent
# An installed wheel carries the ontology inside the package; a source checkout has it
# at the top level beside kg/.
ONTOLOGY_PATH = next(
    (
        p
        for p in (
            _PACKAGE_DIR / "_ontology" / "kg.ttl",
            _PACKAGE_DIR.parent / "ontology" / "kg.ttl",
        )
        if p.exists()
    ),
    _PACKAGE_DIR.parent / "ontology" / "kg.ttl",
)

SCORING_LABELS: tuple[str, ...] = (
    "MEMBER_OF",
    "OFFICIAL_OF",
    "ALLIED_WITH",
    "AT_WAR_WITH",
    "AGREEMENT_WITH",
    "MEETS",
    "COOPERATES_WITH",
    "SUPPORTS",
    "MILITARY_AID",
    "AID",
    "TRADE",
    "CRITICIZES",
    "THREATENS",
    "SANCTIONS",
    "ATTACKS",
)


def bind_namespaces(graph: Graph) -> Graph:
    """Bind the project's prefixes on ``graph`` (for readable Turtle and SPARQL)."""
    for prefix, ns in (
        ("kg", KG),
        ("kgid", ID),
        ("wd", WD),
        ("prov", PROV),
        ("dcterms", DCTERMS),
        ("schema", SCHEMA),
        ("skos", SKOS),
        ("owl", OWL),
    ):
        graph.bind(prefix, ns, override=True)
    return graph


@cache
def ontology_graph() -> Graph:
    """The parsed ontology (cached; treat it as read-only)."""
    graph = Graph()
    graph.parse(ONTOLOGY_PATH, format="turtle")
    return graph


def _local_name(iri: URIRef) -> str:
    return str(iri).removeprefix(str(KG))


@cache
def relations() -> dict[str, Relation]:
    """Every relation property of the ontology by local name, finer ones included."""
    graph = ontology_graph()
    top: dict[URIRef, str] = {}
    for prop, label in graph.subject_objects(KG.scoringLabel):
        top[prop] = str(label)
    missing = set(SCORING_LABELS) - set(top.values())
    if missing:
        raise RuntimeError(f"{ONTOLOGY_PATH} lacks relation properties for {sorted(missing)}")

    def ancestor(prop: URIRef, seen: frozenset[URIRef] = frozenset()) -> URIRef | None:
        if prop in top:
            return prop
        for parent in graph.objects(prop, RDFS.subPropertyOf):
            if isinstance(parent, URIRef) and parent not in seen:
                found = ancestor(parent, seen | {prop})
                if found is not None:
                    return found
        return None

    table: dict[str, Relation] = {}
    candidates = set(top) | {
        s for s in graph.subjects(RDFS.subPropertyOf, None) if isinstance(s, URIRef)
    }
    for prop in candidates:
        if not str(prop).startswith(str(KG)):
            continue
        root = ancestor(prop)
        if root is None:
            continue
        quad = graph.value(prop, KG.quadClass) or graph.value(root, KG.quadClass)
        symmetric = (root, RDF.type, OWL.SymmetricProperty) in graph
        parent = graph.value(prop, RDFS.subPropertyOf) if prop not in top else None
        table[_local_name(prop)] = Relation(
            name=_local_name(prop),
            label=top[root],
            iri=str(prop),
            symmetric=symmetric,
            quad_class=_local_name(quad) if isinstance(quad, URIRef) else None,
            parent=_local_name(parent) if isinstance(parent, URIRef) else None,
        )
    return table


def relation(name: str) -> Relation:
    """The relation whose property has local name ``name`` (``"sendsTroops"``)."""
    try:
        return relations()[name]
    except KeyError:
        raise KeyError(f"no relation property kg:{name} in {ONTOLOGY_PATH}") from None


@cache
def relation_for_label(label: str) -> Relation:
    """The top-level relation for a scoring label (``"MILITARY_AID"`` → ``militaryAid``)."""
    for rel in relations().values():
        if rel.label == label and rel.parent is None:
            return rel
    raise KeyError(f"no relation with scoring label {label!r}")


def literal_label(value: str) -> Literal:
    return Literal(value, lang="en")
