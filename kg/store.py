"""Where claims live: one interface over several RDF backends.

:func:`open_store` picks the backend from the URI's scheme through a registry
(:data:`BACKENDS`): a plain path or ``oxigraph:PATH`` is the embedded on-disk Oxigraph
store, ``memory:`` is rdflib's in-memory Dataset. Every document lives in its own named
graph, which :meth:`Store.replace_document` replaces in one transaction; queries see the
union of all graphs.

>>> from kg.store import open_store
>>> with open_store("memory:") as store:
...     len(store)
0
"""

from __future__ import annotations

import gc
import logging
import os
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import pyoxigraph as ox
from rdflib import XSD, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.query import Result
from rdflib.term import Identifier, Node

from kg.errors import BadInputError, KgError, QueryError, StoreError, StoreLockedError
from kg.model import Actor, ActorType, Claim, Document, Modality
from kg.ontology import ID, KG, WD, bind_namespaces, ontology_graph, relations
from kg.rdf import (
    ACTORS_GRAPH,
    EXTRACTOR_VERSION,
    Triple,
    actor_iri,
    actor_quads,
    actors_of,
    claims_from_graph,
    document_iri,
    document_quads,
)

__all__ = [
    "BACKENDS",
    "DEFAULT_STORE",
    "EXPORT_FORMATS",
    "MemoryStore",
    "OxigraphStore",
    "Store",
    "open_store",
    "register_backend",
]

logger = logging.getLogger(__name__)

DEFAULT_STORE = "./kg-store"

# Export/import formats: our name → (rdflib plugin name, oxigraph format, keeps graphs).
EXPORT_FORMATS: dict[str, tuple[str, ox.RdfFormat, bool]] = {
    "ttl": ("turtle", ox.RdfFormat.TURTLE, False),
    "nt": ("nt", ox.RdfFormat.N_TRIPLES, False),
    "xml": ("xml", ox.RdfFormat.RDF_XML, False),
    "nq": ("nquads", ox.RdfFormat.N_QUADS, True),
    "trig": ("trig", ox.RdfFormat.TRIG, True),
    "jsonld": ("json-ld", ox.RdfFormat.JSON_LD, True),
}
_SUFFIXES = {
    ".ttl": "ttl",
    ".turtle": "ttl",
    ".nt": "nt",
    ".ntriples": "nt",
    ".xml": "xml",
    ".rdf": "xml",
    ".owl": "xml",
    ".nq": "nq",
    ".nquads": "nq",
    ".trig": "trig",
    ".jsonld": "jsonld",
    ".json": "jsonld",
}
# Files above this size go through Oxigraph's bulk loader, which does not hold the whole
# file in memory but is not transactional; smaller ones load in one transaction.
_BULK_LOAD_BYTES = 64 * 1024 * 1024

_ACTOR_CLASSES = " ".join(f"kg:{t.value}" for t in ActorType)
_PREFIXES = """PREFIX kg: <https://w3id.org/kg-geo/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
"""


# --- term comparison ----------------------------------------------------------------


def _canonical(term: Node) -> Any:
    """A comparison key under which equal RDF values compare equal across backends.

    Oxigraph returns plain literals typed ``xsd:string`` and canonicalises numbers
    (``"0.850"`` → ``"0.85"``); rdflib compares lexical forms, so compare values instead.
    """
    if isinstance(term, Literal):
        datatype = term.datatype or (None if term.language else XSD.string)
        value = term.value if term.value is not None and datatype != XSD.string else str(term)
        return ("L", value, (term.language or "").lower(), str(datatype or ""))
    return (type(term).__name__, str(term))


def _canonical_triples(triples: Iterable[Triple]) -> set[tuple[Any, Any, Any]]:
    return {(_canonical(s), _canonical(p), _canonical(o)) for s, p, o in triples}


# --- the interface ------------------------------------------------------------------


