"""Write ``context.jsonld``, the JSON-LD 1.1 context of kg data, from ``kg.ttl``.

Usage::

    python ontology/context.py > ontology/context.jsonld

Every class, individual and property of ``kg.ttl`` gets a short term named after its
local name (``Claim``, ``Hedged``, ``sendsTroops``, ``confidence``), and the terms of other
vocabularies that kg writes get short names too (``subject``, ``label``, ``source``,
``date``, ``wasDerivedFrom``, …). Values are coerced so that plain JSON strings suffice:
IRIs (``@id``) for object properties, terms (``@vocab``) for ``predicate``, ``modality``
and ``quadClass``, datatypes for the ``xsd:decimal``, ``xsd:integer`` and ``xsd:date``
properties, and English for labels. Reads the Turtle file beside this script with rdflib
alone; ``tests/test_jsonld.py`` checks that the committed file is this script's output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rdflib import OWL, RDF, RDFS, XSD, Graph, Namespace, URIRef

KG = Namespace("https://w3id.org/kg-geo/ontology#")
ONTOLOGY = Path(__file__).resolve().parent / "kg.ttl"

PREFIXES = {
    "kg": str(KG),
    "kgid": "https://w3id.org/kg-geo/id/",
    "wd": "http://www.wikidata.org/entity/",
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}

# Terms from other vocabularies, as kg/rdf.py uses them.
EXTERNAL: dict[str, Any] = {
    "subject": {"@id": "rdf:subject", "@type": "@id"},
    "predicate": {"@id": "rdf:predicate", "@type": "@vocab"},
    "object": {"@id": "rdf:object", "@type": "@id"},
    "label": {"@id": "rdfs:label", "@language": "en"},
    "comment": {"@id": "rdfs:comment", "@language": "en"},
    "altLabel": {"@id": "skos:altLabel", "@language": "en"},
    "notation": "skos:notation",
    "title": "dcterms:title",
    "source": "dcterms:source",
    "date": {"@id": "dcterms:date", "@type": "xsd:date"},
    "url": {"@id": "schema:url", "@type": "@id"},
    "wasDerivedFrom": {"@id": "prov:wasDerivedFrom", "@type": "@id"},
    "wasGeneratedBy": {"@id": "prov:wasGeneratedBy", "@type": "@id"},
    "subPropertyOf": {"@id": "rdfs:subPropertyOf", "@type": "@vocab"},
    "subClassOf": {"@id": "rdfs:subClassOf", "@type": "@vocab"},
    "inverseOf": {"@id": "owl:inverseOf", "@type": "@vocab"},
}

# Object properties whose values are ontology individuals: written as terms.
VOCAB_VALUED = {"modality", "quadClass"}


def local(iri: URIRef) -> str:
    """The local name of a kg IRI (``kg:meets`` → ``meets``)."""
    return str(iri).removeprefix(str(KG))


def definition(graph: Graph, iri: URIRef) -> Any:
    """The term definition of one kg resource."""
    name = local(iri)
    compact = f"kg:{name}"
    types = set(graph.objects(iri, RDF.type))
    ranges = [r for r in graph.objects(iri, RDFS.range) if isinstance(r, URIRef)]
    if name in VOCAB_VALUED:
        return {"@id": compact, "@type": "@vocab"}
    if OWL.ObjectProperty in types:
        return {"@id": compact, "@type": "@id"}
    if types & {OWL.DatatypeProperty, OWL.AnnotationProperty}:
        datatype = ranges[0] if ranges else None
        if datatype is not None and str(datatype).startswith(str(XSD)) and datatype != XSD.string:
            return {"@id": compact, "@type": "xsd:" + str(datatype).removeprefix(str(XSD))}
    return compact


def context(graph: Graph) -> dict[str, Any]:
    """The whole context document, ``{"@context": {…}}``."""
    terms: dict[str, Any] = {"@version": 1.1, **PREFIXES}
    own = sorted(
        {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(KG))},
        key=local,
    )
    for iri in own:
        terms[local(iri)] = definition(graph, iri)
    for name, value in EXTERNAL.items():
        if name in terms:
            raise SystemExit(f"the term {name!r} is both a kg term and an external one")
        terms[name] = value
    return {"@context": terms}


def render(document: dict[str, Any]) -> str:
    """The context as JSON, one term a line."""
    terms = document["@context"]
    lines = [
        f"    {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)}"
        for name, value in terms.items()
    ]
    return '{\n  "@context": {\n' + ",\n".join(lines) + "\n  }\n}\n"


def main() -> None:
    graph = Graph().parse(ONTOLOGY, format="turtle")
    sys.stdout.write(render(context(graph)))


if __name__ == "__main__":
    main()
