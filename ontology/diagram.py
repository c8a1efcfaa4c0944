"""Print the relation hierarchy of ``kg.ttl`` as a Mermaid diagram, or as a Markdown table.

Usage::

    python ontology/diagram.py          # a ```mermaid block for ontology/README.md
    python ontology/diagram.py --table  # property → scoring label → quad class → CAMEO → PLOVER

Reads the Turtle file beside this script with rdflib alone, so it runs without ``kg``
installed. Top-level relations are those with ``kg:scoringLabel``; finer ones hang under
their ``rdfs:subPropertyOf`` parent. Symmetric top-level relations are drawn with ``⇄``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef

KG = Namespace("https://w3id.org/kg-geo/ontology#")
ONTOLOGY = Path(__file__).resolve().parent / "kg.ttl"


def local(iri: URIRef) -> str:
    """The local name of a kg IRI (``kg:meets`` → ``meets``)."""
    return str(iri).removeprefix(str(KG))


def hierarchy(graph: Graph) -> list[tuple[URIRef, list[URIRef]]]:
    """Top-level relation properties sorted by local name, each with its direct children."""
    tops = sorted(graph.subjects(KG.scoringLabel, None), key=local)
    return [
        (top, sorted((c for c in graph.subjects(RDFS.subPropertyOf, top)), key=local))
        for top in tops
    ]


def mermaid(graph: Graph) -> str:
    """The relation hierarchy as a fenced Mermaid ``graph TD`` block."""
    lines = ["```mermaid", "graph TD"]
    for top, children in hierarchy(graph):
        label = graph.value(top, KG.scoringLabel)
        arrow = " ⇄" if (top, RDF.type, OWL.SymmetricProperty) in graph else ""
        lines.append(f'    {local(top)}["{local(top)}{arrow}<br/>{label}"]')
        for child in children:
            lines.append(f"    {local(top)} --> {local(child)}")
    lines.append("```")
    return "\n".join(lines)


def table(graph: Graph) -> str:
    """A Markdown table of every relation property; inherited values are marked ``↑``."""

    def cell(prop: URIRef, parent: URIRef | None, annotation: URIRef) -> str:
        value = graph.value(prop, annotation)
        if value is None and parent is not None:
            value = graph.value(parent, annotation)
            return f"{local(value) if isinstance(value, URIRef) else value} ↑" if value else "—"
        if value is None:
            return "—"
        return local(value) if isinstance(value, URIRef) else str(value)

    rows = [
        "| property | scoring label | quad class | CAMEO | PLOVER |",
        "|---|---|---|---|---|",
    ]
    for top, children in hierarchy(graph):
        label = graph.value(top, KG.scoringLabel)
        for prop, parent in [(top, None), *((c, top) for c in children)]:
            name = f"`kg:{local(prop)}`" if parent is None else f"&nbsp;&nbsp;`kg:{local(prop)}`"
            rows.append(
                f"| {name} | {label if parent is None else '(' + str(label) + ')'} "
                f"| {cell(prop, parent, KG.quadClass)} | {cell(prop, parent, KG.cameoCode)} "
                f"| {cell(prop, parent, KG.ploverType)} |"
            )
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    graph = Graph().parse(ONTOLOGY, format="turtle")
    print(table(graph) if "--table" in argv else mermaid(graph))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