class Store(ABC):
    """A dataset of claims: one named graph per document, a shared actors graph.

    Backends implement a handful of primitives (``_replace``, ``_drop``, ``_query``,
    ``_triples``, ``_load``, ``_dump``, ``__len__``); everything else is shared here.

    >>> store = open_store("memory:")
    >>> store.stats()["claims"]
    0
    """

    scheme: ClassVar[str]

    def __init__(self, location: str, *, read_only: bool = False) -> None:
        self.location = location
        self.read_only = read_only
        self.dataset: Dataset

    # -- backend primitives --

    @abstractmethod
    def _replace(
        self,
        graph: URIRef,
        triples: Sequence[Triple],
        actors: Sequence[URIRef],
        actor_triples: Sequence[Triple],
    ) -> None:
        """In one transaction: replace ``graph`` with ``triples``, and the descriptions of
        ``actors`` in the shared actors graph with ``actor_triples``."""

    @abstractmethod
    def _drop(self, graph: URIRef) -> None:
        """Remove a named graph (in one transaction)."""

    @abstractmethod
    def _query(self, sparql: str, bindings: Mapping[str, Identifier]) -> Result:
        """Run a SPARQL query over the union of all graphs (errors propagate raw)."""

    @abstractmethod
    def _triples(self, graph: URIRef, subject: Node | None = None) -> Iterable[Triple]:
        """The triples of one named graph, optionally of one subject only."""

    @abstractmethod
    def _load(self, path: Path, fmt: str, to_graph: URIRef | None) -> None:
        """Parse a file into the store; raise any parser error raw."""

    @abstractmethod
    def _dump(self, output: BinaryIO, fmt: str) -> None:
        """Serialise the store to a binary stream."""

    @abstractmethod
    def __len__(self) -> int:
        """The number of quads in the store."""

    def close(self) -> None:
        """Release the store (for the embedded store: its lock on the directory)."""
        logger.debug("closed %s", self)

    # -- shared logic --

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location!r}>"

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.location} was opened read-only")

    def _install_ontology(self) -> None:
        """Keep the ontology in its own named graph, so queries can follow the relation
        hierarchy (``?p rdfs:subPropertyOf* kg:militaryAid``) without inference."""
        if getattr(self, "_ontology_current", False):
            return
        # Blank nodes (owl:oneOf lists) get stable IRIs: canonical labels, then skolemised.
        canonical = to_canonical_graph(ontology_graph())
        wanted = list(canonical.skolemize(basepath=str(ID["genid/"])))
        if _canonical_triples(self._triples(ONTOLOGY_GRAPH)) != _canonical_triples(wanted):
            self._replace(ONTOLOGY_GRAPH, wanted, [], [])
        self._ontology_current = True

    def replace_document(
        self, doc: Document, claims: Sequence[Claim], actors: Iterable[Actor] = ()
    ) -> bool:
        """Replace a document's graph with these claims, in one transaction.

        The descriptions of the actors (those the claims mention plus ``actors``) are
        also written to the shared actors graph. Returns ``False`` and writes nothing
        when the store already holds exactly this.

        >>> store = open_store("memory:")
        >>> doc = Document("Some text.", "a.txt")
        >>> store.replace_document(doc, []), store.replace_document(doc, [])
        (True, False)
        """
        self._check_writable()
        self._install_ontology()
        graph = document_iri(doc)
        doc_quads = document_quads(doc, claims, EXTRACTOR_VERSION)
        all_actors = list(dict.fromkeys([*actors_of(claims), *actors]))
        shared_quads = actor_quads(all_actors)
        if self._unchanged(graph, doc_quads, shared_quads, all_actors):
            return False
        self._replace(
            graph,
            [(s, p, o) for s, p, o, _ in doc_quads],
            [actor_iri(a) for a in all_actors],
            [(s, p, o) for s, p, o, _ in shared_quads],
        )
        logger.debug("replaced %s: %d quads", graph, len(doc_quads))
        return True

    def _unchanged(
        self,
        graph: URIRef,
        doc_quads: Sequence[tuple[Node, Node, Node, URIRef]],
        shared_quads: Sequence[tuple[Node, Node, Node, URIRef]],
        actors: Sequence[Actor],
    ) -> bool:
        wanted = _canonical_triples((s, p, o) for s, p, o, _ in doc_quads)
        if _canonical_triples(self._triples(graph)) != wanted:
            return False
        wanted_shared = _canonical_triples((s, p, o) for s, p, o, _ in shared_quads)
        present: set[tuple[Any, Any, Any]] = set()
        for actor in actors:
            present |= _canonical_triples(self._triples(ACTORS_GRAPH, actor_iri(actor)))
        return present == wanted_shared

    def has_document(self, doc_id: str) -> bool:
        """Whether the store holds the document (by its id, the SHA-256 of its text)."""
        graph = document_iri(doc_id)
        return any(True for _ in self._triples(graph, graph))

    def remove_document(self, doc_id: str) -> bool:
        """Drop a document's graph; ``False`` when there was none. Actors stay."""
        self._check_writable()
        if not self.has_document(doc_id):
            return False
        self._drop(document_iri(doc_id))
        return True

    def query(self, sparql: str, bindings: Mapping[str, Any] | None = None) -> Result:
        """Run a SPARQL query over the union of all graphs, with variables bound to terms.

        Python values in ``bindings`` become literals; rdflib terms pass as they are.

        >>> store = open_store("memory:")
        >>> bool(store.query("ASK { ?s ?p ?o }"))
        False
        """
        terms = {
            name.lstrip("?$"): value if isinstance(value, Identifier) else Literal(value)
            for name, value in (bindings or {}).items()
        }
        try:
            result = self._query(sparql, terms)
            if result.type == "SELECT":
                # rdflib evaluates lazily; surface evaluation errors here, not mid-print.
                result.bindings  # noqa: B018
            return result
        except KgError:
            raise
        except Exception as error:
            if _is_update(sparql):
                raise QueryError(
                    "this is a SPARQL Update; queries only read the store "
                    "(use `kg import`, `kg ingest` or `kg remove` for updates)"
                ) from None
            message = str(error).strip() or type(error).__name__
            raise QueryError(f"malformed or unsupported SPARQL query: {message}") from None

    def documents(self) -> list[dict[str, Any]]:
        """One row per document: id, name, title, date, source, url and claim count."""
        result = self.query(
            _PREFIXES
            + """SELECT ?doc ?id ?name ?title ?date ?source ?url (COUNT(DISTINCT ?c) AS ?claims)
WHERE {
  ?doc a kg:Document ; kg:sha256 ?id .
  OPTIONAL { ?doc kg:name ?name }
  OPTIONAL { ?doc dcterms:title ?title }
  OPTIONAL { ?doc dcterms:date ?date }
  OPTIONAL { ?doc dcterms:source ?source }
  OPTIONAL { ?doc schema:url ?url }
  OPTIONAL { ?c a kg:Claim ; prov:wasDerivedFrom ?doc }
}
GROUP BY ?doc ?id ?name ?title ?date ?source ?url
ORDER BY ?name ?id"""
        )
        rows = []
        for row in result:
            date = row.date.toPython() if row.date is not None else None
            rows.append(
                {
                    "id": str(row.id),
                    "name": _str_or_none(row.name),
                    "title": _str_or_none(row.title),
                    "date": date.isoformat() if hasattr(date, "isoformat") else _str_or_none(date),
                    "source": _str_or_none(row.source),
                    "url": _str_or_none(row.url),
                    "claims": int(row.claims),
                }
            )
        return rows

    def claims(
        self,
        *,
        actor: str | None = None,
        relation: str | None = None,
        modality: str | None = None,
        document: str | None = None,
    ) -> list[Claim]:
        """The stored claims, filtered in SPARQL.

        ``actor`` matches the subject or object by IRI, QID, key, label or alias (any
        case); ``relation`` by name (``sendsTroops``), scoring label (``MILITARY_AID``,
        finer relations included) or IRI; ``modality`` by name; ``document`` by id, name
        or IRI.

        >>> open_store("memory:").claims(actor="Russia", modality="asserted")
        []
        """
        bindings: dict[str, Identifier] = {}
        filters: list[str] = []
        if actor is not None:
            bindings["actorIri"] = _actor_iri_for(actor)
            bindings["actorName"] = Literal(actor.strip().lower())
            filters.append(
                """?c rdf:subject|rdf:object ?who .
  OPTIONAL { ?who skos:notation|rdfs:label|skos:altLabel ?whoName }
  FILTER(?who = ?actorIri || LCASE(STR(?whoName)) = ?actorName)"""
            )
        if relation is not None:
            iris = _relation_iris(relation)
            if len(iris) == 1:
                bindings["rel"] = iris[0]
            else:
                # These IRIs come from our own ontology table, never from the caller.
                filters.append("VALUES ?rel { " + " ".join(i.n3() for i in iris) + " }")
        if modality is not None:
            try:
                bindings["mod"] = KG[Modality(modality.strip().lower()).value.capitalize()]
            except ValueError:
                choices = ", ".join(m.value for m in Modality)
                raise QueryError(f"unknown modality {modality!r}; choose from {choices}") from None
        if document is not None:
            bindings["docIri"] = (
                URIRef(document) if "://" in document else document_iri(document.strip())
            )
            bindings["docKey"] = Literal(document)
            filters.append(
                "?doc kg:sha256|kg:name ?docKeyValue .\n"
                "  FILTER(?doc = ?docIri || STR(?docKeyValue) = ?docKey)"
            )
        # SELECT rather than CONSTRUCT: Oxigraph substitutes only projected variables, so
        # the bound ones are projected too (as constant columns).
        projected = " ".join(f"?{name}" for name in bindings)
        sparql = (
            _PREFIXES
            + f"""SELECT ?s ?p ?o {projected}
WHERE {{
  ?c a kg:Claim ; rdf:predicate ?rel ; kg:modality ?mod ; prov:wasDerivedFrom ?doc .
  """
            + "\n  ".join(filters)
            + """
  { ?c ?p ?o . BIND(?c AS ?s) }
  UNION
  { ?c rdf:subject|rdf:object|kg:attributedTo ?s . ?s ?p ?o }
}"""
        )
        graph = Graph()
        for row in self.query(sparql, bindings):
            graph.add((row.s, row.p, row.o))
        return claims_from_graph(graph)

    def stats(self) -> dict[str, Any]:
        """Counts: documents, actors, claims, triples (quads), claims by relation label and
        by modality.

        >>> open_store("memory:").stats()["by_modality"]
        {}
        """
        counts = next(
            iter(
                self.query(
                    _PREFIXES
                    + f"""SELECT
  (COUNT(DISTINCT ?doc) AS ?documents) (COUNT(DISTINCT ?actor) AS ?actors)
  (COUNT(DISTINCT ?c) AS ?claims)
WHERE {{
  {{ ?doc a kg:Document }}
  UNION {{ VALUES ?type {{ {_ACTOR_CLASSES} }} ?actor a ?type }}
  UNION {{ ?c a kg:Claim }}
}}"""
                )
            )
        )
        label_of = {URIRef(r.iri): r.label for r in relations().values()}
        by_relation: Counter[str] = Counter()
        for row in self.query(
            _PREFIXES
            + "SELECT ?rel (COUNT(DISTINCT ?c) AS ?n) "
            + "WHERE { ?c a kg:Claim ; rdf:predicate ?rel } GROUP BY ?rel"
        ):
            by_relation[label_of.get(row.rel, str(row.rel))] += int(row.n)
        by_modality: dict[str, int] = {}
        for row in self.query(
            _PREFIXES
            + "SELECT ?mod (COUNT(DISTINCT ?c) AS ?n) "
            + "WHERE { ?c a kg:Claim ; kg:modality ?mod } GROUP BY ?mod ORDER BY ?mod"
        ):
            by_modality[str(row.mod).removeprefix(str(KG)).lower()] = int(row.n)
        return {
            "documents": int(counts.documents),
            "actors": int(counts.actors),
            "claims": int(counts.claims),
            "triples": len(self),
            "by_relation": dict(sorted(by_relation.items())),
            "by_modality": by_modality,
        }

    def export(self, destination: BinaryIO | str | os.PathLike[str], fmt: str) -> None:
        """Write the store as ``ttl``, ``nt``, ``xml`` (the union, one graph) or ``nq``,
        ``trig``, ``jsonld`` (named graphs kept).

        >>> import io
        >>> open_store("memory:").export(io.BytesIO(), "nq")
        """
        if fmt not in EXPORT_FORMATS:
            raise StoreError(f"unknown export format {fmt!r}; choose from {_choices()}")
        if isinstance(destination, (str, os.PathLike)):
            with open(destination, "wb") as output:
                self._dump(output, fmt)
        else:
            self._dump(destination, fmt)

    def import_file(self, path: str | os.PathLike[str], fmt: str | None = None) -> int:
        """Load an RDF file; returns how many quads it added.

        The format is guessed from the suffix unless given. Quads keep their graphs;
        triples go into a graph named after the file (its ``file:`` URI).
        """
        self._check_writable()
        file = Path(path)
        name = fmt or _SUFFIXES.get(file.suffix.lower())
        if name is None or name not in EXPORT_FORMATS:
            raise BadInputError(str(file), f"cannot tell the RDF format; name one of {_choices()}")
        if not file.is_file():
            raise BadInputError(str(file), "no such file")
        keeps_graphs = EXPORT_FORMATS[name][2]
        to_graph = None if keeps_graphs else URIRef(file.resolve().as_uri())
        before = len(self)
        try:
            self._load(file, name, to_graph)
        except (SyntaxError, ValueError) as error:
            raise BadInputError(str(file), f"not valid {name}: {error}") from None
        except Exception as error:
            # rdflib's parsers raise a zoo of exception types.
            if isinstance(error, (KgError, OSError)):
                raise
            raise BadInputError(str(file), f"not valid {name}: {error}") from None
        added = len(self) - before
        logger.info("imported %s: %d quads added", file, added)
        return added


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _choices() -> str:
    return ", ".join(EXPORT_FORMATS)


