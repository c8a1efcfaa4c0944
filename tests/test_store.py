"""Stores: atomic replacement of a document's graph, queries over the union, filters,
export/import, locking and crash safety, on the memory, embedded Oxigraph and SPARQL server
(a real Virtuoso) backends."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef
from virtuoso import free_port

from kg.errors import BadInputError, KgError, QueryError, StoreError, StoreLockedError
from kg.model import Actor, ActorType, Claim, Document, Modality
from kg.ontology import relation
from kg.rdf import ACTORS_GRAPH, document_iri
from kg.store import MemoryStore, OxigraphStore, Store, _canonical, open_store

REPO = Path(__file__).resolve().parent.parent

RU = Actor("RU", "Russia", ActorType.STATE, qid="Q159", iso2="RU", iso3="RUS",
           aliases=("Moscow", "Russian Federation"))  # fmt: skip
KP = Actor("KP", "North Korea", ActorType.STATE, qid="Q423", iso2="KP", iso3="PRK",
           aliases=("DPRK", "Pyongyang"))  # fmt: skip
KR = Actor("KR", "South Korea", ActorType.STATE, qid="Q884")
KIM = Actor("person:kim-jong-un", "Kim Jong Un", ActorType.PERSON)
NATO = Actor("NATO", "NATO", ActorType.ORGANIZATION, qid="Q7184")
NASTY = 'She said "no}" \\ then\nINSERT DATA { <a> <b> "c" } ; """ 🚀 ü \r\n\t end"'


def make_document(text: str, name: str, day: int = 18) -> Document:
    return Document(text, name, title=f"Title of {name}", date=dt.date(2024, 10, day),
                    url=f"https://example.org/{name}", source="Example")  # fmt: skip


def make_claims(doc: Document) -> list[Claim]:
    return [
        Claim(KP, relation("militaryAid"), RU, Modality.ASSERTED, doc.doc_id,
              "North Korea sent troops to Russia.", 0, 0, 34, 0.9,
              event_date=dt.date(2024, 10, 1), trigger="sent"),
        Claim(KP, relation("sendsTroops"), RU, Modality.HEDGED, doc.doc_id,
              "North Korea may have sent troops.", 1, 35, 68, 0.625, attributed_to=KR),
        Claim(RU, relation("holdsSummit"), KP, Modality.ASSERTED, doc.doc_id,
              "Putin and Kim held a summit.", 2, 69, 96, 0.75),
        Claim(KIM, relation("criticizes"), NATO, Modality.NEGATED, doc.doc_id,
              NASTY, 3, 97, 140, 0.5),
    ]  # fmt: skip


