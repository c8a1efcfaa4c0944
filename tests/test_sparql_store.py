"""The SPARQL server store (``sparql:URL``): its URIs, credentials, refusals and the limits
of a real Virtuoso (request sizes, result row limits, blank nodes, its own graphs).

The behaviour every backend shares (replacement, filters, export, import, crash safety)
is tested in ``test_store.py`` and ``e2e/test_cli.py``, on Virtuoso too.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Callable, Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic
from test_store import KP, RU, make_claims, make_document
from virtuoso import DBA_PASSWORD, DBA_USER, VirtuosoServer, free_port

from kg._sparql import query_shape
from kg.errors import QueryError, StoreError
from kg.model import Claim, Modality
from kg.ontology import relation
from kg.rdf import document_iri
from kg.store import SparqlStore, _canonical, _sparql_endpoints, open_store

KG = "PREFIX kg: <https://w3id.org/kg-geo/ontology#>\n"

# --- store URIs -----------------------------------------------------------------------


def test_update_endpoint_from_the_uri_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    query = "http://h:3030/kg/query"
    assert _sparql_endpoints(query) == (query, query)
    assert _sparql_endpoints(f"{query}#update=update") == (query, "http://h:3030/kg/update")
    assert _sparql_endpoints(f"{query}#update=https://w/u") == (query, "https://w/u")
    monkeypatch.setenv("KG_SPARQL_UPDATE_URL", "http://h:3030/kg/update")
    assert _sparql_endpoints(query) == (query, "http://h:3030/kg/update")
    assert _sparql_endpoints(f"{query}#update=/other") == (query, "http://h:3030/other")


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("", "needs the URL"),
        ("ftp://h/sparql", "not an http"),
        ("localhost:8890/sparql", "not an http"),
        ("http://dba:secret@h/sparql", "KG_SPARQL_USER"),
        ("http://h/sparql#graph=x", "unknown option"),
        ("http://h/sparql#update=ftp://h/u", "not an http"),
    ],
)
def test_bad_store_uris_are_refused(location: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        open_store(f"sparql:{location}")


def test_bad_timeout_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_SPARQL_TIMEOUT", "soon")
    with pytest.raises(StoreError, match="KG_SPARQL_TIMEOUT"):
        open_store("sparql:http://127.0.0.1:1/sparql")


def test_an_unreachable_server_is_one_line_for_the_cli_user(cli) -> None:
    uri = f"sparql:http://127.0.0.1:{free_port()}/sparql"
    result = cli("stats", "--store", uri)
    assert result.exit_code == 1
    assert "cannot reach the SPARQL server" in result.stderr
    assert "connection refused" in result.stderr
    assert "Traceback" not in result.stderr


# --- query text -------------------------------------------------------------------------


def test_query_shape_skips_strings_iris_and_comments() -> None:
    text = (
        "BASE <http://b/> PREFIX x: <http://x/#> # a comment with { braces }\n"
        "SELECT ?s (COUNT(*) AS ?n) FROM <http://g/#g> WHERE { ?s ?p \"}{\" , '''{''' "
        "OPTIONAL { ?s x:q ?o } } GROUP BY ?s ORDER BY DESC(?n) LIMIT 5"
    )
    shape = query_shape(text)
    assert shape.form == "SELECT"
    assert shape.declared == {"x"}
    assert text[shape.body :].startswith("SELECT")
    assert text[shape.where_open : shape.where_close] == (
        " ?s ?p \"}{\" , '''{''' OPTIONAL { ?s x:q ?o } "
    )
    assert text[shape.order_by : shape.modifiers] == "ORDER BY DESC(?n) "


def test_query_shape_finds_the_where_group_of_a_construct() -> None:
    text = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o . FILTER(?o < 3) }"
    shape = query_shape(text)
    assert text[shape.where_open : shape.where_close] == " ?s ?p ?o . FILTER(?o < 3) "
    assert query_shape("CONSTRUCT WHERE { ?s ?p ?o }").short_construct
    assert query_shape("INSERT DATA { <a> <b> <c> }").form is None


# --- a stand-in server for what Virtuoso cannot show --------------------------------------

Answer = tuple[int, dict[str, str], bytes]


class FakeServer:
    """A SPARQL endpoint on 127.0.0.1 that answers every POST with ``answer(headers,
    fields)``."""

    def __init__(self, answer: Callable[[Message, dict[str, list[str]]], Answer]) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                fields = parse_qs(self.rfile.read(length).decode("utf-8"))
                status, headers, body = outer.answer(self.headers, fields)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.answer = answer
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def uri(self) -> str:
        return f"sparql:http://127.0.0.1:{self.httpd.server_address[1]}/sparql"

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def ask(value: bool) -> Answer:
    return (
        200,
        {"Content-Type": "application/sparql-results+json"},
        json.dumps({"head": {}, "boolean": value}).encode(),
    )


def test_basic_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = "Basic " + base64.b64encode(b"analyst:s3cret").decode()

    def answer(headers: Message, fields: dict[str, list[str]]) -> Answer:
        if headers.get("Authorization") != expected:
            return 401, {"WWW-Authenticate": 'Basic realm="kg"'}, b"who are you?"
        return ask(False)

    with FakeServer(answer) as server:
        with pytest.raises(StoreError, match=r"wants credentials.*KG_SPARQL_USER"):
            open_store(server.uri)
        monkeypatch.setenv("KG_SPARQL_USER", "analyst")
        monkeypatch.setenv("KG_SPARQL_PASSWORD", "wrong")
        with pytest.raises(StoreError, match="refused the credentials"):
            open_store(server.uri)
        monkeypatch.setenv("KG_SPARQL_PASSWORD", "s3cret")
        assert isinstance(open_store(server.uri), SparqlStore)


def test_a_default_graph_that_is_not_the_union_is_refused() -> None:
    # The store asks whether the ontology graph holds triples its default graph lacks.
    with (
        FakeServer(lambda headers, fields: ask(True)) as server,
        pytest.raises(StoreError, match="not the union"),
    ):
        open_store(server.uri)


def test_an_unavailable_server_is_a_store_error() -> None:
    with (
        FakeServer(lambda headers, fields: (503, {}, b"maintenance")) as server,
        pytest.raises(StoreError, match="unavailable"),
    ):
        open_store(server.uri)


# --- a real Virtuoso ------------------------------------------------------------------------


@pytest.fixture
def server_store(fresh_virtuoso: str) -> Iterator[SparqlStore]:
    with open_store(fresh_virtuoso) as store:
        assert isinstance(store, SparqlStore)
        yield store


def test_virtuosos_own_graphs_are_not_the_stores(server_store: SparqlStore) -> None:
    own = "ASK { GRAPH <http://www.openlinksw.com/schemas/virtrdf#> { ?s ?p ?o } }"
    assert bool(server_store.query(own))
    assert len(server_store) == 0
    assert list(server_store.dataset.quads((None, None, None, None))) == []
    buffer = io.BytesIO()
    server_store.export(buffer, "nq")
    assert buffer.getvalue().strip() == b""


def test_read_only_server_store_refuses_writes(fresh_virtuoso: str, tmp_path: Path) -> None:
    doc = make_document("one", "one.txt")
    with open_store(fresh_virtuoso) as writer:
        writer.replace_document(doc, make_claims(doc))
    backup = tmp_path / "backup.nq"
    with open_store(fresh_virtuoso, read_only=True) as reader:
        assert reader.has_document(doc.doc_id)
        reader.export(backup, "nq")
        for write in (
            lambda: reader.replace_document(doc, []),
            lambda: reader.remove_document(doc.doc_id),
            lambda: reader.import_file(backup),
            lambda: reader.dataset.add(
                (URIRef("http://a"), URIRef("http://b"), URIRef("http://c"))
            ),
        ):
            with pytest.raises(StoreError, match="read-only"):
                write()
        assert len(reader.claims()) == 4


def test_an_update_sent_as_a_query_never_reaches_the_server(server_store: SparqlStore) -> None:
    # Virtuoso runs SPARQL Update sent to its query parameter; the store must not send it.
    doc = make_document("one", "one.txt")
    server_store.replace_document(doc, make_claims(doc))
    size = len(server_store)
    for update in (
        f"DROP SILENT GRAPH <{document_iri(doc)}>",
        "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
        "DEFINE sql:log-enable 3 CLEAR ALL",
    ):
        with pytest.raises(QueryError):
            server_store.query(update)
    assert len(server_store) == size


def test_digest_credentials_for_virtuosos_authenticated_endpoint(
    virtuoso: VirtuosoServer, fresh_virtuoso: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = f"sparql:{virtuoso.auth_endpoint}"
    with pytest.raises(StoreError, match="wants credentials"):
        open_store(uri)
    monkeypatch.setenv("KG_SPARQL_USER", DBA_USER)
    monkeypatch.setenv("KG_SPARQL_PASSWORD", "not-the-password")
    with pytest.raises(StoreError, match="refused the credentials"):
        open_store(uri)
    monkeypatch.setenv("KG_SPARQL_PASSWORD", DBA_PASSWORD)
    doc = make_document("one", "one.txt")
    with open_store(uri) as store:
        assert store.replace_document(doc, make_claims(doc))
    with open_store(fresh_virtuoso, read_only=True) as anonymous:
        assert anonymous.has_document(doc.doc_id)


def test_updates_can_go_to_another_endpoint(
    virtuoso: VirtuosoServer, fresh_virtuoso: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Query anonymously at /sparql, write at /sparql-auth (named relative to the first)."""
    virtuoso.isql('REVOKE SPARQL_UPDATE FROM "SPARQL";')
    try:
        doc = make_document("one", "one.txt")
        with (
            open_store(fresh_virtuoso) as anonymous,
            pytest.raises(StoreError, match=r"does not allow this update.*SPARQL_UPDATE"),
        ):
            anonymous.replace_document(doc, make_claims(doc))
        monkeypatch.setenv("KG_SPARQL_USER", DBA_USER)
        monkeypatch.setenv("KG_SPARQL_PASSWORD", DBA_PASSWORD)
        with open_store(f"{fresh_virtuoso}#update=sparql-auth") as store:
            assert store.update_url == virtuoso.auth_endpoint
            assert store.replace_document(doc, make_claims(doc))
            assert set(store.claims()) == set(make_claims(doc))
    finally:
        virtuoso.isql('GRANT SPARQL_UPDATE TO "SPARQL";')


