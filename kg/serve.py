"""``kg serve``: the store as a read-only SPARQL 1.1 Protocol endpoint, on the standard
library's HTTP server.

:func:`make_server` returns a :class:`SparqlServer` (a ``ThreadingHTTPServer``) over an
open embedded Oxigraph store; the ``kg serve`` command and the tests both use it. Pages:

- ``/sparql`` — queries by ``GET ?query=…``, by ``POST`` of a form (``query=…``) or of an
  ``application/sparql-query`` body. ``default-graph-uri`` and ``named-graph-uri`` set
  the dataset as the protocol says; without them (and without ``FROM``) the default graph
  is the union of every graph, as in ``kg query``, whose prefixes (``kg:``, ``wd:``,
  ``rdfs:``…) are predeclared here too. The ``Accept`` header picks the format (a
  ``format=`` parameter overrides it): SELECT and ASK answer in SPARQL JSON (the default),
  XML, CSV or TSV; CONSTRUCT and DESCRIBE in Turtle (the default), N-Triples, JSON-LD or
  RDF/XML. Nothing acceptable gives 406.
- ``/`` — the interactive graph page of ``kg viz``, drawn on first request and cached (the
  store cannot change while it is served: it is locked by this process).
- ``/health`` — a small JSON status.

What the server promises, and how:

- **Read-only.** SPARQL Update is refused with 403 before the store is touched (an
  ``update`` parameter, an ``application/sparql-update`` body, or query text whose first
  keyword is INSERT, DELETE, LOAD…); the store is only ever called through Oxigraph's
  *query* entry point, whose parser cannot express an update. ``kg serve`` opens the store
  read-only as well.
- **No outbound requests.** Oxigraph would run ``SERVICE`` clauses by fetching from other
  servers; any query containing the letters ``service`` (any case, anywhere, even in a
  string) is refused with 403, because a lexical check that skipped strings could be
  fooled. A string or IRI that needs the word can spell one letter as an escape
  (``"serv\\u0069ce"``).
- **Bounded answers.** A SELECT may return at most ``max_rows`` rows and a CONSTRUCT or
  DESCRIBE at most ``max_rows`` triples; a larger answer is *refused* with 400 and a
  message naming the limit, never silently cut short (a truncated answer looks like a
  complete one to every client that does not read headers). Add a ``LIMIT``.
- **Bounded waiting.** Each query runs in a worker thread and the client waits at most
  ``timeout`` seconds (waiting for a free worker included), then gets 503. Rows are read
  one by one and the deadline is checked between them, so a query that *streams* results
  stops on time. But a single step inside Oxigraph (an aggregate, an ``ORDER BY``, a
  join that finds no rows) cannot be interrupted from Python: its worker runs on until
  Oxigraph returns, holding one of ``max_queries`` worker slots (and one core; Oxigraph
  releases the GIL, so other requests keep being served). When every slot is held, new
  queries wait for one until their own deadline and then get 503; the graph page and
  ``/health`` do not need a slot. So the *response time* is bounded, and so is the number
  of runaway queries, but not the CPU a runaway query burns until it ends.
- **Escaping.** Errors are ``text/plain`` and every response carries
  ``X-Content-Type-Options: nosniff``; results are written by serialisers that escape
  every term. Responses other than the graph page also carry a CSP that forbids
  everything.
- **Loopback by default.** The default address is 127.0.0.1; while bound to a loopback
  address the server answers only requests whose ``Host`` is a loopback name or address,
  which defeats DNS-rebinding pages. There is no authentication and no TLS: put a reverse
  proxy in front before exposing it (see SECURITY.md).
- **CORS** is off unless ``cors_origin`` is given (``"*"`` or one origin); ``OPTIONS``
  preflight requests are answered either way.

Each request is logged as one line (client, method, path without the query string,
status, milliseconds, and the reason of an error) to ``access_log`` (standard error by
default); tracebacks only go to the ``kg.serve`` logger at DEBUG level.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import logging
import re
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, TextIO
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _xml_quoteattr

import pyoxigraph as ox

from kg.errors import KgError
from kg.store import OxigraphStore, Store

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_MAX_QUERIES",
    "DEFAULT_MAX_ROWS",
    "DEFAULT_PORT",
    "DEFAULT_TIMEOUT",
    "MAX_REQUEST_BYTES",
    "ServeError",
    "SparqlServer",
    "make_server",
]

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_QUERIES = 4
MAX_REQUEST_BYTES = 1024 * 1024
"""The largest POST body accepted (413 above it); GET URLs stop at http.server's 64 KiB."""

_PAGE_TITLE = "kg — geopolitical relations"
_SOCKET_TIMEOUT = 60.0  # seconds a client may stall while sending or receiving
_LOG_FIELD_MAX = 300
_DRAIN_MAX_BYTES = 16 * MAX_REQUEST_BYTES  # a refused body up to this size is still read

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
_PLAIN_DATATYPES = {_XSD_STRING, _RDF_LANG_STRING, _RDF_DIR_LANG_STRING}

