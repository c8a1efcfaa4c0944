"""Compact JSON-LD with kg's published context, written as a stream and read offline.

The context (``ontology/context.jsonld``, published as :data:`CONTEXT_IRI`) gives every
term of the ontology a short name and says how to read plain JSON strings: IRIs for
relation properties, terms for ``predicate`` and ``modality``, ``xsd:decimal`` for
``confidence``, ``xsd:date`` for ``date`` and ``eventDate``, English for ``label``. A claim
then reads::

    {"@id": "kgid:claim/3f…", "@type": "Claim", "subject": "wd:Q423",
     "predicate": "sendsTroops", "object": "wd:Q159", "modality": "Hedged",
     "confidence": "0.85", …}

:func:`write_jsonld` writes a dataset graph by graph and node by node, holding one
subject's triples at a time, so its memory does not grow with the dataset. A value that
does not fit a term's coercion (a label in French, a URL that is not an IRI) is written
under the compact IRI of its property with an explicit value object, so every triple
comes back exactly. Numbers are never JSON numbers: lexical forms survive as written.

Reading never touches the network: a document whose ``@context`` names
:data:`CONTEXT_IRI` gets the shipped file instead (:func:`jsonld_input`); any other
remote context is refused with a message that says to embed it.

>>> import io, pyoxigraph as ox
>>> kg = "https://w3id.org/kg-geo/ontology#"
>>> quad = ox.Quad(ox.NamedNode("http://www.wikidata.org/entity/Q423"),
...                ox.NamedNode(kg + "meets"), ox.NamedNode("http://www.wikidata.org/entity/Q159"),
...                ox.NamedNode("https://w3id.org/kg-geo/id/doc/1"))
>>> out = io.BytesIO()
>>> write_jsonld([quad], out, context="reference")
>>> print(out.getvalue().decode())
{
  "@context": "https://w3id.org/kg-geo/context.jsonld",
  "@graph": [
    {"@id": "kgid:doc/1", "@graph": [
      {"@id": "wd:Q423", "meets": "wd:Q159"}
    ]}
  ]
}
<BLANKLINE>
>>> [str(q) == str(quad) for q in ox.parse(jsonld_input(out.getvalue()), ox.RdfFormat.JSON_LD)]
[True]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, Literal

import pyoxigraph as ox

from kg.ontology import ONTOLOGY_PATH

__all__ = [
    "CONTEXT_IRI",
    "CONTEXT_PATH",
    "ContextMode",
    "context_document",
    "jsonld_input",
    "write_jsonld",
]

CONTEXT_IRI = "https://w3id.org/kg-geo/context.jsonld"
CONTEXT_PATH: Path = ONTOLOGY_PATH.with_name("context.jsonld")

ContextMode = Literal["embed", "reference"]

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# In JSON-LD 1.1 a term is a prefix when its IRI ends with a general delimiter.
_GEN_DELIMS = (":", "/", "?", "#", "[", "]", "@")
_FLUSH_BYTES = 1 << 16


@cache
def context_document() -> dict[str, Any]:
    """The shipped context document, ``{"@context": {…}}`` (cached; do not modify)."""
    try:
        return json.loads(CONTEXT_PATH.read_text("utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"kg's JSON-LD context is missing at {CONTEXT_PATH}; reinstall kg"
        ) from None


# --- choosing terms -------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    name: str
    coercion: str | None  # "@id", "@vocab", a datatype IRI, or None
    language: str | None


@dataclass(frozen=True)
class _Compactor:
    prefixes: tuple[tuple[str, str], ...]  # (namespace, prefix), longest namespace first
    properties: dict[str, tuple[_Term, ...]]  # IRI → terms that expand to it
    names: dict[str, str]  # IRI → a plain term (for @type and @vocab values)

    def iri(self, iri: str) -> str:
        """A compact IRI (``wd:Q159``) when a prefix fits, else the IRI itself."""
        for namespace, prefix in self.prefixes:
            if iri.startswith(namespace):
                rest = iri[len(namespace) :]
                if rest and not rest.startswith("//"):
                    return f"{prefix}:{rest}"
                break
        return iri

    def vocab(self, iri: str) -> str:
        """A term when one names ``iri``, else its compact IRI."""
        return self.names.get(iri) or self.iri(iri)


def _expand(value: str, prefixes: dict[str, str]) -> str:
    prefix, sep, rest = value.partition(":")
    if sep and prefix in prefixes and not rest.startswith("//"):
        return prefixes[prefix] + rest
    return value


@cache
def _compactor() -> _Compactor:
    terms: dict[str, Any] = context_document()["@context"]
    prefixes = {
        name: value
        for name, value in terms.items()
        if isinstance(value, str) and not name.startswith("@") and value.endswith(_GEN_DELIMS)
    }
    properties: dict[str, list[_Term]] = {}
    names: dict[str, str] = {}
    for name, value in terms.items():
        if name.startswith("@") or name in prefixes:
            continue
        if isinstance(value, str):
            iri, coercion, language = _expand(value, prefixes), None, None
        else:
            iri = _expand(value["@id"], prefixes)
            coercion = value.get("@type")
            if coercion not in (None, "@id", "@vocab"):
                coercion = _expand(coercion, prefixes)
            language = value.get("@language")
        properties.setdefault(iri, []).append(_Term(name, coercion, language))
        names.setdefault(iri, name)
    ordered = tuple(sorted(((ns, p) for p, ns in prefixes.items()), key=lambda x: -len(x[0])))
    return _Compactor(ordered, {k: tuple(v) for k, v in properties.items()}, names)


def _plain_value(term: Any, compactor: _Compactor) -> Any:
    """A value written without help from a term definition."""
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return {"@id": _node_id(term, compactor)}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == _XSD_STRING:
        return term.value
    return {"@value": term.value, "@type": compactor.iri(term.datatype.value)}


def _fits(term: _Term, value: Any) -> bool:
    if term.coercion in ("@id", "@vocab"):
        return isinstance(value, ox.NamedNode) or (
            term.coercion == "@id" and isinstance(value, ox.BlankNode)
        )
    if not isinstance(value, ox.Literal):
        return term.coercion is None and term.language is None
    if term.language is not None:
        return value.language == term.language
    if term.coercion is not None:
        return not value.language and value.datatype.value == term.coercion
    return True


def _entry(predicate: str, value: Any, compactor: _Compactor) -> tuple[str, Any]:
    """The key and JSON value for one triple's predicate and object."""
    for term in compactor.properties.get(predicate, ()):
        if not _fits(term, value):
            continue
        if term.coercion == "@id":
            return term.name, _node_id(value, compactor)
        if term.coercion == "@vocab":
            return term.name, compactor.vocab(value.value)
        if term.coercion is not None or term.language is not None:
            return term.name, value.value
        return term.name, _plain_value(value, compactor)
    return compactor.iri(predicate), _plain_value(value, compactor)


