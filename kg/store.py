"""Where claims live: one interface over several RDF backends.

:func:`open_store` picks the backend from the URI's scheme through a registry
(:data:`BACKENDS`): a plain path or ``oxigraph:PATH`` is the embedded on-disk Oxigraph
store, ``memory:`` is rdflib's in-memory Dataset, ``sparql:URL`` a SPARQL 1.1 server such
as Virtuoso (:class:`SparqlStore`). Every document lives in its own named graph, which
:meth:`Store.replace_document` replaces in one transaction; queries see the union of all
graphs.

>>> from kg.store import open_store
>>> with open_store("memory:") as store:
...     len(store)
0
"""

from __future__ import annotations

import ctypes
import gc
import io
import logging
import os
import re
import sys
import urllib.parse
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import pyoxigraph as ox
from rdflib import XSD, BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.compare import to_canonical_graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.query import Result
from rdflib.store import Store as RdflibStore
from rdflib.term import Identifier, Node

from kg._sparql import (
    GRAPH_PARSERS,
    GRAPH_TYPES,
    SELECT_TYPE,
    Answer,
    RequestRejected,
    SparqlHttp,
    bnode_label,
    json_rows,
    query_shape,
)
from kg.errors import (
    BadInputError,
    KgError,
    QueryError,
    StoreError,
    StoreLockedError,
    StoreWriteError,
)
from kg.jsonld import jsonld_input, store_quads, write_jsonld
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
    "SparqlStore",
    "Store",
    "exists_store",
    "limit_allocator_retention",
    "open_store",
    "register_backend",
    "return_free_memory",
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
# The embedded store flushes its write buffers to disk after this many quads.
_FLUSH_EVERY_QUADS = 50_000

# glibc's mallopt parameters (malloc.h): above this size a block is its own mapping, given
# back when freed; free memory above this much at the top of the heap is given back.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_ALLOCATOR_THRESHOLD = 128 * 1024


@cache
def _libc() -> Any:
    """glibc, or None elsewhere (macOS, musl): the memory calls below are glibc's."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim, libc.mallopt  # noqa: B018 — both must exist
    except (OSError, AttributeError):
        return None
    return libc


def return_free_memory() -> None:
    """Give the memory that the allocator keeps after RocksDB frees its write buffers back
    to the operating system (glibc's ``malloc_trim``; a no-op elsewhere). Called after
    every flush of the embedded store, it costs a fraction of a millisecond."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def limit_allocator_retention() -> None:
    """Make glibc give freed memory back to the operating system soon, instead of keeping
    it for reuse (fixed 128 KiB mmap and trim thresholds; a no-op without glibc).

    A long ingest frees tens of megabytes of RocksDB write buffers at every flush; glibc
    would otherwise keep them (about 50 MB more resident memory, measured in
    bench/README.md). ``kg ingest`` and ``kg import`` call this once; library users may.
    """
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, _ALLOCATOR_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, _ALLOCATOR_THRESHOLD)


# What the operating system says inside RocksDB's error text, and what it means for a user.
_OS_FAILURES = (
    ("No space left on device", "the disk is full"),
    ("Disk quota exceeded", "the disk quota is used up"),
    ("File too large", "a file size limit was reached"),
    ("Read-only file system", "it is on a read-only file system"),
    ("Permission denied", "this user may not write there"),
)


# RocksDB's words when another opener holds the folder's LOCK file.
_LOCKED = re.compile(r"While lock file|lock hold by|No locks available", re.IGNORECASE)


def _os_failure(error: OSError) -> str | None:
    """A user's reading of an operating-system failure, or None when it is something else."""
    text = f"{error.strerror or ''} {error}"
    return next((reason for needle, reason in _OS_FAILURES if needle in text), None)