@pytest.fixture(params=["memory", "oxigraph", "virtuoso"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "virtuoso":
        uri = request.getfixturevalue("fresh_virtuoso")
    else:
        uri = "memory:" if request.param == "memory" else f"oxigraph:{tmp_path / 'store'}"
    with open_store(uri) as opened:
        yield opened


def quads(store: Store) -> set[tuple]:
    """The store's quads under value comparison (so backends compare equal)."""
    return {
        (_canonical(s), _canonical(p), _canonical(o), str(getattr(g, "identifier", g)))
        for s, p, o, g in store.dataset.quads((None, None, None, None))
    }


def test_replace_document_is_idempotent(store: Store) -> None:
    doc = make_document("one", "one.txt")
    claims = make_claims(doc)
    assert store.replace_document(doc, claims) is True
    size = len(store)
    assert size > 0
    assert store.replace_document(doc, claims) is False
    assert len(store) == size
    assert store.has_document(doc.doc_id)
    assert set(store.claims()) == set(claims)


def test_replacing_with_fewer_claims_removes_the_old_ones(store: Store) -> None:
    doc = make_document("one", "one.txt")
    claims = make_claims(doc)
    store.replace_document(doc, claims)
    assert store.replace_document(doc, claims[:1]) is True
    assert store.claims() == claims[:1]
    direct = "ASK { ?s <https://w3id.org/kg-geo/ontology#holdsSummit> ?o }"
    assert bool(store.query(direct)) is False
    assert store.documents()[0]["claims"] == 1


def test_actor_description_is_replaced_in_the_shared_graph(store: Store) -> None:
    doc = make_document("one", "one.txt")
    claims = make_claims(doc)
    store.replace_document(doc, claims)
    renamed = Actor("KR", "Republic of Korea", ActorType.STATE, qid="Q884")
    assert store.replace_document(doc, [], actors=[renamed]) is True
    labels = store.query(
        "SELECT ?label WHERE { GRAPH ?g { ?a rdfs:label ?label } }",
        {"g": ACTORS_GRAPH, "a": URIRef("http://www.wikidata.org/entity/Q884")},
    )
    assert {str(row.label) for row in labels} == {"Republic of Korea"}


def test_remove_document(store: Store) -> None:
    one, two = make_document("one", "one.txt"), make_document("two", "two.txt")
    store.replace_document(one, make_claims(one))
    store.replace_document(two, make_claims(two))
    assert store.remove_document(one.doc_id) is True
    assert store.remove_document(one.doc_id) is False
    assert not store.has_document(one.doc_id)
    assert store.has_document(two.doc_id)
    assert {c.document for c in store.claims()} == {two.doc_id}


def test_nasty_strings_round_trip(store: Store) -> None:
    doc = Document("x", 'name "with" quotes }\n', title=NASTY)
    claims = make_claims(doc)
    assert store.replace_document(doc, claims)
    assert set(store.claims()) == set(claims)
    assert store.documents()[0]["title"] == NASTY
    assert store.replace_document(doc, claims) is False


def test_query_sees_the_union_of_document_graphs(store: Store) -> None:
    one, two = make_document("one", "one.txt"), make_document("two", "two.txt")
    store.replace_document(one, make_claims(one))
    store.replace_document(two, make_claims(two)[:2])
    count = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a <https://w3id.org/kg-geo/ontology#Claim> }"
    assert int(next(iter(store.query(count))).n) == 6
    graphs = store.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?d a <https://w3id.org/kg-geo/ontology#Document> } }"
    )
    assert {row.g for row in graphs} == {document_iri(one), document_iri(two)}


def test_query_binds_values_as_terms(store: Store) -> None:
    doc = make_document("one", "one.txt")
    store.replace_document(doc, make_claims(doc))
    sparql = "SELECT ?d WHERE { ?d <https://w3id.org/kg-geo/ontology#name> ?name }"
    assert [row.d for row in store.query(sparql, {"name": "one.txt"})] == [document_iri(doc)]
    assert list(store.query(sparql, {"name": 'one.txt" } #'})) == []


@pytest.mark.parametrize("bad", ["SELEC ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { ?x ?p }", ""])
def test_bad_sparql_is_a_query_error(store: Store, bad: str) -> None:
    with pytest.raises(QueryError, match="SPARQL"):
        store.query(bad)


def test_update_through_query_is_refused(store: Store) -> None:
    with pytest.raises(QueryError, match="update"):
        store.query("INSERT DATA { <http://a> <http://b> <http://c> }")
    assert len(store) == 0


def test_claims_filters(store: Store) -> None:
    one, two = make_document("one", "one.txt"), make_document("two", "two.txt")
    store.replace_document(one, make_claims(one))
    store.replace_document(two, make_claims(two)[:1])
    every = store.claims()
    assert len(every) == 5

    def keys(**filters: str) -> set[str]:
        return {c.key for c in store.claims(**filters)}

    about_russia = {c.key for c in every if RU in (c.subject, c.object)}
    assert len(about_russia) == 4
    for name in ("Russia", "russia", "Q159", "RU", "moscow", "http://www.wikidata.org/entity/Q159"):
        assert keys(actor=name) == about_russia, name
    assert keys(actor="person:kim-jong-un") == keys(actor="KIM JONG UN") != set()
    assert keys(actor="South Korea") == set()  # only attributes a claim
    assert keys(actor='x" } ; DROP ALL #') == set()
    military = {c.key for c in every if c.relation.label == "MILITARY_AID"}
    assert keys(relation="MILITARY_AID") == military and len(military) == 3
    assert keys(relation="sendsTroops") == {
        c.key for c in every if c.relation.name == "sendsTroops"
    }
    assert keys(modality="hedged") == {c.key for c in every if c.modality is Modality.HEDGED}
    assert keys(document=two.doc_id) == keys(document="two.txt") == {make_claims(two)[0].key}
    assert keys(document=str(document_iri(two))) == keys(document="two.txt")
    assert keys(actor="Russia", modality="asserted", document="one.txt") == {
        c.key for c in make_claims(one) if c.modality is Modality.ASSERTED
    }
    with pytest.raises(QueryError, match="relation"):
        store.claims(relation="nonsense")
    with pytest.raises(QueryError, match="modality"):
        store.claims(modality="maybe")


def test_stats_and_documents(store: Store) -> None:
    one, two = make_document("one", "one.txt", 18), make_document("two", "two.txt", 19)
    store.replace_document(one, make_claims(one))
    store.replace_document(two, [])
    stats = store.stats()
    assert stats["documents"] == 2
    assert stats["claims"] == 4
    assert stats["actors"] == 5  # KP, RU, KR, KIM, NATO
    assert stats["triples"] == len(store) > 0
    assert stats["by_relation"] == {"MILITARY_AID": 2, "MEETS": 1, "CRITICIZES": 1}
    assert stats["by_modality"] == {"asserted": 2, "hedged": 1, "negated": 1}
    rows = store.documents()
    assert [(r["name"], r["claims"], r["date"]) for r in rows] == [
        ("one.txt", 4, "2024-10-18"),
        ("two.txt", 0, "2024-10-19"),
    ]
    assert rows[0]["id"] == one.doc_id
    assert rows[0]["url"] == "https://example.org/one.txt"
    assert rows[0]["title"] == "Title of one.txt"
    assert rows[0]["source"] == "Example"


@pytest.mark.parametrize("target", ["memory", "oxigraph"])
@pytest.mark.parametrize("fmt", ["nq", "trig", "jsonld"])
def test_export_import_keeps_the_dataset(
    store: Store, tmp_path: Path, fmt: str, target: str
) -> None:
    one, two = make_document("one", "one.txt"), make_document("two", "two.txt")
    store.replace_document(one, make_claims(one))
    store.replace_document(two, make_claims(two)[:2])
    path = tmp_path / f"out.{fmt}"
    store.export(path, fmt)
    uri = "memory:" if target == "memory" else f"oxigraph:{tmp_path / 'copy'}"
    with open_store(uri) as copy:
        assert copy.import_file(path) == len(store)
        assert quads(copy) == quads(store)
        assert set(copy.claims()) == set(store.claims())


@pytest.mark.parametrize("fmt", ["ttl", "nt", "xml"])
def test_export_triples_gives_the_same_claims(store: Store, tmp_path: Path, fmt: str) -> None:
    doc = make_document("one", "one.txt")
    store.replace_document(doc, make_claims(doc))
    buffer = io.BytesIO()
    store.export(buffer, fmt)
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(buffer.getvalue())
    with open_store("memory:") as copy:
        assert copy.import_file(path) > 0
        rows = copy.query("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }")
        graphs = {str(row.g) for row in rows}
        assert graphs == {path.resolve().as_uri()}
        assert set(copy.claims()) == set(make_claims(doc))


def test_import_errors_name_the_file(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://a> <http://b> .\n")
    with pytest.raises(BadInputError, match=r"bad\.ttl") as info:
        store.import_file(bad)
    assert isinstance(info.value, KgError)
    unknown = tmp_path / "data.xyz"
    unknown.write_text("x")
    with pytest.raises(BadInputError, match="format"):
        store.import_file(unknown)
    with pytest.raises(BadInputError, match="no such file"):
        store.import_file(tmp_path / "missing.nq")
    with pytest.raises(StoreError, match="format"):
        store.export(io.BytesIO(), "csv")


def test_open_store_schemes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(open_store("memory:"), MemoryStore)
    with pytest.raises(StoreError, match="memory:"):
        open_store("ftp2://somewhere")
    with pytest.raises(StoreError, match="cannot reach the SPARQL server"):
        open_store(f"sparql:http://127.0.0.1:{free_port()}/sparql")
    monkeypatch.setenv("KG_STORE", str(tmp_path / "from-env"))
    with open_store() as env_store:
        assert isinstance(env_store, OxigraphStore)
        assert env_store.location == str(tmp_path / "from-env")
    with open_store(str(tmp_path / "nested" / "plain")) as plain:
        assert isinstance(plain, OxigraphStore)


def test_open_store_refusals(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        open_store(str(a_file))
    with pytest.raises(StoreError, match="kg ingest"):
        open_store(str(tmp_path / "missing"), create=False)
    assert not (tmp_path / "missing").exists()
    with pytest.raises(StoreError, match="kg ingest"):
        open_store(str(tmp_path / "missing"), read_only=True)
    crowded = tmp_path / "crowded"
    crowded.mkdir()
    (crowded / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="other files"):
        open_store(str(crowded))


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "store"
    doc = make_document("one", "one.txt")
    with open_store(str(path)) as writer:
        writer.replace_document(doc, make_claims(doc))
    with open_store(str(path), read_only=True) as reader:
        assert reader.has_document(doc.doc_id)
        with pytest.raises(StoreError, match="read-only"):
            reader.remove_document(doc.doc_id)
    # Closing released the lock: the store opens again in this process.
    with open_store(str(path), create=False) as again:
        assert len(again.claims()) == 4


def test_a_store_in_use_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "store"
    open_store(str(path)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from kg.store import open_store
            store = open_store({str(path)!r})
            print("ready", flush=True)
            time.sleep(30)
        """)],
        stdout=subprocess.PIPE, cwd=REPO, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLockedError, match="in use by another kg process"):
            open_store(str(path))
    finally:
        holder.kill()
        holder.wait()
    with open_store(str(path)) as store:
        assert len(store) == 0


CLAIMS_PER_DOCUMENT = 25
DOCUMENTS = 20

# Writes every document once, then rewrites them round after round, each time with
# claims that name the round, so the kill lands mid-replacement; a torn write would show
# as a missing document, a claim count that is off, or claims from two rounds.
WRITER = f"""
import sys
from kg.model import Actor, ActorType, Claim, Document, Modality
from kg.ontology import relation
from kg.store import open_store

ru = Actor("RU", "Russia", ActorType.STATE, qid="Q159")
kp = Actor("KP", "North Korea", ActorType.STATE, qid="Q423")
rel = relation("militaryAid")
with open_store(sys.argv[1]) as store:
    for round_ in range(1_000_000):
        for n in range({DOCUMENTS}):
            doc = Document(f"document {{n}}", f"d{{n}}.txt")
            claims = [Claim(kp, rel, ru, Modality.HEDGED, doc.doc_id,
                            f"round {{round_}} claim {{i}} " + "x" * 200, i, i, i + 1, 0.5)
                      for i in range({CLAIMS_PER_DOCUMENT})]
            store.replace_document(doc, claims)
            if round_ == 1 and n == 0:
                print("started", flush=True)
"""


@pytest.mark.parametrize("backend", ["oxigraph", "virtuoso"])
@pytest.mark.parametrize("delay", [0.05, 0.3, 0.9])
def test_a_killed_writer_leaves_only_whole_documents(
    request: pytest.FixtureRequest, tmp_path: Path, delay: float, backend: str
) -> None:
    if backend == "virtuoso":
        path = request.getfixturevalue("fresh_virtuoso")
    else:
        path = str(tmp_path / "store")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, path], stdout=subprocess.PIPE, cwd=REPO, text=True
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "started"
        time.sleep(delay)
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    with open_store(path, create=False) as store:
        rows = store.documents()
        assert len(rows) == DOCUMENTS
        assert {row["claims"] for row in rows} == {CLAIMS_PER_DOCUMENT}
        per_document = store.query("""
            PREFIX kg: <https://w3id.org/kg-geo/ontology#>
            PREFIX prov: <http://www.w3.org/ns/prov#>
            SELECT ?doc (COUNT(?c) AS ?claims)
                   (COUNT(DISTINCT STRBEFORE(STRAFTER(?e, "round "), " ")) AS ?rounds)
            WHERE { ?c a kg:Claim ; prov:wasDerivedFrom ?doc ; kg:evidence ?e }
            GROUP BY ?doc""")
        counts = {str(r.doc): (int(r.claims), int(r.rounds)) for r in per_document}
        assert set(counts) == {str(document_iri(row["id"])) for row in rows}
        assert set(counts.values()) == {(CLAIMS_PER_DOCUMENT, 1)}


def test_len_counts_quads(store: Store) -> None:
    doc = make_document("one", "one.txt")
    store.replace_document(doc, make_claims(doc))
    union = Dataset()
    for s, p, o, g in store.dataset.quads((None, None, None, None)):
        union.graph(g.identifier if hasattr(g, "identifier") else g).add((s, p, o))
    assert len(store) == len(list(union.quads((None, None, None, None))))