def _node(subject: Any, triples: list[tuple[Any, Any]], compactor: _Compactor) -> dict[str, Any]:
    node: dict[str, Any] = {"@id": _node_id(subject, compactor)}
    types: list[str] = []
    entries: dict[str, list[Any]] = {}
    for predicate, value in triples:
        if predicate.value == _RDF_TYPE and isinstance(value, ox.NamedNode):
            types.append(compactor.vocab(value.value))
        elif predicate.value == _RDF_TYPE and isinstance(value, ox.BlankNode):
            types.append(_node_id(value, compactor))
        else:
            key, item = _entry(predicate.value, value, compactor)
            entries.setdefault(key, []).append(item)
    if types:
        node["@type"] = types[0] if len(types) == 1 else sorted(types)
    for key in sorted(entries):
        values = entries[key]
        node[key] = values[0] if len(values) == 1 else values
    return node


# --- writing --------------------------------------------------------------------------


def _by_subject(quads: Iterable[ox.Quad]) -> Iterator[tuple[Any, Any, list[tuple[Any, Any]]]]:
    """(graph, subject, [(predicate, object)]) for each run of quads that share them."""
    graph = subject = None
    run: list[tuple[Any, Any]] = []
    for quad in quads:
        if run and (quad.graph_name != graph or quad.subject != subject):
            yield graph, subject, run
            run = []
        graph, subject = quad.graph_name, quad.subject
        run.append((quad.predicate, quad.object))
    if run:
        yield graph, subject, run