def _write_failure(location: str, error: OSError) -> StoreWriteError:
    reason = _os_failure(error) or "the database reported an error"
    return StoreWriteError(
        f"cannot write to the store at {location}: {reason} ({error}). What was stored "
        "before is intact and the failed write left nothing behind; fix this, then run the "
        "same command again (an ingest resumes where it stopped)"
    )


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
        present = _canonical_triples(
            self._subject_triples(ACTORS_GRAPH, [actor_iri(a) for a in actors])
        )
        return present == wanted_shared

    def _subject_triples(self, graph: URIRef, subjects: Sequence[URIRef]) -> Iterable[Triple]:
        """The triples of one named graph about any of ``subjects`` (backends that pay
        per request override this to ask once)."""
        for subject in subjects:
            yield from self._triples(graph, subject)

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
        # the bound ones are projected too (as constant columns). DISTINCT, because each
        # actor's description would come once per claim and per matching name.
        projected = " ".join(f"?{name}" for name in bindings)
        sparql = (
            _PREFIXES
            + f"""SELECT DISTINCT ?s ?p ?o {projected}
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


# Subjects per INSERT DATA operation: Virtuoso's parser runs out of stack near 5,000
# statements in one operation (however many triples each holds).
_STATEMENTS_PER_INSERT = 2_000
# Predicate-object pairs per statement.
_PAIRS_PER_STATEMENT = 100


def _statements(triples: Iterable[Triple], term: Callable[[Node], str] = _sparql_term) -> list[str]:
    """Triples as statements, one per subject: ``s p1 o1 ; p2 o2 .``."""
    by_subject: dict[Node, list[tuple[Node, Node]]] = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p, o))
    statements = []
    for subject, pairs in by_subject.items():
        for start in range(0, len(pairs), _PAIRS_PER_STATEMENT):
            chunk = pairs[start : start + _PAIRS_PER_STATEMENT]
            statements.append(
                term(subject) + " " + " ;\n  ".join(f"{term(p)} {term(o)}" for p, o in chunk) + " ."
            )
    return statements


def _insert_data(blocks: Iterable[tuple[URIRef, Iterable[Triple]]]) -> list[str]:
    """INSERT DATA operations for triples of several graphs, each small enough for every
    server we know (one operation for a usual document)."""
    operations: list[str] = []
    pending: list[tuple[URIRef, str]] = []

    def flush() -> None:
        parts, current = ["INSERT DATA {"], None
        for graph, statement in pending:
            if graph != current:
                if current is not None:
                    parts.append("}")
                parts.append(f"GRAPH {_sparql_term(graph)} {{")
                current = graph
            parts.append(statement)
        parts += ["}", "}"]
        operations.append("\n".join(parts))
        pending.clear()

    for graph, triples in blocks:
        for statement in _statements(triples):
            pending.append((graph, statement))
            if len(pending) == _STATEMENTS_PER_INSERT:
                flush()
    if pending:
        flush()
    return operations


def _replace_update(
    graph: URIRef,
    triples: Sequence[Triple],
    actors: Sequence[URIRef],
    actor_triples: Sequence[Triple],
) -> str:
    """One SPARQL Update that replaces a document's graph and its actors' descriptions."""
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
    parts += _insert_data([(graph, triples), (ACTORS_GRAPH, actor_triples)])
    return " ;\n".join(parts)


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
        if fmt == "jsonld":
            # Oxigraph's parser, as for the on-disk store: it never fetches a context.
            source = jsonld_input(path)
            quads = ox.parse(
                source if isinstance(source, bytes) else None,
                ox.RdfFormat.JSON_LD,
                path=None if isinstance(source, bytes) else source,
                base_iri=path.resolve().as_uri(),
            )
            self.dataset.addN(
                (_from_ox(q.subject), _from_ox(q.predicate), _from_ox(q.object), graph)
                for q in quads
                for graph in [self._graph_for(q.graph_name, to_graph)]
            )
            return
        target = self.dataset if to_graph is None else self.dataset.graph(to_graph)
        target.parse(path, format=plugin, publicID=path.resolve().as_uri())

    def _graph_for(self, name: Any, to_graph: URIRef | None) -> Graph:
        if to_graph is not None:
            return self.dataset.graph(to_graph)
        if isinstance(name, ox.DefaultGraph):
            return self.dataset.default_graph
        return self.dataset.graph(_from_ox(name))

    def _dump(self, output: BinaryIO, fmt: str) -> None:
        plugin, _, keeps_graphs = EXPORT_FORMATS[fmt]
        if fmt == "jsonld":
            # Held in memory already; sorted so that each graph and subject is written once.
            quads = sorted(
                self.dataset.quads((None, None, None, None)),
                key=lambda q: (_graph_key(q[3]), q[0].n3(), q[1].n3(), q[2].n3()),
            )
            write_jsonld((_ox_quad(q) for q in quads), output)
            return
        if keeps_graphs:
            self.dataset.serialize(destination=output, format=plugin)
            return
        union = bind_namespaces(Graph())
        for s, p, o, _ in self.dataset.quads((None, None, None, None)):
            union.add((s, p, o))
        union.serialize(destination=output, format=plugin)

    def __len__(self) -> int:
        return sum(1 for _ in self.dataset.quads((None, None, None, None)))


def _graph_key(graph: Any) -> tuple[int, str]:
    # rdflib's Dataset names the default graph None (or by its default-graph IRI).
    identifier = getattr(graph, "identifier", graph)
    if identifier is None or identifier == DATASET_DEFAULT_GRAPH_ID:
        return (0, "")
    return (1, identifier.n3())


def _ox_quad(quad: tuple[Node, Node, Node, Any]) -> ox.Quad:
    s, p, o, graph = quad
    identifier = getattr(graph, "identifier", graph)
    if _graph_key(identifier)[0] == 0:
        return ox.Quad(_ox(s), _ox(p), _ox(o), ox.DefaultGraph())
    return ox.Quad(_ox(s), _ox(p), _ox(o), _ox(identifier))


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
    return BNode(term.value)


def _dump_oxigraph(store: ox.Store, output: BinaryIO, fmt: str) -> None:
    """Serialise an Oxigraph store: the dataset, or for triple formats the union graph.

    Every format streams: Oxigraph's writers and kg's JSON-LD writer take the quads as
    the store's indexes give them, so memory does not grow with the store.
    """
    _, rdf_format, keeps_graphs = EXPORT_FORMATS[fmt]
    if fmt == "jsonld":
        write_jsonld(store_quads(store), output)
        return
    if keeps_graphs:
        store.dump(output, rdf_format)
        return
    # The union graph, graph by graph: a triple that several graphs state is written once
    # per graph (parsers merge them). Removing the repeats would mean remembering every
    # triple written, as a CONSTRUCT over the union does, and memory would grow with the
    # store.
    union = (quad.triple for quad in store.quads_for_pattern(None, None, None, None))
    if fmt != "xml":
        ox.serialize(union, output, rdf_format, prefixes=_PREFIXES_OUT)
        return
    # Oxigraph's RDF/XML writer leaves carriage returns raw, and XML parsers turn them
    # into newlines; write them as character references instead.
    ox.serialize(union, _XmlCarriageReturns(output), rdf_format, prefixes=_PREFIXES_OUT)


# Prefixes for Turtle and for RDF/XML element names (the namespaces kg binds).
_PREFIXES_OUT = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": str(XSD),
    "kg": str(KG),
    "kgid": str(ID),
    "wd": str(WD),
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}


class _XmlCarriageReturns:
    """A binary writer that turns each carriage return into ``&#13;`` on the way through.

    In Oxigraph's RDF/XML a raw CR can only stand in literal text (IRIs cannot hold one,
    and the markup uses line feeds); as a character reference XML parsers keep it.
    """

    def __init__(self, output: BinaryIO) -> None:
        self._output = output

    def write(self, data: bytes) -> int:
        self._output.write(bytes(data).replace(b"\r", b"&#13;"))
        return len(data)

    def flush(self) -> None:
        self._output.flush()


@register_backend("oxigraph")
class OxigraphStore(Store):
    """The embedded on-disk Oxigraph store (RocksDB), seen through rdflib via oxrdflib.

    ``self.dataset`` is an rdflib Dataset over it; ``self.oxigraph`` is the underlying
    :class:`pyoxigraph.Store` for fast paths. One process at a time may open a store:
    ``read_only`` only refuses writes, it still takes the lock, because Oxigraph's own
    read-only mode is undefined while another process writes.
    """

    # Quads written through _replace since the last flush to disk.
    _unflushed: int = 0
    # Whether a write failed (full disk, read-only file system): closing stays quiet then.
    _write_failed: bool = False

    def __init__(self, location: str, *, read_only: bool = False, create: bool = True) -> None:
        path = Path(location or DEFAULT_STORE).expanduser()
        super().__init__(str(path), read_only=read_only)
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path} is a file, not a kg store; pass a directory to --store")
        exists = exists_store(path)
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
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"cannot create the store at {path}: {error}") from None
        try:
            self.oxigraph = ox.Store(str(path))
        except OSError as error:
            if _LOCKED.search(str(error)):
                raise StoreLockedError(
                    f"the store at {path} is in use by another kg process; "
                    "wait for it or use another --store"
                ) from None
            self.oxigraph = self._open_unwritable(path, error)
        from oxrdflib import OxigraphStore as _RdflibOxigraph

        self.dataset = bind_namespaces(
            Dataset(store=_RdflibOxigraph(store=self.oxigraph), default_union=True)
        )

    def _open_unwritable(self, path: Path, error: OSError) -> ox.Store:
        """Open for reading a store that cannot be written (read-only media, another
        owner's folder, a full disk), or explain why it cannot be opened."""
        reason = _os_failure(error)
        if reason is None:
            raise StoreError(f"cannot open the store at {path}: {error}") from None
        if self.read_only and exists_store(path):
            # RocksDB took the lock and then failed to write, so nobody else writes here:
            # reading without the lock is safe.
            try:
                store = ox.Store.read_only(str(path))
            except OSError as second:
                raise StoreError(f"cannot open the store at {path}: {second}") from None
            logger.debug("%s: cannot be written (%s); opened read-only", path, reason)
            return store
        if not exists_store(path):
            raise StoreWriteError(
                f"cannot create a store at {path}: {reason} ({error}); pass a --store "
                "where this user can write"
            ) from None
        if reason in ("the disk is full", "the disk quota is used up"):
            raise StoreWriteError(
                f"cannot open the store at {path} for writing: {reason} ({error}). Free some "
                "space and run the command again; read commands (stats, query, export) "
                "still work"
            ) from None
        raise StoreWriteError(
            f"cannot write to the store at {path}: {reason} ({error}). Read commands "
            "(stats, query, show, export, serve) can still use it; to write, copy it "
            "somewhere writable or pass another --store"
        ) from None

    def _replace(
        self,
        graph: URIRef,
        triples: Sequence[Triple],
        actors: Sequence[URIRef],
        actor_triples: Sequence[Triple],
    ) -> None:
        # One update request is one Oxigraph transaction: all of it or none survives a crash.
        with self._writing():
            self.oxigraph.update(_replace_update(graph, triples, actors, actor_triples))
        # RocksDB holds recent writes in memory until it flushes them: left alone, a long
        # ingest's memory grows with every document (1.3 GB more after a million triples).
        # Flushing every so many quads keeps it flat, and small buffers are faster too.
        self._unflushed += len(triples) + len(actor_triples)
        if self._unflushed >= _FLUSH_EVERY_QUADS:
            with self._writing():
                self.oxigraph.flush()
            self._unflushed = 0
            return_free_memory()

    def _drop(self, graph: URIRef) -> None:
        with self._writing():
            self.oxigraph.update(f"DROP SILENT GRAPH {_sparql_term(graph)}")

    @contextmanager
    def _writing(self, *, reading_a_file: bool = False) -> Iterator[None]:
        """Turn the database's I/O failures (full disk, read-only file system) into a
        :class:`StoreWriteError` that says what happened and what to do. While loading a
        file, other I/O errors are the file's and propagate as they are."""
        try:
            yield
        except OSError as error:
            if reading_a_file and _os_failure(error) is None:
                raise
            self._write_failed = True
            raise _write_failure(self.location, error) from None

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
        source = jsonld_input(path) if fmt == "jsonld" else path
        base = path.resolve().as_uri()
        with self._writing(reading_a_file=True):
            if isinstance(source, bytes):
                load(source, rdf_format, base_iri=base, to_graph=target)
            else:
                load(path=path, format=rdf_format, base_iri=base, to_graph=target)

    def _dump(self, output: BinaryIO, fmt: str) -> None:
        _dump_oxigraph(self.oxigraph, output, fmt)

    def __len__(self) -> int:
        return len(self.oxigraph)

    def close(self) -> None:
        """Flush and release the RocksDB lock so another process can open the store."""
        store = getattr(self, "oxigraph", None)
        if store is None:
            return
        try:
            if not self.read_only:
                store.flush()
        except OSError as error:
            # Committed writes are in RocksDB's write-ahead log, which the next opening
            # replays: a failed flush loses nothing, but the user should hear of it.
            if not self._write_failed:
                raise _write_failure(self.location, error) from None
            logger.debug("flush at close failed after an earlier write failure: %s", error)
        finally:
            self.dataset.store.close()
            del self.oxigraph
            del self.dataset
            # rdflib objects may sit in reference cycles; the lock goes with the last one.
            gc.collect()


# --- the SPARQL server backend ------------------------------------------------------

# Virtuoso keeps graphs of its own (its RDF views, ontologies, WebDAV and service
# descriptions) in the same dataset; they are not kg's and stay out of counts and exports.
_VIRTUOSO_GRAPHS = frozenset(
    {
        "http://www.openlinksw.com/schemas/virtrdf#",
        "http://www.w3.org/2002/07/owl#",
        "http://www.w3.org/ns/ldp#",
    }
)
_VIRTUOSO_HOST_GRAPH = re.compile(r"^https?://[^/]+/(?:DAV/|sparql$)")
# Triples per request when importing a file into a server.
_IMPORT_BATCH = 20_000
_SPARQL_TIMEOUT = 120.0
# Subjects per query when reading the descriptions of many actors at once.
_SUBJECTS_PER_QUERY = 200


def _sparql_endpoints(location: str) -> tuple[str, str]:
    """The query and update URLs of ``sparql:URL[#update=URL]``.

    The update URL comes from the fragment (relative to the query URL), else from
    ``$KG_SPARQL_UPDATE_URL``, else it is the query URL.

    >>> _sparql_endpoints("http://h:3030/kg/query#update=update")
    ('http://h:3030/kg/query', 'http://h:3030/kg/update')
    """
    url, _, fragment = location.strip().partition("#")
    example = "e.g. sparql:http://localhost:8890/sparql"
    if not url:
        raise StoreError(f"a sparql: store needs the URL of a SPARQL endpoint, {example}")
    update = None
    if fragment:
        options = urllib.parse.parse_qs(fragment, keep_blank_values=True)
        unknown = sorted(set(options) - {"update"})
        if unknown or not options:
            raise StoreError(
                f"unknown option {', '.join(unknown) or fragment!r} after '#' in the store URI; "
                "the only one is update=URL (the SPARQL update endpoint)"
            )
        update = options["update"][-1]
    update = urllib.parse.urljoin(url, update or os.environ.get("KG_SPARQL_UPDATE_URL") or url)
    for endpoint in (url, update):
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(f"{endpoint!r} is not an http(s) URL of a SPARQL endpoint, {example}")
        if parts.username is not None or parts.password is not None:
            raise StoreError(
                "put credentials in KG_SPARQL_USER and KG_SPARQL_PASSWORD, not in the store URL"
            )
    return url, update


def _sparql_timeout() -> float:
    text = os.environ.get("KG_SPARQL_TIMEOUT", "").strip()
    if not text:
        return _SPARQL_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise StoreError(f"KG_SPARQL_TIMEOUT={text!r} is not a positive number of seconds")
    return seconds


@cache
def _query_prefixes() -> tuple[tuple[str, str], ...]:
    """The prefixes queries may use undeclared, as on the embedded store (kg:, rdfs:, …)."""
    graph = bind_namespaces(Graph())
    return tuple(
        (prefix, str(ns)) for prefix, ns in graph.namespaces() if prefix and prefix != "xml"
    )


def _import_term(term: Node) -> str:
    if isinstance(term, BNode):
        return f"_:{bnode_label(str(term))}"
    return _sparql_term(term)


@register_backend("sparql")
class SparqlStore(Store):
    """A SPARQL 1.1 server over HTTP: Virtuoso, Fuseki, GraphDB, Oxigraph server, ….

    ``sparql:URL`` names the query endpoint. Updates go to the same URL unless the URI's
    fragment names another (``sparql:http://host/kg/query#update=update``, relative to
    the query URL) or ``$KG_SPARQL_UPDATE_URL`` does. ``$KG_SPARQL_USER`` and
    ``$KG_SPARQL_PASSWORD`` answer HTTP basic or digest challenges, and
    ``$KG_SPARQL_TIMEOUT`` is how many seconds to wait for an answer (default 120).

    Queries run over the server's default graph, which must be the union of its named
    graphs (Virtuoso's is; Fuseki needs ``unionDefaultGraph``, Oxigraph server
    ``--union-default-graph``). Each document is replaced by one update request, one
    transaction on the server. Requests are POSTed, so their size is not bound by URL
    limits. Answers a server cuts off at its row limit are fetched again page by page;
    ``self.dataset`` is a read-only rdflib view of the server's named graphs.
    """

    def __init__(self, location: str, *, read_only: bool = False, create: bool = True) -> None:
        query_url, update_url = _sparql_endpoints(location)
        super().__init__(f"sparql:{query_url}", read_only=read_only)
        self.query_url = query_url
        self.update_url = update_url
        user = os.environ.get("KG_SPARQL_USER") or None
        password = os.environ.get("KG_SPARQL_PASSWORD")
        if password and user is None:
            raise StoreError("KG_SPARQL_PASSWORD is set but KG_SPARQL_USER is not")
        self._http = SparqlHttp(
            [query_url, update_url], user=user, password=password, timeout=_sparql_timeout()
        )
        self._virtuoso_errors = False
        self.dataset = bind_namespaces(Dataset(store=_SparqlView(self), default_union=True))
        self._check_server()

    @property
    def virtuoso(self) -> bool:
        """Whether the server is Virtuoso (whose quirks the store works around): its
        ``Server`` header says so, or, behind a proxy, one of its error messages did."""
        return self._virtuoso_errors or "virtuoso" in self._http.server.lower()

    def _check_server(self) -> None:
        """Reach the server once, and check that its default graph shows the named ones."""
        claim, ontology = _sparql_term(KG.Claim), _sparql_term(ONTOLOGY_GRAPH)
        apart = self._ask(
            f"ASK {{ GRAPH {ontology} {{ {claim} ?p ?o }} FILTER NOT EXISTS {{ {claim} ?p ?o }} }}"
        )
        if apart:
            raise StoreError(
                f"the default graph of the SPARQL server at {self.query_url} is not the union "
                "of its named graphs, which kg queries need (Fuseki: unionDefaultGraph; "
                "Oxigraph server: --union-default-graph)"
            )

    # -- requests --

    def _refusal(self, error: RequestRejected, url: str, what: str) -> StoreError:
        """A StoreError that says why the server refused a request, and what to do."""
        status, message = error.status, error.message
        if status == 401:
            if self._http.user is None:
                return StoreError(
                    f"the SPARQL server at {url} wants credentials (HTTP 401): "
                    "set KG_SPARQL_USER and KG_SPARQL_PASSWORD"
                )
            return StoreError(
                f"the SPARQL server at {url} refused the credentials of "
                f"KG_SPARQL_USER={self._http.user!r} (HTTP 401)"
            )
        if status == 404:
            return StoreError(f"there is no SPARQL endpoint at {url} (HTTP 404)")
        lowered = message.lower()
        if status == 403 or "sr186" in lowered or "permission" in lowered:
            hint = ""
            if what == "update":
                hint = (
                    "; on Virtuoso grant SPARQL_UPDATE to the SPARQL user, or use the "
                    "/sparql-auth endpoint with KG_SPARQL_USER and KG_SPARQL_PASSWORD"
                )
            return StoreError(
                f"the SPARQL server at {url} does not allow this {what} "
                f"(HTTP {status}): {message}{hint}"
            )
        if status in (502, 503, 504):
            return StoreError(f"the SPARQL server at {url} is unavailable (HTTP {status})")
        return StoreError(
            f"the SPARQL server at {url} refused the {what} (HTTP {status}): {message}"
        )

    def _post_query(self, text: str, accept: str, *, mine: bool) -> Answer:
        """POST a query. A refusal of a query of ours is a StoreError; of a caller's query
        it stays a :class:`RequestRejected` unless it is about access or availability."""
        try:
            answer = self._http.post(self.query_url, {"query": text}, accept)
        except RequestRejected as error:
            if mine or error.status in (401, 403, 404, 502, 503, 504):
                raise self._refusal(error, self.query_url, "query") from None
            raise
        state = answer.headers.get("X-SQL-State")
        if state:
            # Virtuoso's "anytime" answers: what it found before its time limit ran out.
            detail = answer.headers.get("X-SQL-Message", state)
            raise StoreError(
                f"the SPARQL server at {self.query_url} returned a partial answer ({detail}); "
                "on Virtuoso raise MaxQueryExecutionTime in the [SPARQL] section of virtuoso.ini"
            )
        return answer

    def _rows(
        self, answer: Answer, *, names_only: bool = False
    ) -> tuple[list[str], list[dict[str, Node]], bool | None]:
        if answer.content_type in ("application/sparql-results+xml", "application/xml"):
            parsed = Result.parse(io.BytesIO(answer.body), format="xml")
            if parsed.type == "ASK":
                return [], [], bool(parsed.askAnswer)
            names = [str(v) for v in parsed.vars or ()]
            rows = [
                {str(k): BNode(bnode_label(str(v))) if isinstance(v, BNode) else v
                 for k, v in binding.items()}
                for binding in parsed.bindings
            ]  # fmt: skip
            return names, rows, None
        return json_rows(answer.body, names_only=names_only)

    def _ask(self, text: str, *, mine: bool = True) -> bool:
        answer = self._post_query(
            text, f"{SELECT_TYPE}, application/sparql-results+xml;q=0.5", mine=mine
        )
        _, _, boolean = self._rows(answer)
        return bool(boolean)

    def _select(self, text: str, *, mine: bool = True) -> tuple[list[str], list[dict[str, Node]]]:
        """Run a SELECT query; an answer cut off at the server's row limit is read again
        in pages."""
        answer = self._post_query(
            text, f"{SELECT_TYPE}, application/sparql-results+xml;q=0.5", mine=mine
        )
        limit = (answer.headers.get("X-SPARQL-MaxRows") or "").strip()
        if not limit.isdigit():
            names, rows, _ = self._rows(answer)
            return names, rows
        # Virtuoso says it cut the answer off: read it again in pages, and only take the
        # column names from this one.
        names, _, _ = self._rows(answer, names_only=True)
        return names, self._pages(text, names, int(limit), mine=mine)

    def _pages(
        self, text: str, names: Sequence[str], size: int, *, mine: bool
    ) -> list[dict[str, Node]]:
        """Read a SELECT answer page by page, the server returning at most ``size`` rows.

        Virtuoso (``ResultSetMaxRows``) sends the first rows and a header saying it cut
        them off. Pages are slices of the query as a subquery in a total order (its own
        ORDER BY, then every projected variable), so they neither overlap nor leave gaps;
        the row count is checked against the server's own count.
        """
        shape = query_shape(text)
        if shape.form != "SELECT" or shape.where_close is None:
            raise StoreError(
                f"the SPARQL server at {self.query_url} cut the answer off at {size} rows"
            )
        prologue, body = text[: shape.body], text[shape.body :]
        keys = " ".join(f"?{name}" for name in names)
        if shape.order_by is not None:
            # Its own order first, then every column, to break ties the same way each time.
            at = shape.modifiers if shape.modifiers is not None else len(text)
            ordered = f"{text[shape.body : at]}\n{keys}\n{text[at:]}"
        else:
            # Ordered around the query, not inside it: Virtuoso sorts at most 10,000 rows
            # (MaxSortedTopRows) when a query has both ORDER BY and LIMIT.
            ordered = f"SELECT * WHERE {{\n{{\n{body}\n}}\n}}\nORDER BY {keys}"
        _, counted = self._select(
            f"{prologue}SELECT (COUNT(*) AS ?kgRows) WHERE {{\n{{\n{body}\n}}\n}}", mine=mine
        )
        expected = int(counted[0]["kgRows"].toPython()) if counted else 0
        rows: list[dict[str, Node]] = []
        while len(rows) < expected:
            page_text = (
                f"{prologue}SELECT * WHERE {{\n{{\n{ordered}\n}}\n}}\n"
                f"LIMIT {size} OFFSET {len(rows)}"
            )
            _, page, _ = self._rows(
                self._post_query(
                    page_text, f"{SELECT_TYPE}, application/sparql-results+xml;q=0.5", mine=mine
                )
            )
            rows += page
            if len(page) < size:
                break
        if len(rows) != expected:
            raise StoreError(
                f"the SPARQL server at {self.query_url} gave {len(rows)} rows page by page "
                f"but counts {expected}; the store changed while it was read, try again"
            )
        logger.debug("read %d rows in pages of %d", len(rows), size)
        return rows

    def _update(self, text: str) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.location} was opened read-only")
        # Without the DEFINE, Virtuoso compiles INSERT DATA into SQL text line by line and
        # gives up past about 1,500 triples ("exceeded 10000 lines of code"). With it,
        # Virtuoso hides some errors (a user without update rights, …) behind "add 'define
        # sql:big-data-const 0'", and the plain request tells why. Either way the refused
        # request changed nothing: Virtuoso refuses it before running any of it.
        big = "DEFINE sql:big-data-const 1\n"
        defined = self.virtuoso
        try:
            self._http.post_update(self.update_url, big + text if defined else text)
            return
        except RequestRejected as error:
            failure = error
        if not defined and failure.message.startswith("Virtuoso "):
            self._virtuoso_errors = True  # behind a proxy that hides its Server header
        retry = (defined and "big-data-const 0" in failure.message) or (
            not defined and self.virtuoso
        )
        if retry:
            try:
                self._http.post_update(self.update_url, text if defined else big + text)
                return
            except RequestRejected as error:
                failure = error
        raise self._refusal(failure, self.update_url, "update")

    def _server_graph(self, graph: Node) -> bool:
        """Whether a graph belongs to the server itself rather than to kg."""
        if not self.virtuoso:
            return False
        iri = str(graph)
        return iri in _VIRTUOSO_GRAPHS or _VIRTUOSO_HOST_GRAPH.match(iri) is not None

    def _quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: Node | None = None,
    ) -> Iterator[tuple[Node, Node, Node, Node]]:
        """The quads matching a pattern, in kg's graphs (not the server's own)."""
        given = {"s": subject, "p": predicate, "o": obj, "g": graph}
        if any(isinstance(term, BNode) for term in given.values()):
            return  # a server's blank nodes cannot be named in a query
        pattern = {k: f"?{k}" if t is None else _sparql_term(t) for k, t in given.items()}
        where = f"GRAPH {pattern['g']} {{ {pattern['s']} {pattern['p']} {pattern['o']} }}"
        unbound = [k for k, t in given.items() if t is None]
        projection = " ".join(f"?{k}" for k in unbound) or "(1 AS ?found)"
        _, rows = self._select(f"SELECT {projection} WHERE {{ {where} }}")
        for row in rows:
            s, p, o, g = (given[k] if given[k] is not None else row[k] for k in "spog")
            if not self._server_graph(g):
                yield s, p, o, g

    # -- backend primitives --

    def _replace(
        self,
        graph: URIRef,
        triples: Sequence[Triple],
        actors: Sequence[URIRef],
        actor_triples: Sequence[Triple],
    ) -> None:
        # One request: the server runs it as one transaction, so readers and a crash see
        # the old document or the new one, never a mix.
        self._update(_replace_update(graph, triples, actors, actor_triples))

    def _drop(self, graph: URIRef) -> None:
        self._update(f"DROP SILENT GRAPH {_sparql_term(graph)}")

    def _query(self, sparql: str, bindings: Mapping[str, Identifier]) -> Result:
        # Only one SPARQL 1.1 query gets through: Virtuoso would run an update sent as a
        # query, and rdflib's parser refuses updates and trailing text.
        parseQuery(sparql)
        shape = query_shape(sparql)
        if shape.form is None:
            raise ValueError("not a SPARQL query")
        if bindings:
            if shape.where_open is None or shape.short_construct:
                raise QueryError("values can only be bound in a query with a WHERE { … } group")
            names = list(bindings)
            values = (
                "VALUES (" + " ".join(f"?{n}" for n in names) + ") { ("
                + " ".join(_sparql_term(bindings[n]) for n in names) + ") }"
            )  # fmt: skip
            sparql = f"{sparql[: shape.where_open]}\n{values}\n{sparql[shape.where_open :]}"
        prefixes = "".join(
            f"PREFIX {prefix}: <{ns}>\n"
            for prefix, ns in _query_prefixes()
            if prefix not in shape.declared
        )
        text = prefixes + sparql
        if shape.form == "ASK":
            result = Result("ASK")
            result.askAnswer = self._ask(text, mine=False)
            return result
        if shape.form == "SELECT":
            names, rows = self._select(text, mine=False)
            result = Result("SELECT")
            result.vars = [Variable(name) for name in names]
            result.bindings = [{Variable(k): v for k, v in row.items()} for row in rows]
            return result
        answer = self._post_query(text, GRAPH_TYPES, mine=False)
        graph = Graph()
        graph.parse(data=answer.body, format=GRAPH_PARSERS.get(answer.content_type, "turtle"))
        result = Result(shape.form)
        result.graph = graph
        return result

    def _triples(self, graph: URIRef, subject: Node | None = None) -> Iterable[Triple]:
        return [(s, p, o) for s, p, o, _ in self._quads(subject, None, None, graph)]

    def _subject_triples(self, graph: URIRef, subjects: Sequence[URIRef]) -> Iterable[Triple]:
        found: list[Triple] = []
        for start in range(0, len(subjects), _SUBJECTS_PER_QUERY):
            chunk = " ".join(_sparql_term(s) for s in subjects[start : start + _SUBJECTS_PER_QUERY])
            _, rows = self._select(
                f"SELECT ?s ?p ?o WHERE {{ GRAPH {_sparql_term(graph)} "
                f"{{ VALUES ?s {{ {chunk} }} ?s ?p ?o }} }}"
            )
            found += [(row["s"], row["p"], row["o"]) for row in rows]
        return found

    def _load(self, path: Path, fmt: str, to_graph: URIRef | None) -> None:
        # Sent in batches, not one transaction: a server takes only so much per request.
        # Triples outside any named graph go to the file's graph (a server has no
        # default graph of its own to write to).
        default = to_graph or URIRef(path.resolve().as_uri())
        # JSON-LD that names kg's context gets the shipped copy, as on the other backends.
        source = jsonld_input(path) if fmt == "jsonld" else path
        options: dict[str, Any] = {"input": source} if isinstance(source, bytes) else {"path": path}
        parsed: Iterable[ox.Quad] = ox.parse(
            **options,
            format=EXPORT_FORMATS[fmt][1],
            base_iri=path.resolve().as_uri(),
            rename_blank_nodes=True,
        )
        if path.stat().st_size <= _BULK_LOAD_BYTES:
            parsed = list(parsed)  # a syntax error stops the import before anything is sent
        batch: list[tuple[URIRef, Triple]] = []
        blank: list[tuple[URIRef, Triple]] = []
        for quad in parsed:
            name = quad.graph_name
            graph = default if isinstance(name, ox.DefaultGraph) else _from_ox(name)
            if not isinstance(graph, URIRef):
                raise BadInputError(str(path), "a graph named by a blank node cannot be stored")
            triple = (_from_ox(quad.subject), _from_ox(quad.predicate), _from_ox(quad.object))
            if any(isinstance(term, BNode) for term in triple):
                blank.append((graph, triple))
                continue
            batch.append((graph, triple))
            if len(batch) >= _IMPORT_BATCH:
                self._insert(batch)
                batch = []
        if batch:
            self._insert(batch)
        if blank:
            # Virtuoso refuses blank nodes in INSERT DATA; a template over an empty
            # pattern mints them, the same node for the same label within one request.
            by_graph: dict[URIRef, list[Triple]] = {}
            for graph, triple in blank:
                by_graph.setdefault(graph, []).append(triple)
            body = "\n".join(
                f"GRAPH {_sparql_term(g)} {{\n" + "\n".join(_statements(ts, _import_term)) + "\n}"
                for g, ts in by_graph.items()
            )
            self._update(f"INSERT {{\n{body}\n}} WHERE {{}}")

    def _insert(self, quads: Sequence[tuple[URIRef, Triple]]) -> None:
        by_graph: dict[URIRef, list[Triple]] = {}
        for graph, triple in quads:
            by_graph.setdefault(graph, []).append(triple)
        self._update(" ;\n".join(_insert_data(by_graph.items())))

    def _dump(self, output: BinaryIO, fmt: str) -> None:
        copy = ox.Store()
        copy.extend(
            ox.Quad(_ox(s), _ox(p), _ox(o), ox.NamedNode(str(g)))  # type: ignore[arg-type]
            for s, p, o, g in self._quads()
        )
        _dump_oxigraph(copy, output, fmt)

    def __len__(self) -> int:
        _, rows = self._select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        return sum(int(row["n"].toPython()) for row in rows if not self._server_graph(row["g"]))