# Prefixes written in Turtle and RDF/XML answers (a query may use every prefix kg binds).
_OUTPUT_PREFIXES = ("kg", "kgid", "wd", "prov", "dcterms", "schema", "skos", "owl", "rdf")
_OUTPUT_PREFIXES += ("rdfs", "xsd")


class ServeError(KgError):
    """The server cannot start: a bad setting, a store it cannot serve, a busy port."""


# --- formats and content negotiation ---------------------------------------------------


@dataclass(frozen=True)
class _Format:
    key: str
    media_type: str
    names: tuple[str, ...]  # values of the format= parameter
    aliases: tuple[str, ...] = ()  # other media types a client may ask it by


_RESULT_FORMATS: tuple[_Format, ...] = (
    _Format("json", "application/sparql-results+json", ("json", "srj"), ("application/json",)),
    _Format(
        "xml", "application/sparql-results+xml", ("xml", "srx"), ("application/xml", "text/xml")
    ),
    _Format("csv", "text/csv", ("csv",)),
    _Format("tsv", "text/tab-separated-values", ("tsv",)),
)
_GRAPH_FORMATS: tuple[_Format, ...] = (
    _Format(
        "turtle",
        "text/turtle",
        ("turtle", "ttl"),
        ("application/turtle", "application/x-turtle"),
    ),
    _Format("nt", "application/n-triples", ("nt", "ntriples", "n-triples")),
    _Format(
        "jsonld",
        "application/ld+json",
        ("jsonld", "json-ld", "json"),
        ("application/json", "application/x-json+ld"),
    ),
    _Format(
        "rdfxml",
        "application/rdf+xml",
        ("rdfxml", "rdf+xml", "rdf", "xml"),
        ("application/xml", "text/xml"),
    ),
)
_ASK_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
_FORMAT_WORDS = frozenset(
    word
    for fmt in (*_RESULT_FORMATS, *_GRAPH_FORMATS)
    for word in (*fmt.names, fmt.media_type, *fmt.aliases)
)


def _accept_ranges(header: str) -> list[tuple[str, str, float]]:
    """The media ranges of an Accept header as (type, subtype, q); bad ones are skipped."""
    ranges = []
    for part in header.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        main, slash, sub = media.lower().partition("/")
        if not slash or not main or not sub:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = -1.0
        if not 0.0 <= quality <= 1.0:  # also false for NaN
            continue
        ranges.append((main, sub, quality))
    return ranges


def _quality(ranges: Sequence[tuple[str, str, float]], media_type: str) -> float | None:
    """The q the most specific matching range gives ``media_type`` (None: no range does)."""
    main, _, sub = media_type.partition("/")
    best: tuple[int, float] | None = None
    for range_main, range_sub, quality in ranges:
        if (range_main, range_sub) == (main, sub):
            specificity = 2
        elif range_main == main and range_sub == "*":
            specificity = 1
        elif (range_main, range_sub) == ("*", "*"):
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, quality)
        elif specificity == best[0]:
            best = (specificity, max(quality, best[1]))
    return None if best is None else best[1]


def _negotiate(accept: str | None, formats: Sequence[_Format]) -> _Format | None:
    """The format the client prefers among ``formats`` (listed in the server's order of
    preference, which breaks ties); the first one without a usable Accept header."""
    ranges = _accept_ranges(accept) if accept else []
    if not ranges:
        return formats[0]
    chosen, chosen_quality = None, 0.0
    for fmt in formats:
        # Wildcards select by the canonical type; an alias counts only when named.
        qualities = [_quality(ranges, fmt.media_type)]
        qualities += [q for main, sub, q in ranges if f"{main}/{sub}" in fmt.aliases]
        quality = max((q for q in qualities if q is not None), default=0.0)
        if quality > chosen_quality:
            chosen, chosen_quality = fmt, quality
    return chosen


def _named_format(words: Sequence[str], formats: Sequence[_Format]) -> _Format | None:
    """The first of the ``format=`` words that names one of ``formats``."""
    for word in words:
        for fmt in formats:
            if word in fmt.names or word == fmt.media_type or word in fmt.aliases:
                return fmt
    return None


# --- looking at the query text ------------------------------------------------------------

