"""Claims as a networkx graph, and the analyses over it.

The graph is the analyst's view of the claims: one node per actor, one edge per
(subject, relation, object) that keeps every claim behind it, so centrality and
community measures see weights while the page can still show the evidence.

Every analysis takes claims already narrowed by one :class:`ClaimFilter` (shared by
``kg analyze`` and ``kg viz``) and returns plain data: lists of dicts or dataclasses
with a ``to_dict`` method, ready for a table, CSV or JSON.

>>> from kg.analyze import claims_graph
>>> graph = claims_graph([])
>>> graph.number_of_nodes(), graph.number_of_edges()
(0, 0)
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import KgError
from kg.model import Actor, ActorType, Claim, Modality

__all__ = [
    "DEFAULT_MODALITIES",
    "QUAD_WEIGHTS",
    "AnalysisError",
    "BalanceResult",
    "ClaimFilter",
    "DocumentInfo",
    "DyadResult",
    "NoPathError",
    "UnknownActorError",
    "balance",
    "centrality",
    "claim_date",
    "claim_source",
    "claim_weight",
    "claims_graph",
    "communities",
    "disputes",
    "document_index",
    "dyad",
    "filter_claims",
    "filtered_graph",
    "find_node",
    "load_claims",
    "parse_actor_type",
    "path",
    "plot_dyad",
    "signed_graph",
    "summary",
]

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
    (an :class:`~kg.model.ActorType` value), ``qid``, ``key`` (:attr:`Actor.key`) and
    ``aliases`` (a list). There is one edge per
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
                    actor.iri_key,
                    label=actor.label,
                    type=actor.type.value,
                    qid=actor.qid,
                    key=actor.key,
                    aliases=list(actor.aliases),
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


# --- errors ---------------------------------------------------------------------------


class AnalysisError(KgError):
    """An analysis cannot run as asked (a bad filter value, a missing optional package)."""


class UnknownActorError(AnalysisError):
    """No actor in the (filtered) claims matches what the user wrote."""


class NoPathError(AnalysisError):
    """Two actors are both known but not connected by any chain of claims."""


# --- documents and filters ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the analyses need to know about a document: its name, date and source.

    >>> DocumentInfo.from_row({"id": "ab12", "name": "a.txt", "date": "2024-10-18"}).date
    datetime.date(2024, 10, 18)
    """

    id: str
    name: str | None = None
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> DocumentInfo:
        """Build from one row of :meth:`kg.store.Store.documents` (dates as ISO text)."""
        date = row.get("date")
        if isinstance(date, str):
            try:
                date = dt.date.fromisoformat(date[:10])
            except ValueError:
                date = None
        elif isinstance(date, dt.datetime):
            date = date.date()
        elif not isinstance(date, dt.date):
            date = None
        return cls(
            id=str(row["id"]),
            name=row.get("name"),
            title=row.get("title"),
            date=date,
            source=row.get("source"),
        )

    @property
    def narrator(self) -> str:
        """Who speaks when a claim is not attributed: the source, else the document."""
        return self.source or self.name or self.id


DocumentsArg = Mapping[str, DocumentInfo] | Iterable[Mapping[str, Any]] | None


def document_index(documents: DocumentsArg) -> dict[str, DocumentInfo]:
    """Documents by id, from the rows of :meth:`~kg.store.Store.documents` or an index.

    >>> document_index([{"id": "ab12", "source": "Reuters"}])["ab12"].narrator
    'Reuters'
    """
    if documents is None:
        return {}
    if isinstance(documents, Mapping):
        return dict(documents)
    index: dict[str, DocumentInfo] = {}
    for row in documents:
        info = row if isinstance(row, DocumentInfo) else DocumentInfo.from_row(row)
        index[info.id] = info
    return index