def _is_update(sparql: str) -> bool:
    try:
        parseUpdate(sparql)
    except Exception:
        return False
    return True


_QID = re.compile(r"^Q[1-9][0-9]*$")


def _actor_iri_for(text: str) -> URIRef:
    text = text.strip()
    if _QID.match(text):
        return WD[text]
    if "://" in text:
        return URIRef(text)
    return actor_iri(Actor(text, text, ActorType.OTHER))


def _relation_iris(text: str) -> list[URIRef]:
    table = relations()
    text = text.strip()
    chosen = [r for r in table.values() if text in (r.name, r.iri)]
    if not chosen:
        chosen = [r for r in table.values() if r.label == text.upper() and r.parent is None]
    if not chosen:
        labels = ", ".join(sorted({r.label for r in table.values()}))
        raise QueryError(
            f"unknown relation {text!r}; use a name like sendsTroops or one of {labels}"
        )
    names = {r.name for r in chosen}
    # Finer relations count as their ancestors: MILITARY_AID includes sendsTroops.
    grew = True
    while grew:
        more = {r.name for r in table.values() if r.parent in names} - names
        grew = bool(more)
        names |= more
    return sorted(URIRef(table[n].iri) for n in names)


# --- SPARQL text ----------------------------------------------------------------------

_ECHARS = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
)
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _sparql_term(term: Node) -> str:
    """A term in SPARQL syntax; literals use ECHAR escapes only, never ``\\u`` ones."""
    if isinstance(term, URIRef):
        if _IRI_FORBIDDEN.search(term):
            raise StoreError(f"cannot store the invalid IRI <{term}>")
        return f"<{term}>"
    if isinstance(term, Literal):
        text = '"' + str(term).translate(_ECHARS) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype and term.datatype != XSD.string:
            return f"{text}^^{_sparql_term(term.datatype)}"
        return text
    raise StoreError(f"cannot store the blank node {term}; kg mints IRIs for everything")


