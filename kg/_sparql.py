"""Talking to a SPARQL 1.1 server: the HTTP exchange, the answers, and query text surgery.

:class:`kg.store.SparqlStore` is built on this module. It knows nothing about claims:
it posts form-encoded requests (so requests of any size go in the body, never the URL),
turns SPARQL JSON results into rdflib terms, and finds the places in a query's text
where the store adds prefixes, bound values or paging.

>>> shape = query_shape("PREFIX kg: <https://w3id.org/kg-geo/ontology#> SELECT ?x { ?x a kg:C }")
>>> shape.form, sorted(shape.declared)
('SELECT', ['kg'])
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import Message

from rdflib import XSD, BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import StoreError

__all__ = [
    "Answer",
    "QueryShape",
    "RequestRejected",
    "SparqlHttp",
    "json_rows",
    "query_shape",
]

logger = logging.getLogger(__name__)

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
SELECT_TYPE = "application/sparql-results+json"
GRAPH_TYPES = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
# Content types of graph answers → rdflib parser names.
GRAPH_PARSERS = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "text/rdf+n3": "n3",
    "text/n3": "n3",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
# How many times a write that the server aborted as a deadlock is tried again.
_DEADLOCK_RETRIES = 3


class RequestRejected(Exception):
    """The server answered with an HTTP error status (the message is the server's)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"HTTP {status}: {message}" if message else f"HTTP {status}")


@dataclass
class Answer:
    """One HTTP answer of the server."""

    status: int
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def server_message(body: bytes, limit: int = 400) -> str:
    """The useful part of an error page: Virtuoso echoes the whole query after its
    message, and other servers send HTML; keep the first lines of text."""
    text = body.decode("utf-8", "replace")
    text = text.split("\n\nSPARQL query:", 1)[0]
    text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SparqlHttp:
    """Form-encoded POSTs to SPARQL endpoints, with HTTP basic or digest credentials.

    ``user``/``password`` answer whichever challenge the server sends (urllib tries
    digest first, then basic). Connection problems become :class:`StoreError`; HTTP
    error statuses become :class:`RequestRejected`.
    """

    def __init__(
        self,
        urls: Sequence[str],
        *,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        handlers: list[urllib.request.BaseHandler] = []
        if user is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, list(urls), user, password or "")
            handlers += [
                urllib.request.HTTPDigestAuthHandler(passwords),
                urllib.request.HTTPBasicAuthHandler(passwords),
            ]
        self._opener = urllib.request.build_opener(*handlers)
        self.user = user
        self.timeout = timeout
        self.server = ""  # the Server header of the latest answer

    def post(self, url: str, fields: Mapping[str, str], accept: str) -> Answer:
        """POST ``fields`` form-encoded to ``url`` and return the (successful) answer."""
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(fields).encode("utf-8"),
            headers={
                "Accept": accept,
                "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                "User-Agent": "kg (https://w3id.org/kg-geo)",
            },
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                answer = Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            self.server = error.headers.get("Server", "") if error.headers else self.server
            try:
                body = error.read()
            except Exception:  # urllib's own auth errors carry no body
                body = b""
            raise RequestRejected(error.code, server_message(body) or str(error.reason)) from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, ConnectionRefusedError):
                why = "connection refused (is the server running?)"
            elif isinstance(reason, socket.gaierror):
                why = "unknown host"
            elif isinstance(reason, TimeoutError):
                why = f"no answer within {self.timeout:g} s"
            else:
                why = str(reason)
            raise StoreError(f"cannot reach the SPARQL server at {url}: {why}") from None
        except TimeoutError:
            raise StoreError(
                f"the SPARQL server at {url} did not answer within {self.timeout:g} s "
                "(set KG_SPARQL_TIMEOUT to wait longer)"
            ) from None
        except (http.client.HTTPException, OSError) as error:
            message = str(error) or type(error).__name__
            raise StoreError(
                f"the connection to the SPARQL server at {url} failed: {message}"
            ) from None
        self.server = answer.headers.get("Server", "")
        return answer

    def post_update(self, url: str, update: str) -> Answer:
        """Send a SPARQL Update; a write the server aborted as a deadlock is sent again."""
        for attempt in range(_DEADLOCK_RETRIES + 1):
            try:
                return self.post(url, {"update": update}, f"{SELECT_TYPE}, */*;q=0.1")
            except RequestRejected as error:
                deadlock = "40001" in error.message or "deadlock" in error.message.lower()
                if not deadlock or attempt == _DEADLOCK_RETRIES:
                    raise
                logger.debug("update deadlocked, trying again: %s", error.message)
                time.sleep(0.1 * (attempt + 1))
        raise AssertionError("unreachable")


# --- answers ------------------------------------------------------------------------


def bnode_label(value: str) -> str:
    """A blank node label safe in N-Quads: Virtuoso names blank nodes ``nodeID://b1001``."""
    label = value.removeprefix("nodeID://").removeprefix("_:")
    label = re.sub(r"[^A-Za-z0-9_]", "_", label)
    return label if label[:1].isalpha() else f"b{label}"


def json_term(cell: Mapping[str, str]) -> Node:
    """One value of a SPARQL JSON result as an rdflib term (simple literals untyped)."""
    kind = cell.get("type")
    value = cell.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(bnode_label(value))
    if kind in ("literal", "typed-literal"):
        language = cell.get("xml:lang") or cell.get("lang")
        if language:
            return Literal(value, lang=language)
        datatype = cell.get("datatype")
        if datatype and datatype != str(XSD.string):
            return Literal(value, datatype=URIRef(datatype))
        return Literal(value)
    raise ValueError(f"the server sent a result value of unknown type {kind!r}")


def json_rows(
    body: bytes, *, names_only: bool = False
) -> tuple[list[str], list[dict[str, Node]], bool | None]:
    """Parse a SPARQL JSON result: (variables, rows, the ASK answer or None); with
    ``names_only`` the rows are left out (and not converted)."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise StoreError(f"the SPARQL server sent a result that is not JSON: {error}") from None
    if "boolean" in document:
        return [], [], bool(document["boolean"])
    variables = list(document.get("head", {}).get("vars", []))
    if names_only:
        return variables, [], None
    rows = [
        {name: json_term(cell) for name, cell in binding.items()}
        for binding in document.get("results", {}).get("bindings", [])
    ]
    return variables, rows, None


# --- query text -----------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<word>[^\s{}()<>"'\#,;\[\]]+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class _Token:
    kind: str
    start: int
    end: int
    text: str

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _tokens(text: str) -> Iterator[_Token]:
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield _Token(kind, match.start(), match.end(), match.group())


@dataclass
class QueryShape:
    """Where the parts of a query are, as offsets into its text.

    ``form`` is SELECT, ASK, CONSTRUCT or DESCRIBE (None when the text is not a query);
    ``body`` is where the prologue (BASE and PREFIX declarations) ends; ``where_open`` is
    just after the ``{`` that opens the WHERE group and ``where_close`` at its ``}``;
    ``order_by`` is where a top-level ORDER BY starts and ``modifiers`` where a top-level
    LIMIT, OFFSET or VALUES starts (each None when absent).
    """

    form: str | None
    body: int
    declared: set[str] = field(default_factory=set)
    where_open: int | None = None
    where_close: int | None = None
    order_by: int | None = None
    modifiers: int | None = None
    short_construct: bool = False


def query_shape(text: str) -> QueryShape:
    """Find the prologue, form, WHERE group and solution modifiers of a SPARQL query.

    >>> shape = query_shape("SELECT ?s { ?s ?p ?o } ORDER BY ?s LIMIT 3")
    >>> text = "SELECT ?s { ?s ?p ?o } ORDER BY ?s LIMIT 3"
    >>> text[shape.where_open:shape.where_close], text[shape.order_by:shape.modifiers]
    (' ?s ?p ?o ', 'ORDER BY ?s ')
    """
    tokens = list(_tokens(text))
    i, declared = 0, set()
    while i < len(tokens):
        if tokens[i].word == "PREFIX" and i + 2 < len(tokens):
            declared.add(tokens[i + 1].text.rstrip(":"))
            i += 3
        elif tokens[i].word == "BASE" and i + 1 < len(tokens):
            i += 2
        else:
            break
    body = tokens[i].start if i < len(tokens) else len(text)
    form = tokens[i].word if i < len(tokens) and tokens[i].word in QUERY_FORMS else None
    shape = QueryShape(form, body, declared)
    if form is None:
        return shape
    i += 1
    if form == "CONSTRUCT" and i < len(tokens):
        if tokens[i].word == "WHERE":
            shape.short_construct = True
        elif tokens[i].text == "{":
            i = _matching(tokens, i) + 1
    parens = 0
    while i < len(tokens):
        token = tokens[i]
        if token.text == "(":
            parens += 1
        elif token.text == ")":
            parens -= 1
        elif token.text == "{" and parens == 0:
            close = _matching(tokens, i)
            shape.where_open = token.end
            shape.where_close = tokens[close].start if close < len(tokens) else len(text)
            i = close + 1
            break
        i += 1
    while i < len(tokens):
        word = tokens[i].word
        if word == "ORDER" and shape.order_by is None and shape.modifiers is None:
            shape.order_by = tokens[i].start
        elif word in ("LIMIT", "OFFSET", "VALUES") and shape.modifiers is None:
            shape.modifiers = tokens[i].start
        elif tokens[i].text == "{":
            i = _matching(tokens, i)
        i += 1
    return shape


def _matching(tokens: Sequence[_Token], open_index: int) -> int:
    """The index of the ``}`` that closes the ``{`` at ``open_index`` (or the end)."""
    depth = 0
    for index in range(open_index, len(tokens)):
        if tokens[index].text == "{":
            depth += 1
        elif tokens[index].text == "}":
            depth -= 1
            if depth == 0:
                return index
    return len(tokens)