def claim_date(claim: Claim, documents: Mapping[str, DocumentInfo]) -> dt.date | None:
    """When a claim happened: its event date, else its document's date, else ``None``."""
    if claim.event_date is not None:
        return claim.event_date
    info = documents.get(claim.document)
    return info.date if info else None


def claim_source(claim: Claim, documents: Mapping[str, DocumentInfo]) -> str:
    """Who makes a claim: the actor it is attributed to, else the document's narrator
    (its source name, else its name, else its id)."""
    if claim.attributed_to is not None:
        return claim.attributed_to.label
    info = documents.get(claim.document)
    return info.narrator if info else claim.document


_ACTOR_TYPE_NAMES: dict[str, ActorType] = {
    **{t.value.lower(): t for t in ActorType},
    **{t.gold_type.lower(): t for t in ActorType},
    **{t.name.lower(): t for t in ActorType},
}


def parse_actor_type(text: str | ActorType) -> ActorType:
    """An actor type from its ontology name (``State``), gold name (``COUNTRY``) or
    enum name (``ORGANIZATION``), in any case.

    >>> parse_actor_type("country"), parse_actor_type("Person")
    (<ActorType.STATE: 'State'>, <ActorType.PERSON: 'Person'>)
    """
    if isinstance(text, ActorType):
        return text
    try:
        return _ACTOR_TYPE_NAMES[str(text).strip().lower()]
    except KeyError:
        choices = ", ".join(t.value for t in ActorType)
        raise AnalysisError(f"unknown actor type {text!r}; choose from {choices}") from None


@dataclass(frozen=True)
class ClaimFilter:
    """Which claims an analysis (or ``kg viz``) looks at. Empty means "no restriction".

    - ``relations``: scoring labels (``MILITARY_AID``) or relation names (``sendsTroops``),
      any case;
    - ``modalities``: kept modalities (default asserted and hedged);
    - ``since``/``until``: inclusive bounds on the claim's date (its event date, else its
      document's date); a claim with no date at all is left out when either is set;
    - ``min_confidence``: claims below it are left out;
    - ``actor_types``: both the subject and the object must be of one of these types
      (``State``, ``COUNTRY``, ``Person``…);
    - ``sources``: the document's source name must be one of these (any case).

    >>> ClaimFilter(actor_types=("country",)).actor_types
    ('State',)
    """

    relations: tuple[str, ...] = ()
    modalities: tuple[str, ...] = DEFAULT_MODALITIES
    since: dt.date | None = None
    until: dt.date | None = None
    min_confidence: float = 0.0
    actor_types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            modalities = tuple(
                sorted({Modality(str(m).strip().lower()).value for m in self.modalities})
            )
        except ValueError:
            choices = ", ".join(m.value for m in Modality)
            raise AnalysisError(
                f"unknown modality in {list(self.modalities)}; choose from {choices}"
            ) from None
        types = tuple(sorted({parse_actor_type(t).value for t in self.actor_types}))
        if self.since and self.until and self.since > self.until:
            raise AnalysisError(f"--since {self.since} is after --until {self.until}")
        object.__setattr__(self, "modalities", modalities)
        object.__setattr__(self, "actor_types", types)
        object.__setattr__(self, "relations", tuple(self.relations))
        object.__setattr__(self, "sources", tuple(self.sources))

    def accepts(self, claim: Claim, documents: Mapping[str, DocumentInfo]) -> bool:
        """Whether one claim passes the filter (``documents`` give dates and sources)."""
        if claim.modality.value not in self.modalities:
            return False
        if claim.confidence < self.min_confidence:
            return False
        if self.relations:
            wanted = {r.lower() for r in self.relations}
            rel = claim.relation
            if rel.label.lower() not in wanted and rel.name.lower() not in wanted:
                return False
        if self.actor_types and not (
            claim.subject.type.value in self.actor_types
            and claim.object.type.value in self.actor_types
        ):
            return False
        if self.sources:
            info = documents.get(claim.document)
            source = (info.source or "").lower() if info else ""
            if source not in {s.lower() for s in self.sources}:
                return False
        if self.since or self.until:
            when = claim_date(claim, documents)
            if when is None:
                return False
            if self.since and when < self.since:
                return False
            if self.until and when > self.until:
                return False
        return True