def test_no_endpoint_at_the_url(virtuoso: VirtuosoServer) -> None:
    with pytest.raises(StoreError, match="no SPARQL endpoint"):
        open_store(f"sparql:http://127.0.0.1:{virtuoso.http_port}/no-such-endpoint")


def big_document(claims: int) -> tuple:
    doc = make_document("a long report", "report.txt")
    found = [
        Claim(KP, relation("sendsTroops"), RU, Modality.HEDGED, doc.doc_id,
              f"Claim number {i}: troops were sent, the report says.", i, i * 60, i * 60 + 50,
              0.5)
        for i in range(claims)
    ]  # fmt: skip
    return doc, found


def test_a_large_document_is_one_request_and_reads_back_whole(
    server_store: SparqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2,100 claims: about 30,000 triples in one update (Virtuoso's SQL compiler takes
    about 1,500 in one INSERT DATA by default, and its parser some 5,000 subjects), and
    more rows than its ResultSetMaxRows (10,000) in answers, which the store reads in
    pages."""
    doc, claims = big_document(2_100)
    updates: list[str] = []
    send = server_store._http.post_update
    monkeypatch.setattr(
        server_store._http, "post_update", lambda url, text: updates.append(text) or send(url, text)
    )
    assert server_store.replace_document(doc, claims)
    document_updates = [u for u in updates if str(document_iri(doc)) in u]
    assert len(document_updates) == 1
    assert document_updates[0].count("INSERT DATA") == 2  # split for Virtuoso's parser
    with open_store("memory:") as memory:
        memory.replace_document(doc, claims)
        assert len(server_store) == len(memory) > 20_000
        assert set(server_store.claims()) == set(claims)
        # A triple-by-triple comparison reads the whole document graph (paged).
        in_memory = {
            tuple(map(_canonical, quad)) for quad in memory.dataset.quads((None, None, None, None))
        }
        on_server = {
            tuple(map(_canonical, quad))
            for quad in server_store.dataset.quads((None, None, None, None))
        }
        assert on_server == in_memory
    assert server_store.replace_document(doc, claims) is False
    assert len(document_updates) == 1


def test_virtuoso_behind_a_proxy_is_known_by_its_errors(
    server_store: SparqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy may replace Virtuoso's Server header; its first error gives it away, and
    the update is sent again in the form Virtuoso takes."""
    post = server_store._http.post

    def through_a_proxy(*args: object, **kwargs: object) -> object:
        try:
            return post(*args, **kwargs)
        finally:
            server_store._http.server = "nginx"

    monkeypatch.setattr(server_store._http, "post", through_a_proxy)
    server_store._http.server = "nginx"
    assert not server_store.virtuoso
    doc, claims = big_document(200)  # about 3,000 triples: too many for plain Virtuoso
    assert server_store.replace_document(doc, claims)
    assert server_store.virtuoso
    assert set(server_store.claims()) == set(claims)
    with open_store("memory:") as memory:
        memory.replace_document(doc, claims)
        assert len(server_store) == len(memory)


def test_answers_beyond_the_servers_row_limit_are_read_in_pages(
    server_store: SparqlStore,
) -> None:
    doc, claims = big_document(1_000)
    server_store.replace_document(doc, claims)
    every = KG + "SELECT ?c ?p ?o WHERE { ?c a kg:Claim ; ?p ?o }"
    rows = list(server_store.query(every))
    assert len(rows) == len(set(rows)) > 10_000
    count = KG + "SELECT (COUNT(*) AS ?n) WHERE { ?c a kg:Claim ; ?p ?o }"
    assert len(rows) == int(next(iter(server_store.query(count))).n)
    ordered = list(server_store.query(every + " ORDER BY DESC(STR(?c)) ?p"))
    assert set(ordered) == set(rows)
    keys = [str(row.c) for row in ordered]
    assert keys == sorted(keys, reverse=True)
    limited = list(server_store.query(every + " LIMIT 10500"))
    assert len(limited) == 10_500
    bound = server_store.query(
        KG + "SELECT ?c ?e WHERE { ?c kg:evidence ?e ; kg:confidence ?x }",
        {"x": claims[0].confidence},
    )
    assert len(bound) == 1_000


def test_blank_nodes_survive_import_and_export(server_store: SparqlStore, tmp_path: Path) -> None:
    # Virtuoso refuses blank nodes in INSERT DATA and names them nodeID://… in answers.
    source = tmp_path / "lists.ttl"
    source.write_text(
        "@prefix ex: <http://example.org/> .\n"
        'ex:a ex:members ( ex:b ex:c ) ; ex:note [ ex:text "anonymous" ] .\n',
        "utf-8",
    )
    assert server_store.import_file(source) == 7
    buffer = io.BytesIO()
    server_store.export(buffer, "nt")
    exported = Graph().parse(data=buffer.getvalue(), format="nt")
    assert any(isinstance(term, BNode) for triple in exported for term in triple)
    assert isomorphic(exported, Graph().parse(source, format="turtle"))
    graph = URIRef(source.resolve().as_uri())
    assert {g for *_, g in server_store.dataset.quads((None, None, None, None))} == {graph}


def test_import_of_a_large_file_goes_in_batches(server_store: SparqlStore, tmp_path: Path) -> None:
    quads = [
        ox.Quad(
            ox.NamedNode(f"http://example.org/s{i}"),
            ox.NamedNode("http://example.org/p"),
            ox.Literal(f"value {i}"),
            ox.NamedNode(f"http://example.org/g{i % 3}"),
        )
        for i in range(45_000)
    ]
    path = tmp_path / "big.nq"
    with path.open("wb") as output:
        ox.serialize(quads, output, ox.RdfFormat.N_QUADS)
    assert server_store.import_file(path) == 45_000
    buffer = io.BytesIO()
    server_store.export(buffer, "nq")
    assert set(ox.parse(buffer.getvalue(), format=ox.RdfFormat.N_QUADS)) == set(quads)