def write_jsonld(
    quads: Iterable[ox.Quad], output: BinaryIO, *, context: ContextMode = "embed"
) -> None:
    """Write ``quads`` as compact JSON-LD to ``output``.

    Quads should come grouped by graph and, within a graph, by subject (as a store's
    indexes give them); any order is still correct, only less compact: a graph or a
    subject that turns up again gets another object with the same ``@id``, which JSON-LD
    merges. ``context="embed"`` puts the context in the file, so any JSON-LD processor
    reads it offline; ``"reference"`` writes :data:`CONTEXT_IRI` instead.
    """
    compactor = _compactor()
    if context == "embed":
        head = json.dumps(context_document()["@context"], indent=2, ensure_ascii=False)
        head = head.replace("\n", "\n  ")
    elif context == "reference":
        head = json.dumps(CONTEXT_IRI)
    else:
        raise ValueError(f"context must be 'embed' or 'reference', not {context!r}")
    out = _Chunks(output)
    out.add('{\n  "@context": ' + head + ',\n  "@graph": [')
    top_count = 0  # objects written in the top-level "@graph"
    in_graph: Any = None  # the named graph whose "@graph" array is open
    graph_count = 0  # nodes written in it
    for graph, subject, triples in _by_subject(quads):
        if in_graph is not None and graph != in_graph:
            out.add("\n    ]}")
            in_graph = None
        text = json.dumps(_node(subject, triples, compactor), ensure_ascii=False)
        if isinstance(graph, ox.DefaultGraph):
            out.add(("," if top_count else "") + "\n    " + text)
            top_count += 1
            continue
        if in_graph is None:
            name = json.dumps(_node_id(graph, compactor), ensure_ascii=False)
            out.add(("," if top_count else "") + '\n    {"@id": ' + name + ', "@graph": [')
            top_count += 1
            in_graph, graph_count = graph, 0
        out.add(("," if graph_count else "") + "\n      " + text)
        graph_count += 1
    if in_graph is not None:
        out.add("\n    ]}")
    out.add("\n  ]\n}\n")
    out.flush()


def _node_id(term: Any, compactor: _Compactor) -> str:
    if isinstance(term, ox.NamedNode):
        return compactor.iri(term.value)
    return f"_:{term.value}"


class _Chunks:
    """Text gathered into writes of about 64 KiB."""

    def __init__(self, output: BinaryIO) -> None:
        self._output = output
        self._parts: list[str] = []
        self._size = 0

    def add(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._size > _FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        self._output.write("".join(self._parts).encode("utf-8"))
        self._parts.clear()
        self._size = 0


def store_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """Every quad of an Oxigraph store, the default graph first, then graph by graph, so
    that :func:`write_jsonld` writes each graph once."""
    yield from store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    for graph in store.named_graphs():
        yield from store.quads_for_pattern(None, None, None, graph)


# --- reading --------------------------------------------------------------------------

_CONTEXT_BYTES = CONTEXT_IRI.encode("utf-8")


def _mentions_context(source: Path | bytes) -> bool:
    if isinstance(source, bytes):
        return _CONTEXT_BYTES in source
    overlap = len(_CONTEXT_BYTES) - 1
    tail = b""
    with source.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            if _CONTEXT_BYTES in tail + chunk:
                return True
            tail = chunk[-overlap:]
    return False


_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def _resolve_contexts(node: Any) -> Any:
    if isinstance(node, list):
        return [_resolve_contexts(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: _local_context(value) if key == "@context" else _resolve_contexts(value)
        for key, value in node.items()
    }


def _local_context(value: Any) -> Any:
    if isinstance(value, list):
        return [_local_context(item) for item in value]
    if isinstance(value, str):
        if value == CONTEXT_IRI:
            return context_document()["@context"]
        if _REMOTE.match(value):
            raise ValueError(
                f"the remote JSON-LD context <{value}> cannot be fetched (kg works offline); "
                f"embed it in the file, or use kg's context <{CONTEXT_IRI}>"
            )
    if isinstance(value, dict):
        # Scoped contexts inside term definitions may reference contexts too.
        return {
            key: _local_context(item) if key == "@context" else _resolve_contexts(item)
            for key, item in value.items()
        }
    return value


def jsonld_input(source: Path | bytes) -> Path | bytes:
    """``source`` ready for a JSON-LD parser that must not go online.

    A document that mentions :data:`CONTEXT_IRI` is parsed and comes back as bytes with
    the shipped context in place of each reference to it; any other document comes back
    as it is (a file stays a path, so the parser can stream it). Other remote contexts
    raise :class:`ValueError`, as the parser would, but with a message that says why.
    """
    if not _mentions_context(source):
        return source
    raw = source.read_bytes() if isinstance(source, Path) else source
    try:
        document = json.loads(raw)
    except ValueError as error:
        raise ValueError(f"not valid JSON: {error}") from None
    return json.dumps(_resolve_contexts(document), ensure_ascii=False).encode("utf-8")