def filter_claims(
    claims: Iterable[Claim], flt: ClaimFilter | None = None, documents: DocumentsArg = None
) -> list[Claim]:
    """The claims that pass ``flt``, each once (by :attr:`Claim.key`), in input order.

    ``documents`` (rows of :meth:`~kg.store.Store.documents`, or a :func:`document_index`)
    give document dates and sources; without them only event dates count.

    >>> filter_claims([], ClaimFilter(min_confidence=0.5))
    []
    """
    flt = flt or ClaimFilter()
    index = document_index(documents)
    kept: list[Claim] = []
    seen: set[str] = set()
    for claim in claims:
        if claim.key in seen or not flt.accepts(claim, index):
            continue
        seen.add(claim.key)
        kept.append(claim)
    return kept


def load_claims(
    store: Any, flt: ClaimFilter | None = None
) -> tuple[list[Claim], dict[str, DocumentInfo]]:
    """Read a store's claims through a filter, with the document index they refer to.

    >>> from kg.store import open_store
    >>> load_claims(open_store("memory:"))
    ([], {})
    """
    documents = document_index(store.documents())
    claims = filter_claims(store.claims(), flt, documents)
    return claims, documents


def filtered_graph(claims: Iterable[Claim], flt: ClaimFilter | None = None) -> nx.MultiDiGraph:
    """:func:`claims_graph` of claims already filtered by ``flt`` (its modalities kept).

    >>> filtered_graph([]).number_of_nodes()
    0
    """
    flt = flt or ClaimFilter()
    return claims_graph(claims, modalities=flt.modalities)


# --- finding actors -------------------------------------------------------------------


def _names(key: str, label: str, qid: str | None, aliases: Iterable[str]) -> set[str]:
    return {n.strip().lower() for n in (key, label, qid or "", *aliases) if n and n.strip()}


def find_node(graph: nx.Graph, text: str) -> Any:
    """The node of ``graph`` an actor name refers to: its node key, QID, actor key, label
    or an alias, in any case. When several nodes share a name, the one with most claims.

    >>> from kg.model import Actor, ActorType, Claim, Modality
    >>> from kg.ontology import relation
    >>> ru = Actor("RU", "Russia", ActorType.STATE, qid="Q159", aliases=("Russian Federation",))
    >>> kp = Actor("KP", "North Korea", ActorType.STATE, qid="Q423")
    >>> c = Claim(kp, relation("meets"), ru, Modality.ASSERTED, "d", "They met.", 0, 0, 9, 0.9)
    >>> find_node(claims_graph([c]), "russian federation")
    'Q159'
    """
    wanted = text.strip()
    if wanted in graph:
        return wanted
    lowered = wanted.lower()
    matches = [
        node
        for node, data in graph.nodes(data=True)
        if lowered
        in _names(
            str(data.get("key") or node),
            str(data.get("label") or ""),
            data.get("qid"),
            data.get("aliases") or (),
        )
        or lowered == str(node).lower()
    ]
    if not matches:
        raise UnknownActorError(
            f"no actor called {text!r} in the claims analysed; "
            "give a label, an alias or a Wikidata QID (`kg stats` lists what the store holds, "
            "and filters such as --since or --relation may have left it out)"
        )
    return max(matches, key=lambda n: (graph.degree(n, weight="count"), str(n)))


