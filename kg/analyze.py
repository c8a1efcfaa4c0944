"""Claims as a networkx graph, and counts over them.

The graph is the analyst's view of the claims: one node per actor, one edge per
(subject, relation, object) that keeps every claim behind it, so centrality and
community measures see weights while the page can still show the evidence.

>>> from kg.analyze import claims_graph
>>> graph = claims_graph([])
>>> graph.number_of_nodes(), graph.number_of_edges()
(0, 0)
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

import networkx as nx

from kg.model import Claim, Modality

__all__ = ["DEFAULT_MODALITIES", "claims_graph", "summary"]

logger = logging.getLogger(__name__)

DEFAULT_MODALITIES: tuple[str, ...] = ("asserted", "hedged")


def _claim_record(claim: Claim) -> dict[str, Any]:
    """The small, JSON-ready view of one claim that an edge keeps."""
    return {
        "evidence": claim.evidence,
        "modality": claim.modality.value,
        "attributed_to": claim.attributed_to.label if claim.attributed_to else None,
        "document": claim.document,
        "date": claim.event_date.isoformat() if claim.event_date else None,
        "confidence": claim.confidence,
        "relation_name": claim.relation.name,
    }


def _top_name(label: str, names: Collection[str]) -> str:
    """The one relation name an edge shows: the only one, else the top-level one."""
    if len(names) == 1:
        return next(iter(names))
    try:
        from kg.ontology import relation_for_label

        return relation_for_label(label).name
    except (KeyError, RuntimeError, OSError):  # no ontology at hand: stay deterministic
        return sorted(names)[0]


def claims_graph(
    claims: Iterable[Claim],
    *,
    modalities: Collection[str] = DEFAULT_MODALITIES,
    relations: Collection[str] | None = None,
) -> nx.MultiDiGraph:
    """Project claims onto a :class:`networkx.MultiDiGraph`.

    Nodes are keyed by :attr:`Actor.iri_key` (``"Q159"``) and carry ``label``, ``type``
    (an :class:`~kg.model.ActorType` value) and ``qid``. There is one edge per
    (subject, scoring label, object), keyed by the scoring label, carrying ``relation``
    (the scoring label), ``name`` (the relation property), ``symmetric``, ``quad_class``,
    ``modality`` (the strongest of its claims: asserted > hedged > negated), ``count``
    and ``claims`` (one small dict per claim: evidence, modality, attributed_to,
    document, date, confidence). Symmetric relations are stored once, from the smaller
    to the larger node key. The same claim seen twice (same :attr:`Claim.key`) counts once.

    ``modalities`` keeps only claims of those modalities (negated ones are left out by
    default); ``relations``, when given, keeps only claims whose scoring label or
    relation name is in it.

    >>> from kg.model import Actor, ActorType, Claim, Modality, Relation
    >>> aid = Relation("militaryAid", "MILITARY_AID", "urn:x", quad_class="MaterialCooperation")
    >>> kp = Actor("KP", "North Korea", ActorType.STATE, qid="Q423")
    >>> ru = Actor("RU", "Russia", ActorType.STATE, qid="Q159")
    >>> c = Claim(kp, aid, ru, Modality.HEDGED, "doc1", "North Korea may send troops.",
    ...           0, 0, 28, 0.8)
    >>> g = claims_graph([c])
    >>> g.edges["Q423", "Q159", "MILITARY_AID"]["modality"], g.nodes["Q159"]["label"]
    ('hedged', 'Russia')
    """
    wanted_modalities = {str(m) for m in modalities}
    wanted_relations = set(relations) if relations is not None else None
    graph = nx.MultiDiGraph(modalities=sorted(wanted_modalities))
    seen: set[str] = set()
    names: dict[tuple[str, str, str], set[str]] = {}
    kept = 0
    for claim in claims:
        if claim.modality.value not in wanted_modalities:
            continue
        rel = claim.relation
        if wanted_relations is not None and not (
            rel.label in wanted_relations or rel.name in wanted_relations
        ):
            continue
        if claim.key in seen:
            continue
        seen.add(claim.key)
        kept += 1
        for actor in (claim.subject, claim.object):
            if actor.iri_key not in graph:
                graph.add_node(
                    actor.iri_key, label=actor.label, type=actor.type.value, qid=actor.qid
                )
        source, target = claim.subject.iri_key, claim.object.iri_key
        if rel.symmetric and target < source:
            source, target = target, source
        edge_key = (source, target, rel.label)
        if graph.has_edge(source, target, key=rel.label):
            data = graph.edges[edge_key]
            if claim.modality.rank > Modality(data["modality"]).rank:
                data["modality"] = claim.modality.value
            data["count"] += 1
            data["claims"].append(_claim_record(claim))
        else:
            graph.add_edge(
                source,
                target,
                key=rel.label,
                relation=rel.label,
                name=rel.name,
                symmetric=rel.symmetric,
                quad_class=rel.quad_class,
                modality=claim.modality.value,
                count=1,
                claims=[_claim_record(claim)],
            )
        names.setdefault(edge_key, set()).add(rel.name)
    for edge_key, edge_names in names.items():
        data = graph.edges[edge_key]
        data["name"] = _top_name(data["relation"], edge_names)
        # Claims in a stable order, whatever order they arrived in.
        data["claims"].sort(
            key=lambda c: (c["date"] or "", c["document"], c["evidence"], c["modality"])
        )
    logger.debug(
        "claims graph: %d claims → %d nodes, %d edges",
        kept,
        graph.number_of_nodes(),
        graph.number_of_edges(),
    )
    return graph


def summary(claims: Iterable[Claim]) -> dict[str, Any]:
    """Counts over claims: documents, actors, claims, and claims by relation and modality.

    Actors are the distinct subjects and objects (by :attr:`Actor.iri_key`). Every
    modality appears in ``modalities``, with 0 when absent.

    >>> summary([])["claims"]
    0
    >>> sorted(summary([])["modalities"])
    ['asserted', 'hedged', 'negated']
    """
    documents: set[str] = set()
    actors: set[str] = set()
    by_relation: Counter[str] = Counter()
    by_modality: Counter[str] = Counter({m.value: 0 for m in Modality})
    total = 0
    for claim in claims:
        total += 1
        documents.add(claim.document)
        actors.update((claim.subject.iri_key, claim.object.iri_key))
        by_relation[claim.relation.label] += 1
        by_modality[claim.modality.value] += 1
    return {
        "documents": len(documents),
        "actors": len(actors),
        "claims": total,
        "relations": dict(sorted(by_relation.items(), key=lambda kv: (-kv[1], kv[0]))),
        "modalities": {m.value: by_modality[m.value] for m in Modality},
    }
