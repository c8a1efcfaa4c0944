"""SPARQL over a store, and the result formats people and tools read.

>>> from kg.store import open_store
>>> result = run_query(open_store("memory:"), "SELECT ?s WHERE { ?s ?p ?o }")
>>> print(format_result(result, "tsv"), end="")
?s
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from typing import Literal as TypingLiteral

from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import QueryError
from kg.ontology import bind_namespaces
from kg.store import Store

__all__ = ["FORMATS", "QueryResult", "format_result", "run_query", "shorten"]

ResultFormat = TypingLiteral["table", "csv", "json", "tsv"]
FORMATS: tuple[str, ...] = ("table", "csv", "json", "tsv")


@dataclass
class QueryResult:
    """The materialised answer to a query.

    ``kind`` is ``"SELECT"`` (``variables`` and ``rows``), ``"ASK"`` (``boolean``) or
    ``"CONSTRUCT"`` (``graph``, DESCRIBE included).
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def __iter__(self) -> Iterator[tuple[Node | None, ...]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "SELECT" else len(self.graph or ())


def run_query(store: Store, sparql: str, bindings: Mapping[str, Any] | None = None) -> QueryResult:
    """Run ``sparql`` over the union of the store's graphs; ``bindings`` become RDF terms.

    >>> from kg.store import open_store
    >>> run_query(open_store("memory:"), "ASK { ?s ?p ?o }").boolean
    False
    """
    result = store.query(sparql, bindings)
    if result.type == "ASK":
        return QueryResult("ASK", boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = bind_namespaces(Graph())
        for s, p, o in result.graph or ():
            graph.add((s, p, _plain(o)))
        return QueryResult("CONSTRUCT", graph=graph)
    if result.type != "SELECT":
        raise QueryError(f"unsupported query type {result.type}")
    variables = [str(v) for v in result.vars or ()]
    rows = [tuple(_plain(row.get(v)) for v in (result.vars or ())) for row in result.bindings]
    return QueryResult("SELECT", variables=variables, rows=rows)


def _plain(term: Any) -> Any:
    # Oxigraph (through oxrdflib) types simple literals xsd:string, rdflib's memory store
    # does not; RDF 1.1 says they are the same, so show them the same.
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


@cache
def _prefixes() -> tuple[tuple[str, str], ...]:
    pairs = [(prefix, str(ns)) for prefix, ns in bind_namespaces(Graph()).namespaces() if prefix]
    # Longest namespace first, so kgid: beats a shorter namespace that is its prefix.
    return tuple(sorted(pairs, key=lambda pair: -len(pair[1])))


def shorten(term: Node | None) -> str:
    """A term as a person reads it: ``wd:Q159``, plain literal text, ``""`` if unbound.

    >>> shorten(URIRef("http://www.wikidata.org/entity/Q159"))
    'wd:Q159'
    >>> shorten(Literal("Russia", lang="en"))
    'Russia'
    """
    if term is None:
        return ""
    if isinstance(term, URIRef):
        iri = str(term)
        for prefix, namespace in _prefixes():
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and local and not any(c.isspace() for c in local):
                return f"{prefix}:{local}"
        return f"<{iri}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _table(result: QueryResult) -> str:
    header = result.variables
    # One line per row: newlines inside a value would break the columns.
    cells = [
        [shorten(value).replace("\r", " ").replace("\n", " ") for value in row]
        for row in result.rows
    ]
    widths = [len(name) for name in header]
    for row in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    lines = [
        "  ".join(name.ljust(width) for name, width in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * width for width in widths),
    ]
    lines.extend(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _csv_value(term: Node | None) -> str:
    # SPARQL 1.1 CSV drops datatypes and language tags: IRIs and lexical forms only.
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _csv(result: QueryResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue()


def _nt_string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _tsv_value(term: Node | None) -> str:
    # SPARQL 1.1 TSV writes terms in Turtle/N-Triples syntax.
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    assert isinstance(term, Literal)
    text = _nt_string(str(term))
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype:
        return f"{text}^^<{term.datatype}>"
    return text


def _tsv(result: QueryResult) -> str:
    lines = ["\t".join(f"?{name}" for name in result.variables)]
    lines.extend("\t".join(_tsv_value(v) for v in row) for row in result.rows)
    return "\n".join(lines) + "\n"


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    value: dict[str, str] = {"type": "literal", "value": str(term)}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype:
        value["datatype"] = str(term.datatype)
    return value


def _json(result: QueryResult) -> str:
    bindings = [
        {
            name: _json_term(v)
            for name, v in zip(result.variables, row, strict=True)
            if v is not None
        }
        for row in result.rows
    ]
    document = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


_SELECT_WRITERS = {"table": _table, "csv": _csv, "tsv": _tsv, "json": _json}


def format_result(result: QueryResult, fmt: ResultFormat | str = "table") -> str:
    """Render a result: ``table`` (aligned, prefixed names), SPARQL 1.1 ``csv``, ``tsv``
    or ``json``. ASK gives ``true``/``false``; CONSTRUCT and DESCRIBE give Turtle.

    >>> print(format_result(QueryResult("ASK", boolean=True), "table"), end="")
    true
    """
    if fmt not in _SELECT_WRITERS:
        raise QueryError(f"unknown result format {fmt!r}; choose from {', '.join(FORMATS)}")
    if result.kind == "ASK":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if result.kind == "CONSTRUCT":
        graph = result.graph if result.graph is not None else Graph()
        return graph.serialize(format="turtle")
    return _SELECT_WRITERS[fmt](result)