def _find_actor(claims: Iterable[Claim], text: str) -> Actor:
    wanted = text.strip().lower()
    counts: Counter[Actor] = Counter()
    for claim in claims:
        for actor in (claim.subject, claim.object):
            if wanted in _names(actor.key, actor.label, actor.qid, actor.aliases) or (
                wanted == actor.iri_key.lower()
            ):
                counts[actor] += 1
    if not counts:
        raise UnknownActorError(
            f"no actor called {text!r} in the claims analysed; "
            "give a label, an alias or a Wikidata QID (`kg stats` lists what the store holds, "
            "and filters such as --since or --relation may have left it out)"
        )
    return max(counts, key=lambda a: (counts[a], a.iri_key))


# --- projections ----------------------------------------------------------------------


def _weighted(graph: nx.MultiDiGraph, *, directed: bool) -> nx.Graph:
    """Collapse parallel edges into one with ``weight`` = number of claims.

    Directed: a symmetric relation counts in both directions. Undirected: every claim
    counts once for the pair.
    """
    simple: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        count = data.get("count", 1)
        pairs = [(u, v), (v, u)] if directed and data.get("symmetric") else [(u, v)]
        for a, b in pairs:
            if simple.has_edge(a, b):
                simple.edges[a, b]["weight"] += count
            else:
                simple.add_edge(a, b, weight=count)
    return simple


def _label(graph: nx.Graph, node: Any) -> str:
    return str(graph.nodes[node].get("label") or node)


# --- centrality -----------------------------------------------------------------------

EXACT_BETWEENNESS_MAX_NODES = 500
BETWEENNESS_SAMPLES = 200
SEED = 42


def centrality(graph: nx.MultiDiGraph, top: int | None = 20) -> list[dict[str, Any]]:
    """The most central actors: degree, claims, PageRank and betweenness, by PageRank.

    - ``degree``: how many other actors an actor has claims with;
    - ``claims``: how many claims it is in (as subject or object);
    - ``pagerank``: on the directed graph weighted by claim count (symmetric relations
      count both ways);
    - ``betweenness``: on the undirected, unweighted graph, normalised; exact below
      500 nodes, else estimated from ``k = min(200, n)`` sampled sources (fixed seed).

    ``top=None`` gives every actor.

    >>> centrality(claims_graph([]))
    []
    """
    if graph.number_of_nodes() == 0:
        return []
    directed = _weighted(graph, directed=True)
    undirected = _weighted(graph, directed=False)
    pagerank = (
        nx.pagerank(directed, weight="weight")
        if directed.number_of_edges()
        else {n: 1.0 / directed.number_of_nodes() for n in directed}
    )
    n = undirected.number_of_nodes()
    if n < EXACT_BETWEENNESS_MAX_NODES:
        betweenness = nx.betweenness_centrality(undirected)
    else:
        betweenness = nx.betweenness_centrality(
            undirected, k=min(BETWEENNESS_SAMPLES, n), seed=SEED
        )
    rows = [
        {
            "actor": _label(graph, node),
            "id": str(node),
            "type": graph.nodes[node].get("type"),
            "degree": undirected.degree(node),
            "claims": int(undirected.degree(node, weight="weight")),
            "pagerank": round(pagerank.get(node, 0.0), 6),
            "betweenness": round(betweenness.get(node, 0.0), 6),
        }
        for node in graph.nodes
    ]
    rows.sort(key=lambda r: (-r["pagerank"], -r["claims"], r["actor"], r["id"]))
    if top is not None:
        rows = rows[:top]
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return [{"rank": r.pop("rank"), **r} for r in rows]


# --- communities ----------------------------------------------------------------------


def communities(graph: nx.MultiDiGraph, *, seed: int = SEED) -> list[dict[str, Any]]:
    """Louvain communities of the undirected projection weighted by claim count.

    Every relation pulls actors together, conflict included: restrict the claims to
    cooperation relations first (``--relation``) for "who is with whom". Largest
    community first; members by label.

    >>> communities(claims_graph([]))
    []
    """
    undirected = _weighted(graph, directed=False)
    if undirected.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(undirected, weight="weight", seed=seed)
    groups = [sorted(group, key=lambda n: (_label(graph, n), str(n))) for group in found]
    groups.sort(key=lambda g: (-len(g), _label(graph, g[0])))
    return [
        {
            "community": index,
            "size": len(group),
            "members": [_label(graph, n) for n in group],
            "ids": [str(n) for n in group],
            "claims_within": int(undirected.subgraph(group).size(weight="weight")),
        }
        for index, group in enumerate(groups, 1)
    ]


