"""``kg serve``: real servers on free ports over an embedded store, queried over HTTP with
urllib and SPARQLWrapper, and the real ``kg serve`` command run as a process.

The servers share one read-only store (Oxigraph allows one opener per process); each
test that needs other settings starts a server of its own over it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import queue
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from builders import KP, KR, NATO, RU, make_claim
from SPARQLWrapper import SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.model import Document, Modality
from kg.rdf import document_iri
from kg.serve import MAX_REQUEST_BYTES, ServeError, SparqlServer, make_server
from kg.store import Store, open_store

WD = "http://www.wikidata.org/entity/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SRX = "{http://www.w3.org/2005/sparql-results#}"
# Evidence that every result format must carry through unharmed.
TRICKY = 'Pyongyang "sent" troops\tto <script>alert(1)</script> & Russia,\r\nreally'
DOC_A = Document("North Korea sent troops to Russia.", "a.txt", date=dt.date(2024, 10, 18))
DOC_B = Document("NATO condemned Russia.", "b.txt", date=dt.date(2024, 10, 19))
STATE_LABELS = "SELECT DISTINCT ?s ?label WHERE { ?s a kg:State ; rdfs:label ?label } ORDER BY ?s"
STATES = {f"{WD}Q159": "Russia", f"{WD}Q423": "North Korea", f"{WD}Q884": "South Korea"}
TRICKY_QUERY = 'SELECT ?e WHERE { ?c kg:evidence ?e FILTER(CONTAINS(?e, "Pyongyang")) }'
LABEL_GRAPH = "CONSTRUCT { ?s rdfs:label ?label } WHERE { ?s a kg:State ; rdfs:label ?label }"
# A cross product whose COUNT Oxigraph computes in one step of one or two seconds here:
# the step cannot be interrupted, so the server can only stop waiting for it.
SLOW_AGGREGATE = (
    "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?k { 1 2 } ?a ?b ?c . ?d ?e ?f "
    'FILTER(CONCAT(STR(?c), STR(?f), STR(?k)) = "no such text") }'
)
# The same cross product streamed: hundreds of thousands of rows, read one by one.
SLOW_STREAM = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"


def build_store(path: Path) -> None:
    """Two documents of hand-built claims, one with evidence that is hard to escape."""
    with open_store(path) as store:
        store.replace_document(
            DOC_A,
            [
                make_claim(KP, "sendsTroops", RU, document=DOC_A.doc_id, evidence=TRICKY),
                make_claim(KR, "condemns", KP, Modality.HEDGED, document=DOC_A.doc_id, start=80),
                make_claim(RU, "alliedWith", KP, document=DOC_A.doc_id, start=120),
            ],
        )
        store.replace_document(DOC_B, [make_claim(NATO, "condemns", RU, document=DOC_B.doc_id)])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("serve") / "store"
    build_store(path)
    with open_store(path, read_only=True) as opened:
        yield opened


@pytest.fixture(scope="module")
def start(store: Store) -> Iterator[Callable[..., SparqlServer]]:
    """``start(**options)``: a server over the shared store, serving in a thread."""
    running: list[tuple[SparqlServer, threading.Thread]] = []

    def start_server(**options: object) -> SparqlServer:
        options.setdefault("access_log", None)
        server = make_server(store, **options)  # type: ignore[arg-type]
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        running.append((server, thread))
        return server

    yield start_server
    for server, thread in running:
        # Abandoned queries must end before the store closes.
        assert server.close(wait=60), "a query worker outlived its server"
        thread.join(10)


@pytest.fixture(scope="module")
def server(start: Callable[..., SparqlServer]) -> SparqlServer:
    return start()


# --- a small HTTP client ---------------------------------------------------------------

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").partition(";")[0]

    def json(self) -> dict:
        return json.loads(self.body)


def http(
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
) -> Reply:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with _OPENER.open(request, timeout=60) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, error.headers, error.read())


def get(server: SparqlServer, query: str, accept: str | None = None, **params: str) -> Reply:
    url = server.endpoint + "?" + urlencode({"query": query, **params})
    return http(url, headers={"Accept": accept} if accept else {})


def post_form(
    server: SparqlServer, fields: dict[str, str] | list[tuple[str, str]], accept: str | None = None
) -> Reply:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if accept:
        headers["Accept"] = accept
    return http(server.endpoint, urlencode(fields).encode(), headers)


def post_query(server: SparqlServer, query: str, accept: str | None = None) -> Reply:
    headers = {"Content-Type": "application/sparql-query"}
    if accept:
        headers["Accept"] = accept
    return http(server.endpoint, query.encode("utf-8"), headers)


def bindings(reply: Reply) -> list[dict[str, str]]:
    assert reply.status == 200, reply.text
    return [
        {name: term["value"] for name, term in row.items()}
        for row in reply.json()["results"]["bindings"]
    ]


def literal_value(cell: str) -> str:
    """The value of a literal written in N-Triples syntax (a TSV cell)."""
    quad = next(ox.parse(f"<a:s> <a:p> {cell} .".encode(), format=ox.RdfFormat.N_TRIPLES))
    return quad.object.value


# --- the three ways to send a query ------------------------------------------------------


def test_get_answers_in_sparql_json_with_kg_prefixes_predeclared(server: SparqlServer) -> None:
    reply = get(server, STATE_LABELS)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.json()["head"]["vars"] == ["s", "label"]
    assert {row["s"]: row["label"] for row in bindings(reply)} == STATES


def test_post_form_and_post_query_give_the_same_answer_as_get(server: SparqlServer) -> None:
    by_get = get(server, STATE_LABELS)
    by_form = post_form(server, {"query": STATE_LABELS})
    by_body = post_query(server, STATE_LABELS)
    assert by_get.status == by_form.status == by_body.status == 200
    assert by_get.body == by_form.body == by_body.body


def test_the_query_keeps_its_own_prefixes_and_non_ascii_text(server: SparqlServer) -> None:
    query = (
        "PREFIX w: <http://www.wikidata.org/entity/>\n"
        "SELECT ?label WHERE { w:Q159 rdfs:label ?label FILTER(?label != 'Россия') } LIMIT 1"
    )
    assert bindings(post_query(server, query)) == [{"label": "Russia"}]


# --- formats and negotiation ----------------------------------------------------------------


def _json_values(reply: Reply) -> list[str]:
    return [row["e"] for row in bindings(reply)]


def _xml_values(reply: Reply) -> list[str]:
    root = ET.fromstring(reply.body)
    assert [v.get("name") for v in root.iter(f"{SRX}variable")] == ["e"]
    return [literal.text or "" for literal in root.iter(f"{SRX}literal")]


def _csv_values(reply: Reply) -> list[str]:
    rows = list(csv.reader(io.StringIO(reply.text, newline="")))
    assert rows[0] == ["e"]
    return [row[0] for row in rows[1:]]


def _tsv_values(reply: Reply) -> list[str]:
    lines = reply.text.split("\n")
    assert lines[0] == "?e" and lines[-1] == ""
    return [literal_value(line) for line in lines[1:-1]]


@pytest.mark.parametrize(
    ("accept", "read"),
    [
        ("application/sparql-results+json", _json_values),
        ("application/sparql-results+xml", _xml_values),
        ("text/csv", _csv_values),
        ("text/tab-separated-values", _tsv_values),
    ],
)
def test_select_in_every_format_carries_awkward_text_exactly(
    server: SparqlServer, accept: str, read: Callable[[Reply], list[str]]
) -> None:
    reply = get(server, TRICKY_QUERY, accept)
    assert reply.status == 200, reply.text
    assert reply.headers["Content-Type"] == f"{accept}; charset=utf-8"
    assert reply.headers["Vary"] == "Accept"
    assert read(reply) == [TRICKY]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/sparql-results+json", b'{"head":{},"boolean":true}'),
        ("application/sparql-results+xml", b"<boolean>true</boolean>"),
        ("text/csv", b"true"),
        ("text/tab-separated-values", b"true"),
    ],
)
def test_ask_in_every_format(server: SparqlServer, accept: str, expected: bytes) -> None:
    reply = get(server, "ASK { wd:Q423 kg:sendsTroops wd:Q159 }", accept)
    assert reply.status == 200
    assert reply.media_type == accept
    assert expected in reply.body
    assert b"false" in get(server, "ASK { wd:Q159 kg:sendsTroops wd:Q423 }", accept).body


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_in_every_format(
    server: SparqlServer, accept: str, rdf_format: ox.RdfFormat
) -> None:
    reply = post_form(server, {"query": LABEL_GRAPH}, accept)
    assert reply.status == 200, reply.text
    assert reply.headers["Content-Type"] == f"{accept}; charset=utf-8"
    triples = {
        (quad.subject.value, quad.predicate.value, quad.object.value)
        for quad in ox.parse(reply.body, format=rdf_format)
    }
    assert triples == {(iri, RDFS_LABEL, label) for iri, label in STATES.items()}


def test_describe_answers_in_turtle_by_default(server: SparqlServer) -> None:
    reply = get(server, "DESCRIBE wd:Q423")
    assert reply.status == 200
    assert reply.media_type == "text/turtle"
    graph = list(ox.parse(reply.body, format=ox.RdfFormat.TURTLE))
    assert ox.Literal("North Korea", language="en") in {quad.object for quad in graph}
    assert b"@prefix kg: <https://w3id.org/kg-geo/ontology#>" in reply.body


@pytest.mark.parametrize(
    ("accept", "select_type", "construct_type"),
    [
        (None, "application/sparql-results+json", "text/turtle"),
        ("*/*", "application/sparql-results+json", "text/turtle"),
        ("text/*", "text/csv", "text/turtle"),
        ("application/json", "application/sparql-results+json", "application/ld+json"),
        (
            "text/csv;q=0.5, application/sparql-results+xml, application/rdf+xml;q=0.9",
            "application/sparql-results+xml",
            "application/rdf+xml",
        ),
        (
            "text/tab-separated-values;q=0.2, */*;q=0.1, text/csv;q=0",
            "text/tab-separated-values",
            "text/turtle",
        ),
        # What SPARQLWrapper sends for Turtle, and what a browser sends.
        ("application/turtle,text/turtle", None, "text/turtle"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/sparql-results+xml",
            "application/rdf+xml",
        ),
    ],
)
def test_accept_header_negotiation(
    server: SparqlServer, accept: str | None, select_type: str | None, construct_type: str
) -> None:
    select = get(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", accept)
    if select_type is None:
        assert select.status == 406
    else:
        assert (select.status, select.media_type) == (200, select_type)
    construct = get(server, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", accept)
    assert (construct.status, construct.media_type) == (200, construct_type)


def test_format_parameter_overrides_the_accept_header(server: SparqlServer) -> None:
    reply = get(server, STATE_LABELS, "application/sparql-results+json", format="csv")
    assert reply.media_type == "text/csv"
    reply = post_form(server, {"query": STATE_LABELS, "format": "text/tab-separated-values"})
    assert reply.media_type == "text/tab-separated-values"
    assert get(server, LABEL_GRAPH, format="nt").media_type == "application/n-triples"
    assert get(server, LABEL_GRAPH, format="xml").media_type == "application/rdf+xml"
    assert get(server, STATE_LABELS, format="xml").media_type == "application/sparql-results+xml"
    unknown = get(server, STATE_LABELS, format="yaml")
    assert unknown.status == 400 and "unknown format 'yaml'" in unknown.text


@pytest.mark.parametrize(
    ("query", "accept", "params"),
    [
        (STATE_LABELS, "image/png", {}),
        (STATE_LABELS, "text/turtle", {}),
        ("ASK { ?s ?p ?o }", "application/n-triples", {}),
        (LABEL_GRAPH, "text/csv, application/sparql-results+json", {}),
        (STATE_LABELS, None, {"format": "turtle"}),
        (STATE_LABELS, "application/sparql-results+json;q=0", {}),
    ],
)
def test_nothing_acceptable_is_406(
    server: SparqlServer, query: str, accept: str | None, params: dict[str, str]
) -> None:
    reply = get(server, query, accept, **params)
    assert reply.status == 406
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "this server writes" in reply.text


# --- read-only ----------------------------------------------------------------------------

INSERT = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }"


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda s: get(s, "", update=INSERT), id="get-update-param"),
        pytest.param(lambda s: post_form(s, {"update": INSERT}), id="form-update"),
        pytest.param(
            lambda s: http(
                s.endpoint, INSERT.encode(), {"Content-Type": "application/sparql-update"}
            ),
            id="sparql-update-body",
        ),
        pytest.param(lambda s: get(s, INSERT), id="insert-as-query"),
        pytest.param(lambda s: post_query(s, "DROP ALL"), id="drop-as-query"),
        pytest.param(
            lambda s: post_form(s, {"query": "PREFIX x: <urn:x:>\n# wipe\nCLEAR ALL"}),
            id="clear-after-prologue",
        ),
        pytest.param(lambda s: get(s, "LOAD <http://127.0.0.1:9/x.ttl>"), id="load"),
        pytest.param(
            lambda s: post_form(s, {"query": "ASK {}", "update": INSERT}), id="query-and-update"
        ),
    ],
)
def test_updates_are_refused_and_the_store_stays_as_it_was(
    server: SparqlServer, store: Store, send: Callable[[SparqlServer], Reply]
) -> None:
    before = len(store)
    reply = send(server)
    assert reply.status == 403
    assert reply.text == "this endpoint is read-only: SPARQL Update is refused\n"
    assert len(store) == before
    assert get(server, "ASK { <urn:x:a> ?p ?o }").json()["boolean"] is False


def test_an_update_hidden_in_a_query_never_runs(server: SparqlServer, store: Store) -> None:
    before = len(store)
    reply = get(server, f"SELECT * WHERE {{ ?s ?p ?o }} ; {INSERT}")
    assert reply.status == 400
    assert reply.text.startswith("malformed SPARQL query: ")
    assert len(store) == before


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { ?s ?p ?o .service<http://127.0.0.1:9/sparql>{} }",
        "SELECT * WHERE { ?s ?p 1SERVICE <http://127.0.0.1:9/sparql> {} }",
        'SELECT * WHERE { ?s ?p "a service" }',
    ],
)
def test_federated_queries_are_refused(server: SparqlServer, query: str) -> None:
    reply = get(server, query)
    assert reply.status == 403
    assert "SERVICE" in reply.text and "serv\\u0069ce" in reply.text


def test_the_word_service_can_be_written_with_an_escape(server: SparqlServer) -> None:
    reply = get(server, 'SELECT ?x WHERE { BIND("serv\\u0069ce" AS ?x) }')
    assert bindings(reply) == [{"x": "service"}]


# --- errors -------------------------------------------------------------------------------


def test_syntax_errors_are_400_with_the_parser_message_in_plain_text(server: SparqlServer) -> None:
    reply = get(server, "SELECT * WHERE { ?s ?p <script>alert(1)</script> }")
    assert reply.status == 400
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in reply.headers["Content-Security-Policy"]
    assert re.match(r"malformed SPARQL query: error at 1:\d+: expected", reply.text)


@pytest.mark.parametrize(
    ("send", "status", "message"),
    [
        (lambda s: http(s.endpoint), 400, "no query given"),
        (lambda s: get(s, "   "), 400, "the query is empty"),
        (
            lambda s: post_form(s, [("query", "ASK {}"), ("query", "ASK {}")]),
            400,
            "exactly one query",
        ),
        (
            lambda s: http(
                s.endpoint + "?query=ASK%7B%7D",
                b"ASK {}",
                {"Content-Type": "application/sparql-query"},
            ),
            400,
            "do not also give query=",
        ),
        (lambda s: http(s.url + "nowhere"), 404, "nothing at /nowhere"),
        (lambda s: http(s.endpoint, method="PUT"), 405, "PUT is not allowed"),
        (lambda s: http(s.endpoint, method="HEAD"), 405, ""),
        (
            lambda s: http(s.endpoint, b"ASK {}", {"Content-Type": "text/plain"}),
            415,
            "cannot read a text/plain Content-Type",
        ),
        (
            lambda s: http(
                s.endpoint,
                b"ASK {}",
                {"Content-Type": "application/sparql-query; charset=latin-1"},
            ),
            415,
            "UTF-8",
        ),
        (
            lambda s: http(s.endpoint, b"\xff\xfe", {"Content-Type": "application/sparql-query"}),
            400,
            "not valid UTF-8",
        ),
        (
            lambda s: http(
                s.endpoint,
                b"query=" + b"x" * MAX_REQUEST_BYTES,
                {"Content-Type": "application/x-www-form-urlencoded"},
            ),
            413,
            "at most",
        ),
        (
            lambda s: get(s, STATE_LABELS, **{"default-graph-uri": "not an iri"}),
            400,
            "default-graph-uri 'not an iri' is not an IRI",
        ),
    ],
)
def test_bad_requests_get_a_plain_text_reason(
    server: SparqlServer, send: Callable[[SparqlServer], Reply], status: int, message: str
) -> None:
    reply = send(server)
    assert reply.status == status
    if reply.body:
        assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert message in reply.text
    if status == 405:
        assert reply.headers["Allow"] == "GET, POST, OPTIONS"


def test_requests_for_another_host_name_are_refused(server: SparqlServer) -> None:
    rebound = http(server.url + "health", headers={"Host": "attacker.example"})
    assert rebound.status == 421
    assert rebound.media_type == "text/plain"
    by_name = http(server.url + "health", headers={"Host": f"localhost:{server.port}"})
    assert by_name.status == 200


# --- the dataset ----------------------------------------------------------------------------


def _claim_subjects(reply: Reply) -> set[str]:
    return {row["subject"] for row in bindings(reply)}


CLAIM_SUBJECTS = "SELECT DISTINCT ?subject WHERE { ?c a kg:Claim ; rdf:subject ?subject }"


def test_the_default_graph_is_the_union_of_every_graph(server: SparqlServer) -> None:
    everyone = {WD + "Q423", WD + "Q884", WD + "Q159", WD + "Q7184"}
    assert _claim_subjects(get(server, CLAIM_SUBJECTS)) == everyone


def test_protocol_and_query_datasets_are_honoured(server: SparqlServer) -> None:
    graph_a, graph_b = str(document_iri(DOC_A)), str(document_iri(DOC_B))
    only_a = get(server, CLAIM_SUBJECTS, **{"default-graph-uri": graph_a})
    assert _claim_subjects(only_a) == {WD + "Q423", WD + "Q884", WD + "Q159"}
    from_b = get(server, CLAIM_SUBJECTS.replace("WHERE", f"FROM <{graph_b}> WHERE"))
    assert _claim_subjects(from_b) == {WD + "Q7184"}
    # The protocol's dataset replaces the query's.
    overridden = get(
        server,
        CLAIM_SUBJECTS.replace("WHERE", f"FROM <{graph_b}> WHERE"),
        **{"default-graph-uri": graph_a},
    )
    assert _claim_subjects(overridden) == _claim_subjects(only_a)
    named = post_form(
        server,
        {"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": graph_b},
    )
    assert bindings(named) == [{"g": graph_b}]


# --- CORS -----------------------------------------------------------------------------------


def test_cors_is_off_by_default_and_preflight_is_still_answered(server: SparqlServer) -> None:
    reply = get(server, "ASK {}")
    assert "Access-Control-Allow-Origin" not in reply.headers
    preflight = http(
        server.endpoint,
        method="OPTIONS",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 204
    assert preflight.headers["Allow"] == "GET, POST, OPTIONS"
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_cors_for_any_origin(start: Callable[..., SparqlServer]) -> None:
    server = start(cors_origin="*")
    assert get(server, "ASK {}").headers["Access-Control-Allow-Origin"] == "*"
    error = get(server, "ASK {")
    assert error.status == 400 and error.headers["Access-Control-Allow-Origin"] == "*"
    preflight = http(
        server.endpoint,
        method="OPTIONS",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 204 and preflight.body == b""
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert int(preflight.headers["Access-Control-Max-Age"]) > 0


def test_cors_for_one_origin(start: Callable[..., SparqlServer]) -> None:
    server = start(cors_origin="https://analysts.example.org")
    reply = get(server, "ASK {}")
    assert reply.headers["Access-Control-Allow-Origin"] == "https://analysts.example.org"
    assert "Origin" in reply.headers["Vary"]


# --- limits ---------------------------------------------------------------------------------


def test_answers_over_the_row_limit_are_refused_not_cut(
    start: Callable[..., SparqlServer],
) -> None:
    server = start(max_rows=20)
    too_many = get(server, "SELECT * WHERE { ?s ?p ?o }")
    assert too_many.status == 400
    assert "more than 20 rows" in too_many.text and "LIMIT" in too_many.text
    assert len(bindings(get(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 20"))) == 20
    too_big = get(server, "CONSTRUCT WHERE { ?s ?p ?o }")
    assert too_big.status == 400 and "more than 20 triples" in too_big.text
    page = get(server, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 20", "application/n-triples")
    assert page.status == 200
    assert 0 < len(page.text.splitlines()) <= 20  # the union may repeat a triple
    assert get(server, "ASK { ?s ?p ?o }").json()["boolean"] is True


def test_a_query_stuck_inside_oxigraph_gets_503_and_others_go_on(
    start: Callable[..., SparqlServer],
) -> None:
    server = start(timeout=0.3, max_queries=2)
    started = time.monotonic()
    reply = get(server, SLOW_AGGREGATE)
    waited = time.monotonic() - started
    assert reply.status == 503
    assert "longer than the server's limit of 0.3 s" in reply.text
    assert waited < 2.0, f"the client waited {waited:.2f} s for a 0.3 s timeout"
    # The abandoned worker still runs, yet other requests are answered at once.
    assert server.running_queries == 1
    started = time.monotonic()
    assert http(server.url + "health").json()["running_queries"] == 1
    assert get(server, "ASK { ?s ?p ?o }").json()["boolean"] is True
    assert time.monotonic() - started < 1.0
    assert server.wait_idle(60)


def test_a_streaming_query_stops_at_the_deadline(start: Callable[..., SparqlServer]) -> None:
    server = start(timeout=0.3, max_rows=10_000_000)
    reply = get(server, SLOW_STREAM)
    assert reply.status == 503
    # The worker checks the deadline between rows, so it ends right after the answer.
    assert server.wait_idle(2.0), "the streaming query ran on after its deadline"


def test_closing_the_server_stops_a_streaming_query(start: Callable[..., SparqlServer]) -> None:
    server = start(max_rows=10_000_000)
    replies: list[Reply] = []
    client = threading.Thread(target=lambda: replies.append(get(server, SLOW_STREAM)))
    client.start()
    deadline = time.monotonic() + 10
    while server.running_queries == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.running_queries == 1
    assert server.close(wait=2.0), "the query ran on after the server closed"
    client.join(10)
    assert replies[0].status == 503
    assert replies[0].text == "the server stopped before the query ended\n"


def test_a_full_pool_answers_busy(start: Callable[..., SparqlServer]) -> None:
    server = start(timeout=0.3, max_queries=1)
    assert get(server, SLOW_AGGREGATE).status == 503
    assert server.running_queries == 1  # the only slot is still held
    busy = get(server, "ASK {}")
    assert busy.status == 503
    assert "busy" in busy.text and busy.headers["Retry-After"]
    assert server.wait_idle(60)
    assert get(server, "ASK {}").status == 200


# --- the other pages -------------------------------------------------------------------------


def test_the_graph_page(server: SparqlServer) -> None:
    page = http(server.url)
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert page.text.startswith("<!DOCTYPE html>")
    assert "North Korea" in page.text
    assert "<script>alert(1)" not in page.text  # evidence is data, never markup
    assert http(server.url).body == page.body
    head = http(server.url, method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["Content-Length"] == str(len(page.body))


def test_the_graph_page_is_made_once(start: Callable[..., SparqlServer]) -> None:
    calls: list[int] = []

    def page() -> str:
        calls.append(1)
        return "<!DOCTYPE html><title>graph</title>"

    server = start(graph_html=page)
    assert http(server.url).text == http(server.url).text == page()
    assert len(calls) == 2  # once by the server, once above


def test_health(server: SparqlServer) -> None:
    reply = http(server.url + "health")
    assert reply.media_type == "application/json"
    assert reply.json()["status"] == "ok"


def test_one_log_line_per_request_and_no_tracebacks(start: Callable[..., SparqlServer]) -> None:
    log = io.StringIO()

    def broken() -> str:
        raise RuntimeError("the page broke")

    server = start(access_log=log, graph_html=broken)
    get(server, "SELECT ?secret WHERE { ?secret ?p ?o } LIMIT 1")
    post_query(server, "SELECT nonsense")
    failed = http(server.url)
    assert failed.status == 500 and failed.media_type == "text/plain"
    assert failed.text == "cannot draw the graph page: RuntimeError: the page broke\n"
    # a request is logged once its answer is sent, so the last line may trail the reply
    deadline = time.monotonic() + 5
    while len(log.getvalue().splitlines()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    lines = log.getvalue().splitlines()
    assert len(lines) == 3
    assert re.fullmatch(r"127\.0\.0\.1 GET /sparql 200 \d+ ms", lines[0])
    assert re.fullmatch(
        r"127\.0\.0\.1 POST /sparql 400 \d+ ms — malformed SPARQL query: .+", lines[1]
    )
    assert re.fullmatch(r"127\.0\.0\.1 GET / 500 \d+ ms — cannot draw the graph page: .+", lines[2])
    assert "secret" not in log.getvalue()  # query strings stay out of the log
    assert "Traceback" not in log.getvalue()


# --- the library API -------------------------------------------------------------------------


def test_the_server_listens_on_loopback_by_default(server: SparqlServer) -> None:
    assert server.host == "127.0.0.1" and server.is_loopback
    assert server.url == f"http://127.0.0.1:{server.port}/"
    assert server.endpoint == server.url + "sparql"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cors_origin": "https://example.org/path"}, "give '*' or one origin"),
        ({"cors_origin": "*\r\nSet-Cookie: x=1"}, "give '*' or one origin"),
        ({"timeout": 0}, "positive number of seconds"),
        ({"max_rows": 0}, "at least 1"),
    ],
)
def test_bad_settings_are_refused(store: Store, options: dict, message: str) -> None:
    with pytest.raises(ServeError, match=re.escape(message)):
        make_server(store, **options)


def test_a_busy_port_is_a_one_line_error(server: SparqlServer, store: Store) -> None:
    with pytest.raises(ServeError, match=f"cannot listen on 127.0.0.1 port {server.port}"):
        make_server(store, port=server.port)


def test_only_the_embedded_store_can_be_served() -> None:
    with pytest.raises(ServeError, match="embedded Oxigraph store"):
        make_server(open_store("memory:"))


# --- SPARQLWrapper ---------------------------------------------------------------------------


@pytest.fixture
def wrapper(server: SparqlServer, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], object]:
    monkeypatch.setenv("no_proxy", "*")  # urllib's global opener must not use a proxy

    def make(query: str, fmt: str = "json", method: str = "GET") -> object:
        client = SPARQLWrapper(server.endpoint)
        client.setQuery(query)
        client.setReturnFormat(fmt)
        client.setMethod(method)
        return client

    return make


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_and_ask(wrapper: Callable, method: str) -> None:
    rows = wrapper(STATE_LABELS, "json", method).queryAndConvert()["results"]["bindings"]
    assert {row["s"]["value"]: row["label"]["value"] for row in rows} == STATES
    document = wrapper(STATE_LABELS, "xml", method).queryAndConvert()
    assert [n.firstChild.data for n in document.getElementsByTagName("literal")] == [
        STATES[iri] for iri in sorted(STATES)
    ]
    table = wrapper(STATE_LABELS, "csv", method).queryAndConvert().decode()
    assert table.splitlines()[0] == "s,label"
    table = wrapper(STATE_LABELS, "tsv", method).queryAndConvert().decode()
    assert table.splitlines()[0] == "?s\t?label"
    assert wrapper("ASK { ?s ?p ?o }", "json", method).queryAndConvert()["boolean"] is True


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("fmt", ["turtle", "xml", "json-ld"])
def test_sparqlwrapper_construct(wrapper: Callable, fmt: str) -> None:
    from rdflib import Graph

    converted = wrapper(LABEL_GRAPH, fmt).queryAndConvert()
    graph = converted if isinstance(converted, Graph) else Graph().parse(data=converted)
    assert {(str(s), str(o)) for s, _, o in graph} == set(STATES.items())


def test_sparqlwrapper_sees_errors_and_refusals(wrapper: Callable, store: Store) -> None:
    before = len(store)
    # SPARQLWrapper sends it as an update (update=…); it names no exception for 403.
    with pytest.raises(urllib.error.HTTPError) as refused:
        wrapper(INSERT, "json", "POST").query()
    assert refused.value.code == 403
    assert len(store) == before
    with pytest.raises(QueryBadFormed, match="malformed SPARQL query"):
        wrapper("SELECT * WHERE {", "json").query()


# --- the real command ------------------------------------------------------------------------


def _read_lines(stream: io.TextIOBase, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def test_kg_serve_command_end_to_end(tmp_path: Path, kg_argv: list[str]) -> None:
    path = tmp_path / "store"
    build_store(path)
    process = subprocess.Popen(
        [*kg_argv, "serve", "--store", str(path), "--port", "0", "--max-rows", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
        first = lines.get(timeout=120)
        match = re.search(r"(http://127\.0\.0\.1:\d+/) \(SPARQL: (\S+)\)", first)
        assert match, first
        base, endpoint = match.groups()
        reply = http(endpoint + "?" + urlencode({"query": STATE_LABELS}))
        assert {row["s"]: row["label"] for row in bindings(reply)} == STATES
        limited = http(endpoint + "?" + urlencode({"query": "SELECT * { ?s ?p ?o }"}))
        assert limited.status == 400 and "more than 5 rows" in limited.text
        assert http(base + "health").json()["max_rows"] == 5
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert re.search(r"^127\.0\.0\.1 GET /sparql 200 \d+ ms$", err, re.MULTILINE), err
    assert "stopped" in err and "Traceback" not in err
    with open_store(path, read_only=True) as reopened:  # the lock went with the process
        assert len(reopened) > 0


def test_kg_serve_refuses_a_bad_cors_origin(tmp_path: Path, cli: Callable) -> None:
    path = tmp_path / "store"
    build_store(path)
    result = cli("serve", "--store", path, "--port", "0", "--cors", "not an origin")
    assert result.exit_code == 1
    assert "--cors 'not an origin': give '*' or one origin" in result.output


# --- load --------------------------------------------------------------------------------

LOAD_CLIENTS = 50
LOAD_SECONDS = 30.0


def _rss_bytes() -> int:
    """This process's resident memory now (not its peak)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE"))


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc (Linux)")
def test_fifty_clients_for_thirty_seconds_all_answered_and_memory_flat(
    start: Callable[..., SparqlServer], store: Store
) -> None:
    """A bounded load test on 127.0.0.1: every request of 50 concurrent clients gets its
    right answer (an update its 403), none waits anywhere near the timeout, and the
    process's memory after the run is what it was after a warm-up."""
    server = start(timeout=20.0, graph_html="<!doctype html><title>graph</title>")
    requests = [
        (lambda: get(server, "SELECT ?s ?o WHERE { ?s kg:condemns ?o }"), 200),
        (lambda: get(server, "ASK { ?s kg:alliedWith ?o }", "text/csv"), 200),
        (lambda: post_query(server, "CONSTRUCT WHERE { ?s kg:sendsTroops ?o }"), 200),
        (lambda: post_form(server, {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}), 200),
        (lambda: post_form(server, {"update": "DROP ALL"}), 403),
        (lambda: http(server.url + "/health"), 200),
    ]

    def hammer(seconds: float, client: int, results: list[tuple[int, int, float]]) -> None:
        deadline = time.monotonic() + seconds
        n = client
        while time.monotonic() < deadline:
            send, expected = requests[n % len(requests)]
            began = time.monotonic()
            reply = send()
            results.append((reply.status, expected, time.monotonic() - began))
            n += 1

    def run(seconds: float) -> list[tuple[int, int, float]]:
        results: list[tuple[int, int, float]] = []
        clients = [
            threading.Thread(target=hammer, args=(seconds, c, results)) for c in range(LOAD_CLIENTS)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(seconds + 60)
        assert not any(c.is_alive() for c in clients), "a client hung"
        return results

    run(3.0)  # warm-up: threads, caches, the allocator's pools
    before = _rss_bytes()
    results = run(LOAD_SECONDS)
    after = _rss_bytes()

    wrong = [(status, expected) for status, expected, _ in results if status != expected]
    assert not wrong, f"{len(wrong)} of {len(results)} requests answered wrongly: {wrong[:5]}"
    assert len(results) >= 500, f"only {len(results)} requests in {LOAD_SECONDS} s"
    slowest = max(seconds for *_, seconds in results)
    assert slowest < 10.0, f"a request took {slowest:.1f} s"
    grown = (after - before) / 2**20
    assert grown < 40, f"memory grew by {grown:.0f} MB over {len(results)} requests"