class _SparqlView(RdflibStore):
    """rdflib's read-only view of a :class:`SparqlStore`, so ``store.dataset`` works as on
    the other backends (``quads``, ``triples``, ``graphs``, ``query``)."""

    context_aware = True
    graph_aware = True
    formula_aware = False
    transaction_aware = False

    def __init__(self, owner: SparqlStore) -> None:
        super().__init__()
        self._owner = owner
        self._prefixes: dict[str, URIRef] = {}
        self._graphs: dict[Node, Graph] = {}

    def _graph(self, identifier: Node) -> Graph:
        graph = self._graphs.get(identifier)
        if graph is None:
            graph = self._graphs[identifier] = Graph(store=self, identifier=identifier)  # type: ignore[arg-type]
        return graph

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[Any]:  # type: ignore[override]
        s, p, o = triple_pattern
        if any(term is not None and not isinstance(term, Node) for term in (s, p, o)):
            raise NotImplementedError("property paths in triple patterns")
        graph = getattr(context, "identifier", context)
        if graph == DATASET_DEFAULT_GRAPH_ID or isinstance(graph, BNode):
            graph = None  # the default graph is the union
        for qs, qp, qo, qg in self._owner._quads(s, p, o, graph):
            yield (qs, qp, qo), iter([self._graph(qg)])

    def contexts(self, triple: Any = None) -> Iterator[Graph]:  # type: ignore[override]
        s, p, o = triple if triple is not None else (None, None, None)
        seen = dict.fromkeys(g for *_, g in self._owner._quads(s, p, o))
        return (self._graph(g) for g in seen)

    def __len__(self, context: Any = None) -> int:
        graph = getattr(context, "identifier", context)
        if graph is None or graph == DATASET_DEFAULT_GRAPH_ID:
            return len(self._owner)
        return sum(1 for _ in self._owner._quads(None, None, None, graph))

    def query(
        self, query: Any, initNs: Any, initBindings: Any, queryGraph: Any, **kwargs: Any
    ) -> Result:  # type: ignore[override]
        if not isinstance(query, str):
            raise NotImplementedError("prepared queries")
        return self._owner._query(query, initBindings or {})

    def add(self, *args: Any, **kwargs: Any) -> None:
        raise StoreError("store.dataset is read-only on a SPARQL server; use the Store methods")

    addN = remove = add_graph = remove_graph = update = add

    def bind(self, prefix: str, namespace: URIRef, override: bool = True) -> None:
        if override or prefix not in self._prefixes:
            for known, value in list(self._prefixes.items()):
                if value == namespace:
                    del self._prefixes[known]
            self._prefixes[prefix] = URIRef(namespace)

    def prefix(self, namespace: URIRef) -> str | None:
        return next((p for p, ns in self._prefixes.items() if ns == namespace), None)

    def namespace(self, prefix: str) -> URIRef | None:
        return self._prefixes.get(prefix)

    def namespaces(self) -> Iterator[tuple[str, URIRef]]:
        yield from self._prefixes.items()


ONTOLOGY_GRAPH = ID["graph/ontology"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):(.*)$", re.DOTALL)


def exists_store(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an embedded kg store (a RocksDB folder Oxigraph made)."""
    folder = Path(path)
    return folder.is_dir() and (folder / "CURRENT").exists()


def open_store(
    uri: str | os.PathLike[str] | None = None, *, read_only: bool = False, create: bool = True
) -> Store:
    """Open the store at ``uri`` (default: ``$KG_STORE``, else ``./kg-store``).

    ``PATH`` or ``oxigraph:PATH`` opens the embedded store, ``memory:`` a throwaway
    in-memory one, ``sparql:URL`` a SPARQL server; the registry :data:`BACKENDS` lists
    every scheme.

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