# --- paths ----------------------------------------------------------------------------


def _best_record(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The claim that best shows an edge: strongest modality, then surest, then earliest."""
    return min(
        records,
        key=lambda c: (
            -Modality(c["modality"]).rank,
            -c["confidence"],
            c["date"] is None,
            c["date"] or "",
            c["document"],
            c["evidence"],
        ),
    )


def path(graph: nx.MultiDiGraph, a: str, b: str) -> list[dict[str, Any]]:
    """How two actors are connected: the shortest chain of claims between them, ignoring
    direction, one dict per hop with its relation labels and one evidence sentence.

    Each hop has ``step``, ``from``, ``to``, ``relations`` (e.g. ``["MILITARY_AID →"]``:
    the arrow says which way the relation runs along the path, ``↔`` for symmetric
    ones), ``claims`` and the evidence claim's ``evidence``, ``modality``, ``document``,
    ``date`` and ``attributed_to``. ``a`` and ``b`` are names as :func:`find_node` takes.

    >>> from kg.model import Actor, ActorType, Claim, Modality
    >>> from kg.ontology import relation
    >>> ru = Actor("RU", "Russia", ActorType.STATE, qid="Q159")
    >>> kp = Actor("KP", "North Korea", ActorType.STATE, qid="Q423")
    >>> c = Claim(kp, relation("sendsTroops"), ru, Modality.ASSERTED, "d", "Troops went.",
    ...           0, 0, 12, 0.9)
    >>> [(h["from"], h["relations"], h["to"]) for h in path(claims_graph([c]), "Q159", "KP")]
    [('Russia', ['MILITARY_AID ←'], 'North Korea')]
    """
    source, target = find_node(graph, a), find_node(graph, b)
    if source == target:
        return []
    undirected = _weighted(graph, directed=False)
    try:
        nodes = nx.shortest_path(undirected, source, target)
    except nx.NetworkXNoPath:
        raise NoPathError(
            f"{_label(graph, source)} and {_label(graph, target)} are not connected "
            "by any chain of claims (with the filters given)"
        ) from None
    hops = []
    for step, (u, v) in enumerate(itertools.pairwise(nodes), 1):
        relations: set[str] = set()
        records: list[dict[str, Any]] = []
        count = 0
        for x, y in ((u, v), (v, u)):
            for _key, data in (graph.get_edge_data(x, y) or {}).items():
                arrow = "↔" if data.get("symmetric") else ("→" if x == u else "←")
                relations.add(f"{data['relation']} {arrow}")
                records.extend(data["claims"])
                count += data.get("count", 1)
        best = _best_record(records)
        hops.append(
            {
                "step": step,
                "from": _label(graph, u),
                "to": _label(graph, v),
                "relations": sorted(relations),
                "claims": count,
                "evidence": best["evidence"],
                "modality": best["modality"],
                "attributed_to": best["attributed_to"],
                "document": best["document"],
                "date": best["date"],
            }
        )
    return hops


# --- dyads ----------------------------------------------------------------------------

#: How much one claim of each quad class moves a dyad's monthly score: material acts
#: weigh twice as much as words, cooperation counts up and conflict down. Negated
#: claims (a source saying something did *not* happen) score 0; hedged ones count fully.
QUAD_WEIGHTS: dict[str, float] = {
    "VerbalCooperation": 0.5,
    "MaterialCooperation": 1.0,
    "VerbalConflict": -0.5,
    "MaterialConflict": -1.0,
}


def claim_weight(claim: Claim) -> float:
    """A claim's contribution to a cooperation–conflict score (see :data:`QUAD_WEIGHTS`)."""
    if claim.modality is Modality.NEGATED:
        return 0.0
    return QUAD_WEIGHTS.get(claim.relation.quad_class or "", 0.0)


@dataclass(frozen=True)
class DyadResult:
    """Every claim between two actors, in date order, and their score per month.

    ``claims``: one dict per claim (``date``, ``month``, ``subject``, ``relation``,
    ``object``, ``modality``, ``quad_class``, ``weight``, ``source``, ``evidence``,
    ``document``, ``confidence``); undated ones last. ``months``: one dict per calendar
    month from the first to the last dated claim, gaps included (``month`` as
    ``YYYY-MM``, ``claims``, ``cooperation``, ``conflict``, ``score``).
    """

    a: str
    b: str
    claims: list[dict[str, Any]] = field(default_factory=list)
    months: list[dict[str, Any]] = field(default_factory=list)

    @property
    def undated(self) -> int:
        """How many claims have no date and so are in no month."""
        return sum(1 for c in self.claims if c["date"] is None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "weights": dict(QUAD_WEIGHTS),
            "claims": self.claims,
            "months": self.months,
            "undated": self.undated,
        }


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def dyad(claims: Iterable[Claim], a: str, b: str, documents: DocumentsArg = None) -> DyadResult:
    """Every claim between actors ``a`` and ``b`` (either direction), with a monthly
    cooperation–conflict score: the sum of :func:`claim_weight` over the month's claims
    (+1 material cooperation, +0.5 verbal cooperation, −0.5 verbal conflict, −1 material
    conflict; negated claims 0). A claim's month is its event date's, else its
    document's.

    >>> from kg.model import Actor, ActorType, Claim, Modality
    >>> from kg.ontology import relation
    >>> ru = Actor("RU", "Russia", ActorType.STATE, qid="Q159")
    >>> kp = Actor("KP", "North Korea", ActorType.STATE, qid="Q423")
    >>> c = Claim(kp, relation("sendsTroops"), ru, Modality.ASSERTED, "d", "Troops went.",
    ...           0, 0, 12, 0.9, event_date=dt.date(2024, 10, 18))
    >>> dyad([c], "Russia", "North Korea").months
    [{'month': '2024-10', 'claims': 1, 'cooperation': 1.0, 'conflict': 0.0, 'score': 1.0}]
    """
    claims = list(claims)
    index = document_index(documents)
    first, second = _find_actor(claims, a), _find_actor(claims, b)
    pair = {first.iri_key, second.iri_key}
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for claim in claims:
        if {claim.subject.iri_key, claim.object.iri_key} != pair or claim.key in seen:
            continue
        if len(pair) == 1 and claim.subject.iri_key != claim.object.iri_key:
            continue
        seen.add(claim.key)
        when = claim_date(claim, index)
        rows.append(
            {
                "date": when.isoformat() if when else None,
                "month": when.strftime("%Y-%m") if when else None,
                "subject": claim.subject.label,
                "relation": claim.relation.label,
                "object": claim.object.label,
                "modality": claim.modality.value,
                "quad_class": claim.relation.quad_class,
                "weight": claim_weight(claim),
                "source": claim_source(claim, index),
                "evidence": claim.evidence,
                "document": claim.document,
                "confidence": claim.confidence,
            }
        )
    rows.sort(key=lambda r: (r["date"] is None, r["date"] or "", r["document"], r["evidence"]))
    dated = [r for r in rows if r["month"]]
    months: list[dict[str, Any]] = []
    if dated:
        by_month: dict[str, dict[str, Any]] = {
            m: {"month": m, "claims": 0, "cooperation": 0.0, "conflict": 0.0, "score": 0.0}
            for m in _month_range(dated[0]["month"], dated[-1]["month"])
        }
        for row in dated:
            bucket = by_month[row["month"]]
            bucket["claims"] += 1
            weight = row["weight"]
            if weight > 0:
                bucket["cooperation"] += weight
            elif weight < 0:
                bucket["conflict"] += weight
            bucket["score"] += weight
        months = list(by_month.values())
    return DyadResult(first.label, second.label, rows, months)


def plot_dyad(result: DyadResult, output: str | Path) -> Path:
    """Draw a dyad's monthly scores as a PNG bar chart (needs matplotlib).

    Bars above zero (green) are cooperation, below (red) conflict; the line is the net
    score. Raises :class:`AnalysisError` when matplotlib is missing or there is no
    dated claim to draw.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise AnalysisError(
            "drawing a dyad needs matplotlib; install it with `pip install matplotlib`"
        ) from None
    if not result.months:
        raise AnalysisError(f"no dated claims between {result.a} and {result.b}; nothing to plot")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    months = [m["month"] for m in result.months]
    positions = list(range(len(months)))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.45 * len(months) + 2), 4.0))
    try:
        ax.bar(
            positions,
            [m["cooperation"] for m in result.months],
            color="#2e7d32",
            label="cooperation",
        )
        ax.bar(positions, [m["conflict"] for m in result.months], color="#c62828", label="conflict")
        ax.plot(
            positions,
            [m["score"] for m in result.months],
            color="#212121",
            marker="o",
            linewidth=1.5,
            label="net score",
        )
        ax.axhline(0, color="#757575", linewidth=0.8)
        step = max(1, len(months) // 12)
        ax.set_xticks(positions[::step], months[::step], rotation=45, ha="right")
        ax.set_ylabel("cooperation − conflict")
        ax.set_title(f"{result.a} – {result.b}: claims per month")
        ax.legend(loc="best", fontsize="small")
        fig.tight_layout()
        fig.savefig(output, format="png", dpi=120)
    finally:
        plt.close(fig)
    return output


# --- structural balance ---------------------------------------------------------------

_COOPERATION = {"VerbalCooperation", "MaterialCooperation"}
_CONFLICT = {"VerbalConflict", "MaterialConflict"}


def signed_graph(graph: nx.MultiDiGraph) -> nx.Graph:
    """The undirected signed graph: ``sign`` +1 where a pair's cooperation claims
    outnumber its conflict claims, −1 the other way. Ties and pairs whose relations have
    no quad class get no edge. Edges also keep ``cooperation`` and ``conflict`` counts.

    >>> signed_graph(claims_graph([])).number_of_edges()
    0
    """
    counts: dict[frozenset[Any], list[int]] = {}
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        quad = data.get("quad_class")
        slot = 0 if quad in _COOPERATION else 1 if quad in _CONFLICT else None
        if slot is None:
            continue
        counts.setdefault(frozenset((u, v)), [0, 0])[slot] += data.get("count", 1)
    signed = nx.Graph()
    signed.add_nodes_from(graph.nodes(data=True))
    for pair, (coop, conflict) in counts.items():
        if coop == conflict:
            continue
        u, v = sorted(pair, key=str)
        signed.add_edge(
            u, v, sign=1 if coop > conflict else -1, cooperation=coop, conflict=conflict
        )
    return signed


@dataclass(frozen=True)
class BalanceResult:
    """Structural balance of the signed graph (see :func:`balance`)."""

    positive: int
    negative: int
    triads: int
    balanced: int
    unbalanced: list[dict[str, Any]]

    @property
    def share(self) -> float | None:
        """The share of balanced triads, ``None`` when there is no triad."""
        return self.balanced / self.triads if self.triads else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "positive_edges": self.positive,
            "negative_edges": self.negative,
            "triads": self.triads,
            "balanced": self.balanced,
            "share_balanced": None if self.share is None else round(self.share, 4),
            "unbalanced": self.unbalanced,
        }


def balance(graph: nx.MultiDiGraph) -> BalanceResult:
    """Structural balance: among triads whose three pairs all have a sign (see
    :func:`signed_graph`), the balanced ones have an even number of negative edges
    ("the enemy of my enemy is my friend"). Unbalanced triads are listed with ``actors``
    (three labels, sorted) and ``signs`` (``"A–B": "+"`` for each pair).

    >>> balance(claims_graph([])).share is None
    True
    """
    signed = signed_graph(graph)
    order = {node: i for i, node in enumerate(sorted(signed.nodes, key=str))}
    triads = balanced = 0
    unbalanced: list[dict[str, Any]] = []
    for u in signed:
        for v in signed[u]:
            if order[v] <= order[u]:
                continue
            for w in signed[v]:
                if order[w] <= order[v] or not signed.has_edge(u, w):
                    continue
                triads += 1
                signs = [signed.edges[x, y]["sign"] for x, y in ((u, v), (v, w), (u, w))]
                if signs[0] * signs[1] * signs[2] > 0:
                    balanced += 1
                    continue
                labelled = sorted(((_label(signed, n), n) for n in (u, v, w)), key=str)
                names = [name for name, _ in labelled]
                nodes = [node for _, node in labelled]
                unbalanced.append(
                    {
                        "actors": names,
                        "signs": {
                            f"{names[i]}–{names[j]}": "+"
                            if signed.edges[nodes[i], nodes[j]]["sign"] > 0
                            else "−"
                            for i, j in ((0, 1), (1, 2), (0, 2))
                        },
                    }
                )
    unbalanced.sort(key=lambda t: t["actors"])
    positive = sum(1 for *_, s in signed.edges(data="sign") if s > 0)
    return BalanceResult(
        positive=positive,
        negative=signed.number_of_edges() - positive,
        triads=triads,
        balanced=balanced,
        unbalanced=unbalanced,
    )


# --- disputes -------------------------------------------------------------------------


def disputes(claims: Iterable[Claim], documents: DocumentsArg = None) -> list[dict[str, Any]]:
    """Claims that sources contradict: the same (subject, label, object) asserted by one
    source and negated or hedged by another.

    A claim's source is the actor it is attributed to, else its document's narrator
    (source name, else document name, else id); sources are compared in any case.
    Symmetric relations match in either direction. One row per (claim, asserting
    source, disputing source, disputing modality), with the first evidence of each side.

    >>> disputes([])
    []
    """
    index = document_index(documents)
    groups: dict[tuple[str, str, str], list[Claim]] = {}
    for claim in claims:
        s, o = claim.subject.iri_key, claim.object.iri_key
        if claim.relation.symmetric and o < s:
            s, o = o, s
        groups.setdefault((s, claim.relation.label, o), []).append(claim)
    rows: list[dict[str, Any]] = []
    for _key, group in sorted(groups.items()):
        group.sort(key=lambda c: (c.document, c.start, c.evidence, c.key))
        by_side: dict[tuple[str, str], tuple[str, Claim]] = {}
        for claim in group:
            source = claim_source(claim, index)
            by_side.setdefault((claim.modality.value, source.lower()), (source, claim))
        asserted = [v for (m, _), v in sorted(by_side.items()) if m == "asserted"]
        others = [(m, v) for (m, _), v in sorted(by_side.items()) if m in ("negated", "hedged")]
        for source, claim in asserted:
            for modality, (other_source, other) in others:
                if other_source.lower() == source.lower():
                    continue
                subject, obj = claim.subject, claim.object
                rows.append(
                    {
                        "subject": subject.label,
                        "relation": claim.relation.label,
                        "object": obj.label,
                        "asserted_by": source,
                        "asserted_evidence": claim.evidence,
                        "asserted_document": claim.document,
                        "disputed_by": other_source,
                        "disputed_modality": modality,
                        "disputed_evidence": other.evidence,
                        "disputed_document": other.document,
                    }
                )
    return rows