# Enough of SPARQL's lexical grammar to find the query form and FROM clauses: strings (as
# the grammar defines them), IRIs, comments, variables and words. A misreading only
# costs the client who wrote the odd query a worse error message; nothing safety-relevant
# depends on it (updates cannot run through Oxigraph's query parser, and SERVICE is
# refused by a plain substring test).
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
               |\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
               |'(?:[^'\\\r\n]|\\.)*'
               |"(?:[^"\\\r\n]|\\.)*")
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<var>[?$][^\s(){}\[\],;.<>"'=!|&+*/^\#?$]+)
    | (?P<word>[^\s(){}\[\],;<>"'=!|&+*/^?$\#]+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
_SERVICE = re.compile("service", re.IGNORECASE)


@dataclass(frozen=True)
class _Shape:
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE, or None when unclear
    has_dataset: bool  # the query names its own dataset (FROM / FROM NAMED)


def _inspect(text: str) -> _Shape:
    """The form of a query (its first keyword after the prologue) and whether it has a
    FROM clause, read from its tokens.

    >>> _inspect("PREFIX ex: <http://e/#> select * FROM ex:g { ?s ?p 'FROM' }")
    _Shape(form='SELECT', has_dataset=True)
    >>> _inspect("# a comment\\nINSERT DATA { <a:b> <a:c> <a:d> }").form
    'UPDATE'
    """
    tokens = [
        (match.lastgroup, match.group())
        for match in _TOKEN.finditer(text)
        if match.lastgroup not in ("space", "comment")
    ]
    form: str | None = None
    has_dataset = False
    index = 0
    while index < len(tokens):
        kind, value = tokens[index]
        word = value.upper() if kind == "word" else ""
        if form is None:
            if word == "PREFIX":
                index += 3  # PREFIX name: <iri>
                continue
            if word == "BASE":
                index += 2
                continue
            if word in _QUERY_FORMS:
                form = word
            elif word in _UPDATE_WORDS:
                return _Shape("UPDATE", False)
            else:
                return _Shape(None, False)
        elif word == "FROM":
            has_dataset = True
        index += 1
    return _Shape(form, has_dataset)


# --- writing answers -----------------------------------------------------------------------

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    # XML 1.0 cannot carry most control characters at all: they become U+FFFD. A carriage
    # return is written as a reference, or parsers would read it as a newline.
    return _xml_escape(_XML_INVALID.sub("\ufffd", text), {"\r": "&#13;"})


def _xml_attr(text: str) -> str:
    return _xml_quoteattr(
        _XML_INVALID.sub("\ufffd", text), {"\r": "&#13;", "\n": "&#10;", "\t": "&#9;"}
    )


def _direction(term: ox.Literal) -> str | None:
    direction = getattr(term, "direction", None)
    if direction is None:
        return None
    return str(getattr(direction, "value", direction))


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        value: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            value["xml:lang"] = term.language
            direction = _direction(term)
            if direction:
                value["its:dir"] = direction
        elif term.datatype.value not in _PLAIN_DATATYPES:
            value["datatype"] = term.datatype.value
        return value
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        attributes = ""
        if term.language:
            attributes = f" xml:lang={_xml_attr(term.language)}"
            direction = _direction(term)
            if direction:
                attributes += f" its:dir={_xml_attr(direction)}"
        elif term.datatype.value not in _PLAIN_DATATYPES:
            attributes = f" datatype={_xml_attr(term.datatype.value)}"
        return f"<literal{attributes}>{_xml_text(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    raise TypeError(f"not an RDF term: {term!r}")


_Row = tuple[Any, ...]


def _write_json(variables: list[str], rows: list[_Row]) -> bytes:
    bindings = [
        {
            name: _json_term(term)
            for name, term in zip(variables, row, strict=True)
            if term is not None
        }
        for row in rows
    ]
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _write_xml(variables: list[str], rows: list[_Row]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#"'
        ' xmlns:its="http://www.w3.org/2005/11/its">\n<head>',
        *(f"<variable name={_xml_attr(name)}/>" for name in variables),
        "</head>\n<results>\n",
    ]
    for row in rows:
        out.append("<result>")
        out.extend(
            f"<binding name={_xml_attr(name)}>{_xml_term(term)}</binding>"
            for name, term in zip(variables, row, strict=True)
            if term is not None
        )
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode("utf-8")


def _csv_value(term: Any) -> str:
    # SPARQL 1.1 CSV keeps only IRIs, lexical forms and blank node labels.
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _write_csv(variables: list[str], rows: list[_Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_value(term) for term in row] for row in rows)
    return out.getvalue().encode("utf-8")


def _write_tsv(variables: list[str], rows: list[_Row]) -> bytes:
    # SPARQL 1.1 TSV writes terms as in N-Triples, which Oxigraph's str() gives (with
    # tabs and newlines inside literals escaped).
    lines = ["\t".join(f"?{name}" for name in variables)]
    lines.extend("\t".join("" if term is None else str(term) for term in row) for row in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


_SELECT_WRITERS: dict[str, Callable[[list[str], list[_Row]], bytes]] = {
    "json": _write_json,
    "xml": _write_xml,
    "csv": _write_csv,
    "tsv": _write_tsv,
}


# --- requests, answers and the work between them ---------------------------------------------


class _HttpError(Exception):
    """An answer other than 200, with a plain-text message for the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class _QueryRequest:
    text: str
    shape: _Shape
    result_format: _Format | None
    graph_format: _Format | None
    default_graphs: list[ox.NamedNode] | None = None
    named_graphs: list[ox.NamedNode] | None = None


@dataclass(frozen=True)
class _Reply:
    body: bytes
    media_type: str


@dataclass(eq=False)
class _Job:
    """One query in its worker thread: the handler waits on ``done`` until the deadline,
    the worker checks ``expired()`` between rows."""

    deadline: float
    cancelled: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    reply: _Reply | None = None
    error: _HttpError | None = None

    def expired(self) -> bool:
        return self.cancelled.is_set() or time.monotonic() >= self.deadline


class _Expired(Exception):
    """The worker noticed its deadline passed; nobody waits for its answer any more."""


def _printable(text: str, limit: int = _LOG_FIELD_MAX) -> str:
    """Text safe for a one-line log: control characters escaped, long text cut."""
    cleaned = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _query_prefixes() -> dict[str, str]:
    """The prefixes ``kg query`` predeclares: every namespace kg binds."""
    from rdflib import Graph

    from kg.ontology import bind_namespaces

    return {prefix: str(ns) for prefix, ns in bind_namespaces(Graph()).namespaces() if prefix}


def _draw_graph_page(store: Store) -> str:
    """The graph page of ``kg viz`` with its default filters."""
    from kg.analyze import ClaimFilter, filtered_graph, load_claims
    from kg.viz import graph_html

    claim_filter = ClaimFilter()
    claims, _documents = load_claims(store, claim_filter)
    return graph_html(filtered_graph(claims, claim_filter), title=_PAGE_TITLE)


_CORS_ORIGIN = re.compile(r"^(\*|[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+)$")
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})


def _is_loopback_name(host: str) -> bool:
    name = host.strip().lower().strip("[]")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class SparqlServer(ThreadingHTTPServer):
    """The SPARQL endpoint: a threading HTTP server that owns a small pool of query slots.

    Make one with :func:`make_server`, run it with :meth:`serve_forever` (in a thread of
    its own if the caller must go on) and stop it with :meth:`close`, which is safe
    whether or not it was serving. The store stays open: closing it is the caller's job.
    """

    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(
        self,
        store: OxigraphStore,
        host: str,
        port: int,
        *,
        cors_origin: str | None,
        timeout: float,
        max_rows: int,
        max_queries: int,
        graph_html: str | Callable[[], str] | None,
        access_log: TextIO | Literal["stderr"] | None,
    ) -> None:
        self.store = store
        self.cors_origin = cors_origin
        self.query_timeout = timeout
        self.max_rows = max_rows
        self.max_queries = max_queries
        self.access_log = access_log
        self._oxigraph = store.oxigraph
        self._query_prefixes = _query_prefixes()
        self._output_prefixes = {
            name: iri for name, iri in self._query_prefixes.items() if name in _OUTPUT_PREFIXES
        }
        self._graph_source = graph_html
        self._graph_page: bytes | None = None
        self._graph_lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_queries)
        self._jobs: set[_Job] = set()
        self._idle = threading.Condition()
        self._state_lock = threading.Lock()
        self._serving = False
        self._closed = False
        # An IPv6 literal needs an IPv6 socket; set before the socket is made.
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS look-up of the address (no network)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    # -- what callers read --

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return str(self.server_address[0])

    @property
    def port(self) -> int:
        """The port the server listens on (the real one when 0 was asked for)."""
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:8765/`` (the graph page)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def endpoint(self) -> str:
        """The SPARQL endpoint's URL."""
        return self.url + "sparql"

    @property
    def is_loopback(self) -> bool:
        """Whether only this machine can reach the server."""
        return _is_loopback_name(self.host)

    @property
    def running_queries(self) -> int:
        """Queries whose worker has not finished, abandoned (timed-out) ones included."""
        with self._idle:
            return len(self._jobs)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no query worker runs; ``False`` if ``timeout`` seconds pass first."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._jobs, timeout)

    # -- running and stopping --

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Answer requests until :meth:`close` (or ``shutdown``) is called."""
        with self._state_lock:
            if self._closed:
                return
            self._serving = True
        try:
            super().serve_forever(poll_interval)
        finally:
            with self._state_lock:
                self._serving = False

    def close(self, wait: float = 0.0) -> bool:
        """Stop serving, close the socket and tell running queries to stop at their next
        row; wait up to ``wait`` seconds for their workers. Returns whether none is left
        (a worker stuck inside one Oxigraph step ends when that step does)."""
        with self._state_lock:
            first = not self._closed
            self._closed = True
            serving = self._serving
        if first:
            if serving:
                self.shutdown()
            self.server_close()
            with self._idle:
                for job in self._jobs:
                    job.cancelled.set()
        return self.wait_idle(wait)

    def __exit__(self, *exc: object) -> None:
        self.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One log line instead of socketserver's traceback."""
        error = sys.exc_info()[1]
        logger.debug("request from %s failed", client_address, exc_info=True)
        self.log_line(f"{client_address[0]} - error: {type(error).__name__}: {error}")

    def log_line(self, line: str) -> None:
        """Write one line to the access log (standard error unless told otherwise)."""
        target = sys.stderr if self.access_log == "stderr" else self.access_log
        if target is None:
            return
        with self._log_lock:
            try:
                target.write(_printable(line, 2 * _LOG_FIELD_MAX) + "\n")
                target.flush()
            except (OSError, ValueError):
                pass  # a closed log must not take the server down

    # -- the graph page --

    def graph_page(self) -> bytes:
        """The graph page's bytes, drawn (or taken from ``graph_html``) once."""
        with self._graph_lock:
            if self._graph_page is None:
                source = self._graph_source
                if isinstance(source, str):
                    page = source
                elif source is not None:
                    page = source()
                else:
                    page = _draw_graph_page(self.store)
                self._graph_page = page.encode("utf-8")
            return self._graph_page

    # -- queries --

    def _run_query(self, request: _QueryRequest) -> _Reply:
        """Run a query in a worker thread and wait for its answer until the deadline."""
        deadline = time.monotonic() + self.query_timeout
        if not self._slots.acquire(timeout=self.query_timeout):
            raise _HttpError(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"the server is busy: {self.max_queries} queries are running and none "
                f"finished within {self.query_timeout:g} s; try again later",
                {"Retry-After": "5"},
            )
        job = _Job(deadline)
        with self._idle:
            self._jobs.add(job)
        try:
            worker = threading.Thread(
                target=self._work, args=(job, request), name="kg-serve-query", daemon=True
            )
            worker.start()
        except BaseException:
            self._finish(job)
            raise
        if not job.done.wait(max(0.0, deadline - time.monotonic())):
            job.cancelled.set()
            raise self._timed_out()
        if job.error is not None:
            raise job.error
        assert job.reply is not None
        return job.reply

    def _timed_out(self) -> _HttpError:
        return _HttpError(
            HTTPStatus.SERVICE_UNAVAILABLE,
            f"the query took longer than the server's limit of {self.query_timeout:g} s "
            "and was abandoned; narrow it (fewer patterns, a LIMIT) or ask for a "
            "longer --timeout",
        )

    def _finish(self, job: _Job) -> None:
        with self._idle:
            self._jobs.discard(job)
            self._idle.notify_all()
        self._slots.release()
        job.done.set()

    def _work(self, job: _Job, request: _QueryRequest) -> None:
        # Oxigraph's result iterators must be dropped by the thread that made them, so
        # no traceback (whose frames hold them) may travel to the handler's thread.
        try:
            job.reply = self._evaluate(job, request)
        except _HttpError as error:
            error.__traceback__ = error.__context__ = error.__cause__ = None
            job.error = error
        except _Expired:
            if time.monotonic() >= job.deadline:
                job.error = self._timed_out()  # the handler answers (or has answered) 503
            else:
                job.error = _HttpError(
                    HTTPStatus.SERVICE_UNAVAILABLE, "the server stopped before the query ended"
                )
        except SyntaxError as error:
            job.error = _HttpError(HTTPStatus.BAD_REQUEST, f"malformed SPARQL query: {error}")
        except (ValueError, TypeError, RuntimeError) as error:
            # Oxigraph's evaluation errors (an unbound SERVICE name, a bad argument).
            job.error = _HttpError(HTTPStatus.BAD_REQUEST, f"cannot evaluate the query: {error}")
        except Exception as error:
            logger.debug("query failed", exc_info=True)
            job.error = _HttpError(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                f"the store could not answer: {type(error).__name__}: {error}",
            )
        finally:
            self._finish(job)

    def _evaluate(self, job: _Job, request: _QueryRequest) -> _Reply:
        options: dict[str, Any] = {"prefixes": self._query_prefixes}
        if request.default_graphs is not None or request.named_graphs is not None:
            # The protocol's dataset replaces the query's; what is not given is empty.
            options["default_graph"] = list(request.default_graphs or [])
            options["named_graphs"] = list(request.named_graphs or [])
        elif not request.shape.has_dataset:
            options["use_default_graph_as_union"] = True
        results = self._oxigraph.query(request.text, **options)
        if job.expired():
            raise _Expired
        if isinstance(results, ox.QueryBoolean):
            fmt = self._require(request.result_format, "ASK")
            body = results.serialize(format=_ASK_FORMATS[fmt.key])
            return _Reply(body or b"", fmt.media_type)
        if isinstance(results, ox.QuerySolutions):
            fmt = self._require(request.result_format, "SELECT")
            variables = [variable.value for variable in results.variables]
            rows = self._collect(job, results, "rows", lambda solution: tuple(solution))
            return _Reply(_SELECT_WRITERS[fmt.key](variables, rows), fmt.media_type)
        fmt = self._require(request.graph_format, "CONSTRUCT or DESCRIBE")
        triples = self._collect(job, results, "triples", lambda triple: triple)
        body = ox.serialize(triples, format=_RDF_FORMATS[fmt.key], prefixes=self._output_prefixes)
        return _Reply(body or b"", fmt.media_type)

    def _collect(self, job: _Job, results: Any, unit: str, convert: Callable[[Any], Any]) -> list:
        """Read the answer lazily, checking the deadline and the size limit at each item."""
        items: list[Any] = []
        for item in results:
            if job.expired():
                raise _Expired
            if len(items) >= self.max_rows:
                raise _HttpError(
                    HTTPStatus.BAD_REQUEST,
                    f"the answer has more than {self.max_rows} {unit}, this server's limit "
                    f"(--max-rows); add a LIMIT of at most {self.max_rows}, page with "
                    "OFFSET, or narrow the query",
                )
            items.append(convert(item))
        return items

    @staticmethod
    def _require(fmt: _Format | None, form: str) -> _Format:
        if fmt is None:
            raise _not_acceptable(form)
        return fmt


def _not_acceptable(form: str) -> _HttpError:
    if form in ("SELECT", "ASK"):
        offered = _RESULT_FORMATS
    elif form in ("CONSTRUCT", "DESCRIBE", "CONSTRUCT or DESCRIBE"):
        offered = _GRAPH_FORMATS
    else:
        offered = (*_RESULT_FORMATS, *_GRAPH_FORMATS)
    types = ", ".join(fmt.media_type for fmt in offered)
    return _HttpError(
        HTTPStatus.NOT_ACCEPTABLE,
        f"none of the formats asked for (Accept or format=) fits the answer of this {form}; "
        f"this server writes {types}",
    )


def make_server(
    store: Store,
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    cors_origin: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_queries: int = DEFAULT_MAX_QUERIES,
    graph_html: str | Callable[[], str] | None = None,
    access_log: TextIO | Literal["stderr"] | None = "stderr",
) -> SparqlServer:
    """A read-only SPARQL endpoint over ``store``, bound and ready to ``serve_forever()``.

    ``store`` must be the embedded Oxigraph store (a folder), ideally opened with
    ``read_only=True``; ``port=0`` picks a free port (see :attr:`SparqlServer.url`).
    ``cors_origin`` (``"*"`` or one origin such as ``https://example.org``) turns on
    ``Access-Control-Allow-Origin``. A query may take ``timeout`` seconds and return
    ``max_rows`` rows or triples; ``max_queries`` queries run at once. ``graph_html`` is
    the page served at ``/`` (or a function making it); by default it is drawn from the
    store on first request. ``access_log`` receives one line per request (by default
    standard error, as it is when the line is written; ``None``: no log). The module's
    docstring says what each limit does and does not bound.

    >>> from kg.store import open_store
    >>> make_server(open_store("memory:"))
    Traceback (most recent call last):
    kg.serve.ServeError: kg serve needs the embedded Oxigraph store (a folder), not memory:
    """
    if not isinstance(store, OxigraphStore):
        raise ServeError(
            f"kg serve needs the embedded Oxigraph store (a folder), not {store.location}"
        )
    if not getattr(store, "oxigraph", None):
        raise ServeError(f"the store at {store.location} is closed")
    if cors_origin is not None and not _CORS_ORIGIN.match(cors_origin):
        raise ServeError(
            f"--cors {cors_origin!r}: give '*' or one origin such as https://example.org "
            "(scheme and host, no path)"
        )
    if not timeout > 0:
        raise ServeError(f"the timeout must be a positive number of seconds, not {timeout!r}")
    if max_rows < 1 or max_queries < 1:
        raise ServeError("max_rows and max_queries must be at least 1")
    try:
        return SparqlServer(
            store,
            host,
            port,
            cors_origin=cors_origin,
            timeout=timeout,
            max_rows=max_rows,
            max_queries=max_queries,
            graph_html=graph_html,
            access_log=access_log,
        )
    except OSError as error:
        reason = error.strerror or str(error)
        raise ServeError(f"cannot listen on {host} port {port}: {reason}") from None


# --- the request handler ---------------------------------------------------------------------

_ROUTES: dict[str, tuple[str, ...]] = {
    "/sparql": ("GET", "POST", "OPTIONS"),
    "/": ("GET", "HEAD", "OPTIONS"),
    "/health": ("GET", "HEAD", "OPTIONS"),
}
_STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
_USAGE = (
    "this is a read-only SPARQL 1.1 endpoint: send a query as GET /sparql?query=…, "
    "or POST it as a form field (query=…) or as an application/sparql-query body"
)


class _Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "kg-serve"
    sys_version = ""
    timeout = _SOCKET_TIMEOUT

    def version_string(self) -> str:
        return self.server_version

    # -- bookkeeping: one log line per request --

    def handle_one_request(self) -> None:
        self._started = time.monotonic()
        self._status: int | None = None
        self._note = ""
        try:
            super().handle_one_request()
        finally:
            if self._status is not None:
                path = urlsplit(getattr(self, "path", "") or "").path or "-"
                elapsed = (time.monotonic() - self._started) * 1000
                note = f" — {_printable(self._note)}" if self._note else ""
                self.server.log_line(
                    f"{self.client_address[0]} {self.command or '-'} {_printable(path)} "
                    f"{self._status} {elapsed:.0f} ms{note}"
                )

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # logged once the request is done, with its time

    def log_message(self, format: str, *args: Any) -> None:
        self.server.log_line(f"{self.client_address[0]} {format % args}")

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = int(code)
        super().send_response(code, message)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, URL too long…) in plain text."""
        self.close_connection = True
        text = message or HTTPStatus(code).phrase
        self._send_text(code, f"{text}: {explain}" if explain else text)

    # -- methods --

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            self._check_host()
            path = urlsplit(self.path).path
            allowed = _ROUTES.get(path)
            if allowed is None:
                raise _HttpError(
                    HTTPStatus.NOT_FOUND,
                    f"nothing at {path}; the SPARQL endpoint is /sparql, the graph page /",
                )
            if self.command == "OPTIONS":
                self._send(HTTPStatus.NO_CONTENT, b"", None, {"Allow": ", ".join(allowed)})
                return
            if self.command not in allowed:
                raise _HttpError(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    f"{self.command} is not allowed on {path}",
                    {"Allow": ", ".join(allowed)},
                )
            if path == "/sparql":
                self._sparql()
            elif path == "/health":
                self._health()
            else:
                self._graph()
        except _HttpError as error:
            self._fail(error)
        except Exception as error:  # a bug: one log line, a plain 500
            logger.debug("handler failed", exc_info=True)
            if self._status is not None:
                raise  # the answer has begun: nothing more can be sent
            self._fail(
                _HttpError(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    f"internal error ({type(error).__name__}); see the server's log",
                ),
                note=f"{type(error).__name__}: {error}",
            )

    def _check_host(self) -> None:
        """While bound to loopback, answer only requests addressed to a loopback name, so a
        web page whose domain was rebound to 127.0.0.1 cannot read the answers."""
        if not self.server.is_loopback:
            return
        host = self.headers.get("Host")
        if host is None:
            return
        name = host.strip()
        if name.startswith("["):
            name = name[1 : name.find("]")] if "]" in name else name
        elif name.count(":") == 1:
            name = name.partition(":")[0]
        if not _is_loopback_name(name):
            raise _HttpError(
                HTTPStatus.MISDIRECTED_REQUEST,
                f"this server answers only requests addressed to {self.server.url}, "
                f"not to host {host!r}",
            )

    # -- pages --

    def _health(self) -> None:
        status = {
            "status": "ok",
            "running_queries": self.server.running_queries,
            "max_queries": self.server.max_queries,
            "timeout_seconds": self.server.query_timeout,
            "max_rows": self.server.max_rows,
        }
        body = (json.dumps(status) + "\n").encode("utf-8")
        self._send(HTTPStatus.OK, body, "application/json")

    def _graph(self) -> None:
        try:
            page = self.server.graph_page()
        except Exception as error:
            logger.debug("graph page failed", exc_info=True)
            raise _HttpError(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                f"cannot draw the graph page: {type(error).__name__}: {error}",
            ) from None
        # The page carries its own Content-Security-Policy (scripts by hash); the header
        # only adds what a <meta> policy cannot say.
        self._send(
            HTTPStatus.OK,
            page,
            "text/html",
            {"Content-Security-Policy": "frame-ancestors 'none'"},
        )

    def _sparql(self) -> None:
        params = self._parameters()
        if "update" in params:
            raise _HttpError(
                HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused"
            )
        queries = params.get("query", [])
        if not queries:
            raise _HttpError(HTTPStatus.BAD_REQUEST, f"no query given; {_USAGE}")
        if len(queries) > 1:
            raise _HttpError(HTTPStatus.BAD_REQUEST, "give exactly one query")
        text = queries[0]
        if not text.strip():
            raise _HttpError(HTTPStatus.BAD_REQUEST, f"the query is empty; {_USAGE}")
        shape = _inspect(text)
        if shape.form == "UPDATE":
            raise _HttpError(
                HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused"
            )
        if _SERVICE.search(text):
            raise _HttpError(
                HTTPStatus.FORBIDDEN,
                "federated queries (SERVICE) are disabled: this endpoint never fetches from "
                "other servers. Any query containing the word 'service' is refused; inside "
                "a string or an IRI write one letter as an escape, e.g. serv\\u0069ce",
            )
        result_format, graph_format = self._formats(params, shape)
        request = _QueryRequest(
            text=text,
            shape=shape,
            result_format=result_format,
            graph_format=graph_format,
            default_graphs=self._graph_names(params, "default-graph-uri"),
            named_graphs=self._graph_names(params, "named-graph-uri"),
        )
        reply = self.server._run_query(request)
        self._send(HTTPStatus.OK, reply.body, reply.media_type, {"Vary": "Accept"})

    def _formats(
        self, params: dict[str, list[str]], shape: _Shape
    ) -> tuple[_Format | None, _Format | None]:
        """The format for each kind of answer (None: nothing acceptable); 406 now when the
        query's form is known and nothing fits it."""
        words = [
            word.strip().lower().partition(";")[0].strip()
            for value in params.get("format", [])
            for word in value.split(",")
        ]
        words = [word for word in words if word]
        if words:
            if not any(word in _FORMAT_WORDS for word in words):
                names = sorted({n for f in (*_RESULT_FORMATS, *_GRAPH_FORMATS) for n in f.names})
                raise _HttpError(
                    HTTPStatus.BAD_REQUEST,
                    f"unknown format {words[0]!r}; use one of {', '.join(names)} or a media type",
                )
            result_format = _named_format(words, _RESULT_FORMATS)
            graph_format = _named_format(words, _GRAPH_FORMATS)
        else:
            accept = self.headers.get("Accept")
            result_format = _negotiate(accept, _RESULT_FORMATS)
            graph_format = _negotiate(accept, _GRAPH_FORMATS)
        if shape.form in ("SELECT", "ASK") and result_format is None:
            raise _not_acceptable(shape.form)
        if shape.form in ("CONSTRUCT", "DESCRIBE") and graph_format is None:
            raise _not_acceptable(shape.form)
        if result_format is None and graph_format is None:
            raise _not_acceptable("query")
        return result_format, graph_format

    @staticmethod
    def _graph_names(params: dict[str, list[str]], name: str) -> list[ox.NamedNode] | None:
        if name not in params:
            return None
        graphs = []
        for value in params[name]:
            try:
                graphs.append(ox.NamedNode(value.strip()))
            except ValueError as error:
                raise _HttpError(
                    HTTPStatus.BAD_REQUEST, f"{name} {value!r} is not an IRI: {error}"
                ) from None
        return graphs

    def _parameters(self) -> dict[str, list[str]]:
        """The protocol's parameters, from the URL and, for POST, the body."""
        params = self._parse_form(urlsplit(self.path).query)
        if self.command != "POST":
            return params
        # The body is read first even when it will be refused: closing a connection with
        # unread data resets it, and the client could lose the answer.
        body = self._read_body()
        raw_type = self.headers.get("Content-Type", "")
        media_type = raw_type.partition(";")[0].strip().lower()
        if media_type == "application/sparql-update":
            raise _HttpError(
                HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused"
            )
        if media_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
            raise _HttpError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"cannot read a {media_type or 'missing'} Content-Type; POST "
                "application/x-www-form-urlencoded (query=…) or application/sparql-query",
            )
        charset = (self.headers.get_param("charset", header="Content-Type") or "utf-8").lower()
        if charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
            raise _HttpError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"send the body in UTF-8, not {charset}"
            )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _HttpError(HTTPStatus.BAD_REQUEST, "the body is not valid UTF-8") from None
        if media_type == "application/sparql-query":
            if "query" in params:
                raise _HttpError(
                    HTTPStatus.BAD_REQUEST,
                    "the query is in the body; do not also give query= in the URL",
                )
            params["query"] = [text]
            return params
        for key, values in self._parse_form(text).items():
            params.setdefault(key, []).extend(values)
        return params

    @staticmethod
    def _parse_form(text: str) -> dict[str, list[str]]:
        try:
            return parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=100)
        except UnicodeDecodeError:
            raise _HttpError(
                HTTPStatus.BAD_REQUEST, "a parameter is not valid UTF-8 once decoded"
            ) from None
        except ValueError as error:
            message = f"cannot read the parameters: {error}"
            raise _HttpError(HTTPStatus.BAD_REQUEST, message) from None

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise _HttpError(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            self.close_connection = True
            raise _HttpError(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
        try:
            length = int(length_header)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            raise _HttpError(HTTPStatus.BAD_REQUEST, f"bad Content-Length {length_header!r}")
        if length > MAX_REQUEST_BYTES:
            self.close_connection = True
            self._discard(length)
            raise _HttpError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the body has {length} bytes; this server reads at most {MAX_REQUEST_BYTES}",
            )
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            raise _HttpError(HTTPStatus.BAD_REQUEST, "the body ended before its Content-Length")
        return body

    def _discard(self, length: int) -> None:
        """Read and drop a refused body of reasonable size, so the client gets the answer
        instead of a reset connection; a huge one is left unread."""
        if length > _DRAIN_MAX_BYTES:
            return
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 64 * 1024))
            if not chunk:
                break
            remaining -= len(chunk)

    # -- writing answers --

    def _fail(self, error: _HttpError, note: str | None = None) -> None:
        self._note = note or error.message
        self._send_text(error.status, error.message, error.headers)

    def _send_text(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._note = self._note or message
        body = (message.rstrip("\n") + "\n").encode("utf-8")
        self._send(status, body, "text/plain", headers)

    def _send(
        self,
        status: int,
        body: bytes,
        media_type: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        extra = dict(headers or {})
        csp = extra.pop("Content-Security-Policy", _STRICT_CSP)
        vary = [extra.pop("Vary")] if "Vary" in extra else []
        if media_type is not None:
            self.send_header("Content-Type", f"{media_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", csp)
        self.send_header("Referrer-Policy", "no-referrer")
        origin = self.server.cors_origin
        if origin is not None:
            self.send_header("Access-Control-Allow-Origin", origin)
            if origin != "*":
                vary.append("Origin")
            if self.command == "OPTIONS":
                self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
                self.send_header("Access-Control-Allow-Headers", "Accept, Content-Type")
                self.send_header("Access-Control-Max-Age", "600")
        if vary:
            self.send_header("Vary", ", ".join(vary))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