def _sparql_triple(triple: Triple) -> str:
    return " ".join(_sparql_term(t) for t in triple) + " ."


# --- backends -----------------------------------------------------------------------

BACKENDS: dict[str, type[Store]] = {}


def register_backend(scheme: str) -> Callable[[type[Store]], type[Store]]:
    """Class decorator: make a backend available to :func:`open_store` under ``scheme``."""

    def decorate(cls: type[Store]) -> type[Store]:
        cls.scheme = scheme
        BACKENDS[scheme] = cls
        return cls

    return decorate


@register_backend("memory")
class MemoryStore(Store):
    """rdflib's in-memory Dataset: for tests and notebooks, gone when closed.

    >>> MemoryStore().dataset.default_union
    True
    """

    def __init__(self, location: str = "", *, read_only: bool = False, create: bool = True) -> None:
        super().__init__(f"memory:{location}", read_only=read_only)
        self.dataset = bind_namespaces(Dataset(default_union=True))

    def _replace(
        self,
        graph: URIRef,
        triples: Sequence[Triple],
        actors: Sequence[URIRef],
        actor_triples: Sequence[Triple],
    ) -> None:
        # Python calls, not a SPARQL Update: rdflib's SPARQL parser expands tabs and
        # "\\u" sequences inside string literals, which would corrupt evidence text.
        self.dataset.remove_graph(graph)
        target = self.dataset.graph(graph)
        target.addN((s, p, o, target) for s, p, o in triples)
        shared = self.dataset.graph(ACTORS_GRAPH)
        for actor in actors:
            shared.remove((actor, None, None))
        shared.addN((s, p, o, shared) for s, p, o in actor_triples)

    def _drop(self, graph: URIRef) -> None:
        self.dataset.remove_graph(graph)

    def _query(self, sparql: str, bindings: Mapping[str, Identifier]) -> Result:
        return self.dataset.query(sparql, initBindings=bindings)

    def _triples(self, graph: URIRef, subject: Node | None = None) -> Iterable[Triple]:
        return self.dataset.graph(graph).triples((subject, None, None))

    def _load(self, path: Path, fmt: str, to_graph: URIRef | None) -> None:
        plugin = EXPORT_FORMATS[fmt][0]
        target = self.dataset if to_graph is None else self.dataset.graph(to_graph)
        target.parse(path, format=plugin, publicID=path.resolve().as_uri())

    def _dump(self, output: BinaryIO, fmt: str) -> None:
        plugin, _, keeps_graphs = EXPORT_FORMATS[fmt]
        if keeps_graphs:
            self.dataset.serialize(destination=output, format=plugin)
            return
        union = bind_namespaces(Graph())
        for s, p, o, _ in self.dataset.quads((None, None, None, None)):
            union.add((s, p, o))
        union.serialize(destination=output, format=plugin)

    def __len__(self) -> int:
        return sum(1 for _ in self.dataset.quads((None, None, None, None)))


