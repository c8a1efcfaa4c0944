"""Claims for graph tools: GraphML and GEXF (Gephi, yEd), Cytoscape.js JSON, Neo4j, CSV.

Two shapes:

- **the projection** (GraphML, GEXF, Cytoscape.js, ``edges.csv``): one node per actor and
  one edge per (subject, scoring label, object), as :func:`kg.analyze.claims_graph` builds
  it, so edge weights are claim counts. By default, like ``kg viz``, only asserted and
  hedged claims count (``modalities=`` to change that);
- **one row per claim** (Neo4j ``relationships.csv``, ``claims.csv``): every claim of every
  modality, with its evidence, document and offsets.

Every writer takes an iterable of claims (``Store.claims()``) and a destination: a path, a
text stream or a binary stream (UTF-8) for the one-file formats, a folder for Neo4j and
CSV. Per-claim files are written row by row; only actors are kept in memory.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from kg.analyze import DEFAULT_MODALITIES, claims_graph
from kg.io._streams import Destination, as_directory, text_output
from kg.io.csv_claims import claim_row, write_claims_csv
from kg.model import Actor, Claim

__all__ = [
    "EDGE_COLUMNS",
    "NEO4J_NODE_COLUMNS",
    "NEO4J_RELATIONSHIP_COLUMNS",
    "NODE_COLUMNS",
    "cytoscape_data",
    "flat_graph",
    "write_csv",
    "write_cytoscape",
    "write_gexf",
    "write_graphml",
    "write_neo4j",
]

ALL_MODALITIES: tuple[str, ...] = ("asserted", "hedged", "negated")


# --- the projection, flattened for XML formats ------------------------------------------


def _node_attributes(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "label": data["label"],
        "type": data["type"],
        "qid": data.get("qid") or "",
        "key": data["key"],
        "aliases": "|".join(data.get("aliases") or ()),
    }


def _edge_attributes(data: Mapping[str, Any]) -> dict[str, Any]:
    claims = data["claims"]
    # The earliest claim of the edge's (strongest) modality: what the edge stands for.
    first = next((c for c in claims if c["modality"] == data["modality"]), {})
    return {
        "relation": data["relation"],
        "name": data["name"],
        "symmetric": bool(data["symmetric"]),
        "quad_class": data.get("quad_class") or "",
        "modality": data["modality"],
        "count": int(data["count"]),
        "weight": float(data["count"]),
        "documents": len({c["document"] for c in claims}),
        "first_date": first.get("date") or "",
        "first_evidence": first.get("evidence") or "",
        "first_document": first.get("document") or "",
    }


def flat_graph(
    claims: Iterable[Claim], *, modalities: Collection[str] = DEFAULT_MODALITIES
) -> nx.MultiDiGraph:
    """:func:`~kg.analyze.claims_graph` with only strings, numbers and booleans as
    attributes (GraphML and GEXF reject lists and ``None``).

    Nodes: label, type, qid, key, aliases (joined with ``|``). Edges (keyed by scoring
    label): relation (scoring label), name (property), symmetric, quad_class, modality
    (strongest), count, weight (= count, for Gephi), documents (distinct), first_date,
    first_evidence and first_document (of the edge's first claim with the edge's modality,
    in :func:`~kg.analyze.claims_graph`'s order: by date, undated first).
    """
    graph = claims_graph(claims, modalities=modalities)
    flat = nx.MultiDiGraph(modalities=",".join(graph.graph.get("modalities", ())))
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **_node_attributes(data))
    for source, target, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(source, target, key=key, **_edge_attributes(data))
    return flat


def _write_lines(lines: Iterator[str], destination: Destination) -> None:
    with text_output(destination) as output:
        for line in lines:
            output.write(line)
            output.write("\n")


def write_graphml(
    claims: Iterable[Claim],
    destination: Destination,
    *,
    modalities: Collection[str] = DEFAULT_MODALITIES,
) -> nx.MultiDiGraph:
    """Write the projection as GraphML (typed ``<key>`` attributes); returns the graph."""
    graph = flat_graph(claims, modalities=modalities)
    _write_lines(nx.generate_graphml(graph, encoding="utf-8", prettyprint=True), destination)
    return graph


def write_gexf(
    claims: Iterable[Claim],
    destination: Destination,
    *,
    modalities: Collection[str] = DEFAULT_MODALITIES,
) -> nx.MultiDiGraph:
    """Write the projection as GEXF 1.2 for Gephi (node label = actor label, edge weight =
    claim count); returns the graph."""
    graph = flat_graph(claims, modalities=modalities)
    _write_lines(nx.generate_gexf(graph, encoding="utf-8", prettyprint=True), destination)
    return graph


# --- Cytoscape.js -----------------------------------------------------------------------


def _edge_id(source: str, target: str, key: str) -> str:
    return f"{source}|{key}|{target}"


def cytoscape_data(
    claims: Iterable[Claim], *, modalities: Collection[str] = DEFAULT_MODALITIES
) -> dict[str, Any]:
    """The projection in Cytoscape.js elements JSON:
    ``{"data": {...}, "elements": {"nodes": [{"data": {...}}], "edges": [...]}}``.

    Node data: id (the actor's IRI key), label, type, qid, key, aliases (a list). Edge data:
    id (``source|RELATION|target``), source, target, the flattened edge attributes and
    ``claims`` (one dict per claim: evidence, modality, attributed_to, document, date,
    confidence, relation_name).
    """
    graph = claims_graph(claims, modalities=modalities)
    nodes = [
        {
            "data": {
                "id": node,
                "label": data["label"],
                "type": data["type"],
                "qid": data.get("qid"),
                "key": data["key"],
                "aliases": list(data.get("aliases") or ()),
            }
        }
        for node, data in graph.nodes(data=True)
    ]
    edges = [
        {
            "data": {
                "id": _edge_id(source, target, key),
                "source": source,
                "target": target,
                **_edge_attributes(data),
                "claims": list(data["claims"]),
            }
        }
        for source, target, key, data in graph.edges(keys=True, data=True)
    ]
    return {
        "data": {"modalities": list(graph.graph.get("modalities", ()))},
        "elements": {"nodes": nodes, "edges": edges},
    }


def write_cytoscape(
    claims: Iterable[Claim],
    destination: Destination,
    *,
    modalities: Collection[str] = DEFAULT_MODALITIES,
) -> dict[str, Any]:
    """Write :func:`cytoscape_data` as JSON (load with ``cytoscape({elements: data.elements})``
    or ``cy.json(data)``); returns the data."""
    data = cytoscape_data(claims, modalities=modalities)
    with text_output(destination) as output:
        json.dump(data, output, ensure_ascii=False, indent=1)
        output.write("\n")
    return data


# --- per-claim exports: actors collected while claims stream ----------------------------


def _collecting(claims: Iterable[Claim], actors: dict[str, Actor]) -> Iterator[Claim]:
    """Pass claims through, remembering every actor they mention by IRI key."""
    for claim in claims:
        for actor in (claim.subject, claim.object, claim.attributed_to):
            if actor is not None:
                actors.setdefault(actor.iri_key, actor)
        yield claim


NODE_COLUMNS: tuple[str, ...] = ("id", "key", "label", "type", "qid", "iso2", "iso3", "aliases")
EDGE_COLUMNS: tuple[str, ...] = (
    "source",
    "target",
    "relation",
    "name",
    "symmetric",
    "quad_class",
    "modality",
    "count",
    "documents",
    "first_date",
    "first_evidence",
    "first_document",
)


def _actor_row(actor: Actor) -> dict[str, str]:
    return {
        "id": actor.iri_key,
        "key": actor.key,
        "label": actor.label,
        "type": actor.type.value,
        "qid": actor.qid or "",
        "iso2": actor.iso2 or "",
        "iso3": actor.iso3 or "",
        "aliases": "|".join(actor.aliases),
    }


def write_csv(
    claims: Iterable[Claim],
    directory: str | os.PathLike[str],
    *,
    modalities: Collection[str] = DEFAULT_MODALITIES,
    documents: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, int]:
    """Write ``nodes.csv``, ``edges.csv`` and ``claims.csv`` into ``directory``.

    ``claims.csv`` holds every claim (all modalities; see :mod:`kg.io.csv_claims`, which
    reads it back); ``nodes.csv`` every actor it mentions (id = IRI key, as in
    ``edges.csv``); ``edges.csv`` the projection of the claims of ``modalities``.
    Returns row counts by file name.
    """
    folder = as_directory(directory)
    actors: dict[str, Actor] = {}
    wanted = {str(m) for m in modalities}
    kept: list[Claim] = []

    def tap(stream: Iterable[Claim]) -> Iterator[Claim]:
        for claim in stream:
            if claim.modality.value in wanted:
                kept.append(claim)
            yield claim

    counts = {
        "claims.csv": write_claims_csv(
            tap(_collecting(claims, actors)), folder / "claims.csv", documents=documents
        )
    }
    graph = flat_graph(kept, modalities=modalities)
    with open(folder / "edges.csv", "w", encoding="utf-8", newline="") as output:
        writer = csv.DictWriter(
            output, fieldnames=EDGE_COLUMNS, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for source, target, data in graph.edges(data=True):
            writer.writerow({"source": source, "target": target, **data})
    counts["edges.csv"] = graph.number_of_edges()
    with open(folder / "nodes.csv", "w", encoding="utf-8", newline="") as output:
        writer = csv.DictWriter(output, fieldnames=NODE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for actor in actors.values():
            writer.writerow(_actor_row(actor))
    counts["nodes.csv"] = len(actors)
    return counts


# --- Neo4j ------------------------------------------------------------------------------

# Header syntax of `neo4j-admin database import` (Operations Manual, "Import" → "CSV header
# format"): `name:ID` stores the id as property `name`; `:LABEL` holds labels separated by
# the array delimiter (default `;`); `prop:type` types a property (int, float, boolean,
# date, string[] …); relationships have `:START_ID`, `:END_ID` and `:TYPE`.
NEO4J_NODE_COLUMNS: tuple[str, ...] = (
    "id:ID",
    "name",
    ":LABEL",
    "key",
    "type",
    "qid",
    "iso2",
    "iso3",
    "aliases:string[]",
)
NEO4J_RELATIONSHIP_COLUMNS: tuple[str, ...] = (
    ":START_ID",
    ":END_ID",
    ":TYPE",
    "claim",
    "relation",
    "quadClass",
    "symmetric:boolean",
    "modality",
    "attributedTo",
    "evidence",
    "document",
    "sentence:int",
    "start:int",
    "end:int",
    "confidence:float",
    "eventDate:date",
    "trigger",
)


def _neo4j_node(actor: Actor) -> list[str]:
    labels = ["Actor"] if actor.type.value == "Actor" else ["Actor", actor.type.value]
    return [
        actor.iri_key,
        actor.label,
        ";".join(labels),
        actor.key,
        actor.type.value,
        actor.qid or "",
        actor.iso2 or "",
        actor.iso3 or "",
        ";".join(a.replace(";", ",") for a in actor.aliases),
    ]


def _neo4j_relationship(claim: Claim) -> list[str]:
    row = claim_row(claim)
    return [
        claim.subject.iri_key,
        claim.object.iri_key,
        claim.relation.label,
        claim.key,
        claim.relation.name,
        claim.relation.quad_class or "",
        "true" if claim.relation.symmetric else "false",
        claim.modality.value,
        claim.attributed_to.iri_key if claim.attributed_to else "",
        claim.evidence,
        claim.document,
        row["sentence"],
        row["start"],
        row["end"],
        row["confidence"],
        row["event_date"],
        row["trigger"],
    ]


def _cypher_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _cypher_script(labels: Iterable[str], types: Iterable[str]) -> str:
    """A LOAD CSV script for a running database, equivalent to the admin import."""
    parts = [
        "// Load nodes.csv and relationships.csv into a running Neo4j 5 database.",
        "// Copy both files into the database's import folder, then run:",
        "//   cypher-shell -f import.cypher",
        "// (or use `neo4j-admin database import full` on an empty database; see README).",
        "CREATE CONSTRAINT kg_actor_id IF NOT EXISTS FOR (a:Actor) REQUIRE a.id IS UNIQUE;",
        "",
        "LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row",
        "MERGE (a:Actor {id: row.`id:ID`})",
        "SET a.name = row.name, a.key = row.key, a.type = row.type, a.qid = row.qid,",
        "    a.iso2 = row.iso2, a.iso3 = row.iso3,",
        "    a.aliases = CASE WHEN row.`aliases:string[]` IS NULL THEN []",
        "                     ELSE split(row.`aliases:string[]`, ';') END;",
    ]
    for label in sorted(labels):
        if label == "Actor":
            continue
        parts += [
            "",
            "MATCH (a:Actor) WHERE a.type = " + _cypher_string(label),
            f"SET a:`{label}`;",
        ]
    for rel_type in sorted(types):
        parts += [
            "",
            "LOAD CSV WITH HEADERS FROM 'file:///relationships.csv' AS row",
            "WITH row WHERE row.`:TYPE` = " + _cypher_string(rel_type),
            "MATCH (s:Actor {id: row.`:START_ID`}), (o:Actor {id: row.`:END_ID`})",
            f"MERGE (s)-[r:`{rel_type}` {{claim: row.claim}}]->(o)",
            "SET r.relation = row.relation, r.quadClass = row.quadClass,",
            "    r.symmetric = toBoolean(row.`symmetric:boolean`), r.modality = row.modality,",
            "    r.attributedTo = row.attributedTo, r.evidence = row.evidence,",
            "    r.document = row.document, r.sentence = toInteger(row.`sentence:int`),",
            "    r.start = toInteger(row.`start:int`), r.end = toInteger(row.`end:int`),",
            "    r.confidence = toFloat(row.`confidence:float`),",
            "    r.eventDate = CASE WHEN row.`eventDate:date` IS NULL THEN null",
            "                       ELSE date(row.`eventDate:date`) END,",
            "    r.trigger = row.trigger;",
        ]
    return "\n".join(parts) + "\n"


def write_neo4j(claims: Iterable[Claim], directory: str | os.PathLike[str]) -> dict[str, int]:
    """Write ``nodes.csv``, ``relationships.csv`` and ``import.cypher`` into ``directory``.

    One node per actor (labels ``Actor`` plus its class: ``State``, ``Person``…; id = its
    IRI key, the QID when known) and one relationship per claim, of every modality, typed
    by the scoring label (``MILITARY_AID``) with the finer property in ``relation``. Import
    into an empty database with::

        neo4j-admin database import full --nodes=nodes.csv \\
            --relationships=relationships.csv neo4j

    or into a running one with ``import.cypher`` (LOAD CSV). Returns row counts.
    """
    folder = as_directory(directory)
    actors: dict[str, Actor] = {}
    types: set[str] = set()
    count = 0
    with open(folder / "relationships.csv", "w", encoding="utf-8", newline="") as output:
        writer = csv.writer(output, lineterminator="\n")
        writer.writerow(NEO4J_RELATIONSHIP_COLUMNS)
        for claim in _collecting(claims, actors):
            writer.writerow(_neo4j_relationship(claim))
            types.add(claim.relation.label)
            count += 1
    with open(folder / "nodes.csv", "w", encoding="utf-8", newline="") as output:
        writer = csv.writer(output, lineterminator="\n")
        writer.writerow(NEO4J_NODE_COLUMNS)
        for actor in actors.values():
            writer.writerow(_neo4j_node(actor))
    labels = {actor.type.value for actor in actors.values()}
    Path(folder / "import.cypher").write_text(_cypher_script(labels, types), encoding="utf-8")
    return {"nodes.csv": len(actors), "relationships.csv": count}