def _ox(term: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        datatype = ox.NamedNode(str(term.datatype)) if term.datatype else None
        return ox.Literal(str(term), datatype=datatype)
    return ox.BlankNode(str(term))


def _from_ox(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    from rdflib import BNode

    return BNode(term.value)


@register_backend("oxigraph")
class OxigraphStore(Store):
    """The embedded on-disk Oxigraph store (RocksDB), seen through rdflib via oxrdflib.

    ``self.dataset`` is an rdflib Dataset over it; ``self.oxigraph`` is the underlying
    :class:`pyoxigraph.Store` for fast paths. One process at a time may open a store:
    ``read_only`` only refuses writes, it still takes the lock, because Oxigraph's own
    read-only mode is undefined while another process writes.
    """

    def __init__(self, location: str, *, read_only: bool = False, create: bool = True) -> None:
        path = Path(location or DEFAULT_STORE).expanduser()
        super().__init__(str(path), read_only=read_only)
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path} is a file, not a kg store; pass a directory to --store")
        exists = path.is_dir() and (path / "CURRENT").exists()
        if not exists:
            if path.is_dir() and any(path.iterdir()):
                raise StoreError(
                    f"{path} is a directory that holds other files, not a kg store; "
                    "pass an empty or new directory to --store"
                )
            if read_only or not create:
                raise StoreError(
                    f"there is no kg store at {path}; create one with "
                    f"`kg ingest FILES --store {path}`"
                )
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.oxigraph = ox.Store(str(path))
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreLockedError(
                    f"the store at {path} is in use by another kg process; "
                    "wait for it or use another --store"
                ) from None
            raise StoreError(f"cannot open the store at {path}: {error}") from None
        from oxrdflib import OxigraphStore as _RdflibOxigraph

        self.dataset = bind_namespaces(
            Dataset(store=_RdflibOxigraph(store=self.oxigraph), default_union=True)
        )

    def _replace(
        self,
        graph: URIRef,
        triples: Sequence[Triple],
        actors: Sequence[URIRef],
        actor_triples: Sequence[Triple],
    ) -> None:
        g, shared = _sparql_term(graph), _sparql_term(ACTORS_GRAPH)
        parts = [f"DROP SILENT GRAPH {g}"]
        if actors:
            # The shared graph keeps the latest description of each actor, not a pile of
            # every label it ever had.
            values = " ".join(_sparql_term(a) for a in actors)
            parts.append(
                f"DELETE {{ GRAPH {shared} {{ ?a ?p ?o }} }} "
                f"WHERE {{ GRAPH {shared} {{ VALUES ?a {{ {values} }} ?a ?p ?o }} }}"
            )
        body = [f"GRAPH {g} {{", *map(_sparql_triple, triples), "}"]
        if actor_triples:
            body += [f"GRAPH {shared} {{", *map(_sparql_triple, actor_triples), "}"]
        parts.append("INSERT DATA {\n" + "\n".join(body) + "\n}")
        # One update request is one Oxigraph transaction: all of it or none survives a crash.
        self.oxigraph.update(" ;\n".join(parts))

    def _drop(self, graph: URIRef) -> None:
        self.oxigraph.update(f"DROP SILENT GRAPH {_sparql_term(graph)}")

    def _query(self, sparql: str, bindings: Mapping[str, Identifier]) -> Result:
        try:
            return self.dataset.query(sparql, initBindings=bindings)
        except Exception as error:
            # Oxigraph substitutes only variables the query projects; for the others let
            # rdflib's engine evaluate the query over the same store (slower, same answer).
            if bindings and "does not contains variable" in str(error):
                logger.debug("bindings not projected, evaluating with rdflib: %s", error)
                return self.dataset.query(sparql, initBindings=bindings, use_store_provided=False)
            raise

    def _triples(self, graph: URIRef, subject: Node | None = None) -> Iterable[Triple]:
        pattern_subject = _ox(subject) if subject is not None else None
        for quad in self.oxigraph.quads_for_pattern(
            pattern_subject, None, None, ox.NamedNode(str(graph))
        ):
            yield (_from_ox(quad.subject), _from_ox(quad.predicate), _from_ox(quad.object))

    def _load(self, path: Path, fmt: str, to_graph: URIRef | None) -> None:
        rdf_format = EXPORT_FORMATS[fmt][1]
        target = ox.NamedNode(str(to_graph)) if to_graph is not None else None
        load = (
            self.oxigraph.bulk_load
            if path.stat().st_size > _BULK_LOAD_BYTES
            else self.oxigraph.load
        )
        load(path=path, format=rdf_format, base_iri=path.resolve().as_uri(), to_graph=target)

    def _dump(self, output: BinaryIO, fmt: str) -> None:
        plugin, rdf_format, keeps_graphs = EXPORT_FORMATS[fmt]
        if keeps_graphs:
            self.oxigraph.dump(output, rdf_format)
            return
        union = self.oxigraph.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
        )
        if fmt != "xml":
            union.serialize(output, rdf_format)
            return
        # Oxigraph's RDF/XML writer leaves carriage returns raw, and XML parsers turn them
        # into newlines; rdflib's writes them as character references.
        graph = bind_namespaces(Graph())
        for triple in union:
            graph.add(
                (_from_ox(triple.subject), _from_ox(triple.predicate), _from_ox(triple.object))
            )
        graph.serialize(destination=output, format=plugin)

    def __len__(self) -> int:
        return len(self.oxigraph)

    def close(self) -> None:
        """Flush and release the RocksDB lock so another process can open the store."""
        store = getattr(self, "oxigraph", None)
        if store is None:
            return
        store.flush()
        self.dataset.store.close()
        del self.oxigraph
        del self.dataset
        # rdflib objects may sit in reference cycles; the lock goes with the last reference.
        gc.collect()


@register_backend("sparql")
class SparqlStore(Store):
    """A SPARQL 1.1 server (not in this release)."""

    def __new__(cls, *args: object, **kwargs: object) -> SparqlStore:
        # __new__, not __init__: the abstract methods would fail instantiation first.
        raise StoreError(
            "SPARQL server stores arrive in a later release; "
            "use a directory (embedded Oxigraph) or memory: for now"
        )


ONTOLOGY_GRAPH = ID["graph/ontology"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):(.*)$", re.DOTALL)


def open_store(
    uri: str | os.PathLike[str] | None = None, *, read_only: bool = False, create: bool = True
) -> Store:
    """Open the store at ``uri`` (default: ``$KG_STORE``, else ``./kg-store``).

    ``PATH`` or ``oxigraph:PATH`` opens the embedded store, ``memory:`` a throwaway
    in-memory one; the registry :data:`BACKENDS` lists every scheme.

    >>> open_store("memory:").scheme
    'memory'
    """
    uri = os.fspath(uri) if uri is not None else None
    uri = uri or os.environ.get("KG_STORE") or DEFAULT_STORE
    match = _SCHEME.match(uri)
    if match is None:
        scheme, location = "oxigraph", uri
    else:
        scheme, location = match.group(1).lower(), match.group(2)
    backend = BACKENDS.get(scheme)
    if backend is None:
        choices = ", ".join(f"{name}:" for name in BACKENDS)
        raise StoreError(
            f"unknown store scheme {scheme!r} in {uri!r}; use a directory path or one of {choices}"
        )
    return backend(location, read_only=read_only, create=create)
