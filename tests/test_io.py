"""Graph-tool exports, the claims CSV and the GDELT 2.0 import (``kg.io``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from kg.io import EXPORTERS, IMPORTERS, read_claims_csv, write_claims_csv
from kg.io.csv_claims import CLAIM_COLUMNS
from kg.io.gdelt import GdeltStats, confidence, event_mapping, read_gdelt_events
from kg.io.graphs import (
    NEO4J_NODE_COLUMNS,
    NEO4J_RELATIONSHIP_COLUMNS,
    write_csv,
    write_cytoscape,
    write_gexf,
    write_graphml,
    write_neo4j,
)
from kg.model import Actor, ActorType, Claim, InputProblem, Modality
from kg.ontology import relation, relations
from kg.store import open_store

GDELT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "gdelt"
GDELT_SAMPLE = GDELT_DIR / "events-sample.export.CSV"
needs_gdelt = pytest.mark.skipif(not GDELT_SAMPLE.exists(), reason="no GDELT sample")

RU = Actor("RU", "Russia", ActorType.STATE, qid="Q159", iso2="RU", iso3="RUS", aliases=("RF",))
KP = Actor("KP", "North Korea", ActorType.STATE, qid="Q423", iso2="KP", iso3="PRK")
UA = Actor("UA", "Ukraine", ActorType.STATE, qid="Q212", iso2="UA", iso3="UKR")
NATO = Actor("org:NATO", "NATO", ActorType.ORGANIZATION, qid="Q7184", aliases=("Alliance", "OTAN"))
KIM = Actor("person:kim-yong-chol", "Kim Yong-chol", ActorType.PERSON)  # no QID
UN = Actor("org:UN", "United Nations", ActorType.ORGANIZATION, qid="Q1065")


def _claims() -> list[Claim]:
    """Hand-made claims exercising every field: None and set, symmetric, commas, quotes,
    newlines and non-ASCII in evidence, all three modalities, two documents."""
    return [
        Claim(
            KP,
            relation("sendsTroops"),
            RU,
            Modality.ASSERTED,
            "doc-a",
            'North Korea sent troops to Russia, "officials" said.',
            0,
            0,
            52,
            0.9,
            attributed_to=UA,
            event_date=dt.date(2024, 10, 18),
            trigger="sent",
        ),
        Claim(
            KP,
            relation("suppliesWeapons"),
            RU,
            Modality.HEDGED,
            "doc-a",
            "Pyongyang may ship shells —\nreports say.",
            1,
            53,
            95,
            0.6123456789,
        ),
        Claim(
            RU,
            relation("attacks"),
            UA,
            Modality.ASSERTED,
            "doc-b",
            "Russia struck Kyiv; Київ shook.",
            0,
            0,
            31,
            0.75,
            event_date=dt.date(2024, 11, 1),
            trigger="struck",
        ),
        Claim(
            NATO,
            relation("condemns"),
            RU,
            Modality.NEGATED,
            "doc-b",
            "NATO did not condemn Russia.",
            1,
            32,
            60,
            0.5,
            attributed_to=KIM,
        ),
        Claim(
            UA,
            relation("meets"),
            NATO,
            Modality.ASSERTED,
            "doc-b",
            "Ukraine met NATO.",
            2,
            61,
            78,
            1.0,
        ),
    ]


DOCUMENTS = [
    {"id": "doc-a", "name": "a.txt", "title": "Troops", "date": "2024-10-18",
     "source": "Reuters", "url": "https://example.org/a"},
    {"id": "doc-b", "name": "b.txt", "title": None, "date": None, "source": None, "url": None},
]  # fmt: skip


# --- claims CSV round trip ------------------------------------------------------------


def test_claims_csv_round_trip_gives_identical_claims(tmp_path: Path) -> None:
    claims = _claims()
    path = tmp_path / "claims.csv"
    assert write_claims_csv(claims, path, documents=DOCUMENTS) == len(claims)
    items = list(read_claims_csv(path))
    assert not [i for i in items if isinstance(i, InputProblem)]
    back = [c for _, cs in items for c in cs]
    assert back == claims  # field by field, order kept
    assert {c.key for c in back} == {c.key for c in claims}
    docs = {doc.doc_id: doc for doc, _ in items}
    assert set(docs) == {"doc-a", "doc-b"}  # ids kept as given, not hashed from text
    a = docs["doc-a"]
    assert (a.name, a.title, a.date, a.source, a.url) == (
        "a.txt", "Troops", dt.date(2024, 10, 18), "Reuters", "https://example.org/a",
    )  # fmt: skip
    assert docs["doc-b"].name == "b.txt" and docs["doc-b"].title is None


def test_claims_csv_has_every_column_and_streams_to_binary() -> None:
    buffer = io.BytesIO()
    write_claims_csv(_claims()[:1], buffer)
    text = buffer.getvalue().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CLAIM_COLUMNS
    row = rows[0]
    assert row["subject_qid"] == "Q423" and row["relation_label"] == "MILITARY_AID"
    assert row["attributed_to_label"] == "Ukraine" and row["event_date"] == "2024-10-18"
    assert row["trigger"] == "sent" and row["claim_key"] == _claims()[0].key


def test_claims_csv_import_into_store_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    write_claims_csv(_claims(), path, documents=DOCUMENTS)
    store = open_store("memory:")
    changed = [store.replace_document(d, cs) for d, cs in read_claims_csv(path)]
    assert changed == [True, True]
    again = [store.replace_document(d, cs) for d, cs in read_claims_csv(path)]
    assert again == [False, False]
    assert {c.key for c in store.claims()} == {c.key for c in _claims()}


def test_claims_csv_groups_rows_of_a_document_that_are_not_adjacent(tmp_path: Path) -> None:
    claims = _claims()
    path = tmp_path / "claims.csv"
    write_claims_csv([claims[0], claims[2], claims[1]], path)
    items = list(read_claims_csv(path))
    assert [(d.doc_id, len(cs)) for d, cs in items] == [("doc-a", 2), ("doc-b", 1)]


def test_claims_csv_bad_rows_are_problems_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(
        "document_id,subject_key,relation_name,object_key,modality,confidence\n"
        "d1,KP,sendsTroops,RU,asserted,0.8\n"
        "d1,KP,flysToMoon,RU,asserted,0.8\n"
        "d1,KP,attacks,RU,maybe,0.8\n"
        "d1,KP,attacks,,asserted,0.8\n"
        "d2,UA,attacks,RU,,2.5\n",
        encoding="utf-8",
    )
    items = list(read_claims_csv(path))
    problems = [i for i in items if isinstance(i, InputProblem)]
    assert [p.line for p in problems] == [3, 4, 5, 6]
    assert "flysToMoon" in problems[0].reason and "maybe" in problems[1].reason
    (doc, claims) = next(i for i in items if not isinstance(i, InputProblem))
    # Keys alone: the rest comes from the gazetteer.
    assert doc.doc_id == "d1" and claims[0].subject.label == "North Korea"
    assert claims[0].object.qid == "Q159" and claims[0].confidence == 0.8


# --- graph exports --------------------------------------------------------------------


def test_graphml_parses_back_with_attributes(tmp_path: Path) -> None:
    path = tmp_path / "g.graphml"
    write_graphml(_claims(), path)
    graph = nx.read_graphml(path, force_multigraph=True)
    # Negated claims are left out by default: NATO–RU condemns is not an edge.
    assert set(graph.nodes) == {"Q423", "Q159", "Q212", "Q7184"}
    assert graph.nodes["Q7184"]["label"] == "NATO"
    assert graph.nodes["Q7184"]["type"] == "InternationalOrganization"
    assert graph.nodes["Q7184"]["aliases"] == "Alliance|OTAN"
    assert graph.nodes["Q423"]["qid"] == "Q423"
    edges = {(s, t, d["relation"]): d for s, t, d in graph.edges(data=True)}
    assert set(edges) == {
        ("Q423", "Q159", "MILITARY_AID"),
        ("Q159", "Q212", "ATTACKS"),
        ("Q212", "Q7184", "MEETS"),
    }
    aid = edges["Q423", "Q159", "MILITARY_AID"]
    assert aid["count"] == 2 and aid["modality"] == "asserted"
    assert aid["name"] == "militaryAid"  # two finer properties → the top-level one
    assert aid["quad_class"] == "MaterialCooperation"
    assert aid["first_evidence"].startswith("North Korea sent troops")
    attack = edges["Q159", "Q212", "ATTACKS"]
    assert attack["name"] == "attacks" and attack["first_date"] == "2024-11-01"


def test_graphml_with_all_modalities_and_to_a_stream() -> None:
    buffer = io.BytesIO()
    graph = write_graphml(_claims(), buffer, modalities=("asserted", "hedged", "negated"))
    assert graph.number_of_edges() == 4
    back = nx.read_graphml(io.BytesIO(buffer.getvalue()), force_multigraph=True)
    assert back.number_of_edges() == 4 and "person:kim-yong-chol" not in back


def test_gexf_parses_back_with_attributes(tmp_path: Path) -> None:
    path = tmp_path / "g.gexf"
    write_gexf(_claims(), path)
    graph = nx.read_gexf(path)
    assert graph.number_of_nodes() == 4 and graph.number_of_edges() == 3
    assert graph.nodes["Q159"]["label"] == "Russia" and graph.nodes["Q159"]["type"] == "State"
    data = [d for s, t, d in graph.edges(data=True) if (s, t) == ("Q423", "Q159")]
    assert len(data) == 1
    assert data[0]["relation"] == "MILITARY_AID" and data[0]["count"] == 2
    assert data[0]["weight"] == 2.0
    # Gephi reads the GEXF namespace.
    root = ET.parse(path).getroot()
    assert root.tag.endswith("gexf")


def test_cytoscape_json_structure(tmp_path: Path) -> None:
    path = tmp_path / "g.cyjs"
    write_cytoscape(_claims(), path)
    data = json.loads(path.read_text("utf-8"))
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    assert {n["data"]["id"] for n in nodes} == {"Q423", "Q159", "Q212", "Q7184"}
    russia = next(n["data"] for n in nodes if n["data"]["id"] == "Q159")
    assert russia["label"] == "Russia" and russia["aliases"] == ["RF"]
    ids = {n["data"]["id"] for n in nodes}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in edges)
    assert len({e["data"]["id"] for e in edges}) == len(edges) == 3
    aid = next(e["data"] for e in edges if e["data"]["relation"] == "MILITARY_AID")
    assert aid["id"] == "Q423|MILITARY_AID|Q159" and aid["count"] == 2
    assert [c["relation_name"] for c in aid["claims"]] == ["suppliesWeapons", "sendsTroops"]


def test_neo4j_headers_rows_and_cypher(tmp_path: Path) -> None:
    counts = write_neo4j(_claims(), tmp_path / "neo")
    folder = tmp_path / "neo"
    with open(folder / "nodes.csv", encoding="utf-8", newline="") as handle:
        nodes = list(csv.reader(handle))
    with open(folder / "relationships.csv", encoding="utf-8", newline="") as handle:
        rels = list(csv.reader(handle))
    assert tuple(nodes[0]) == NEO4J_NODE_COLUMNS
    assert nodes[0][:3] == ["id:ID", "name", ":LABEL"]
    assert tuple(rels[0]) == NEO4J_RELATIONSHIP_COLUMNS
    assert rels[0][:3] == [":START_ID", ":END_ID", ":TYPE"]
    # Every actor, the attributed ones too (UA, Kim); every claim, negated ones too.
    assert len(nodes) - 1 == counts["nodes.csv"] == 5
    assert len(rels) - 1 == counts["relationships.csv"] == 5
    by_id = {row[0]: row for row in nodes[1:]}
    assert by_id["Q7184"][2] == "Actor;InternationalOrganization"
    assert by_id["Q7184"][8] == "Alliance;OTAN"
    assert by_id["person:kim-yong-chol"][2] == "Actor;Person"
    ids = set(by_id)
    assert all(r[0] in ids and r[1] in ids for r in rels[1:])
    first = dict(zip(rels[0], rels[1], strict=True))
    assert first[":TYPE"] == "MILITARY_AID" and first["relation"] == "sendsTroops"
    assert first["eventDate:date"] == "2024-10-18" and first["confidence:float"] == "0.9"
    script = (folder / "import.cypher").read_text("utf-8")
    assert "LOAD CSV WITH HEADERS FROM 'file:///relationships.csv'" in script
    for rel_type in ("MILITARY_AID", "ATTACKS", "CRITICIZES", "MEETS"):
        assert f"[r:`{rel_type}`" in script
    assert "SET a:`Person`" in script


def test_csv_folder_nodes_edges_claims(tmp_path: Path) -> None:
    counts = write_csv(_claims(), tmp_path / "out", documents=DOCUMENTS)
    folder = tmp_path / "out"
    assert counts == {"claims.csv": 5, "edges.csv": 3, "nodes.csv": 5}
    with open(folder / "edges.csv", encoding="utf-8", newline="") as handle:
        edges = list(csv.DictReader(handle))
    assert {(e["source"], e["relation"], e["target"]) for e in edges} == {
        ("Q423", "MILITARY_AID", "Q159"),
        ("Q159", "ATTACKS", "Q212"),
        ("Q212", "MEETS", "Q7184"),
    }
    back = [c for item in read_claims_csv(folder / "claims.csv") for c in item[1]]
    assert back == _claims()


def test_registries_name_every_format() -> None:
    assert set(EXPORTERS) == {"graphml", "gexf", "cytoscape", "neo4j", "csv"}
    assert {n for n, e in EXPORTERS.items() if e.folder} == {"neo4j", "csv"}
    assert set(IMPORTERS) == {"csv", "gdelt"}


# --- GDELT ----------------------------------------------------------------------------


def test_cameo_mapping_names_real_properties() -> None:
    table = event_mapping()
    known = relations()
    assert all(m.relation is None or m.relation.name in known for m in table.values())
    assert table["043"].reverse and not table["042"].reverse
    assert table["112"].relation.name == "accuses"
    assert table["195"].relation.name == "launchesStrike"
    assert table["055"].relation is None  # blocks the fallback to 05 (supports)
    assert "03" not in table and "14" not in table


def test_confidence_formula() -> None:
    assert [confidence(n) for n in (1, 2, 4, 9)] == [0.5, 0.667, 0.8, 0.9]


@needs_gdelt
def test_gdelt_sample_counts() -> None:
    stats = GdeltStats()
    items = list(read_gdelt_events(GDELT_SAMPLE, stats=stats))
    assert not [i for i in items if isinstance(i, InputProblem)]
    claims = [c for _, cs in items for c in cs]
    assert stats.rows == 500
    # The sample README: 278 of the 500 rows have both country codes.
    assert stats.skipped["actor without a country code"] == 500 - 278
    assert stats.claims == len(claims) == 99
    assert stats.documents == len(items) == 32
    assert stats.claims + sum(stats.skipped.values()) == stats.rows
    assert stats.skipped["CAMEO event code not mapped"] == 132
    assert stats.skipped["same state on both sides"] == 21
    assert stats.skipped["non-state actor role"] == 12
    assert stats.skipped["country code not a known state"] == 14
    assert all(c.modality is Modality.ASSERTED for c in claims)
    assert all(c.subject.type is ActorType.STATE and c.object.type is ActorType.STATE
               for c in claims)  # fmt: skip
    assert all(c.subject.key != c.object.key for c in claims)
    # Claim keys stay distinct within a document, so the store keeps every event.
    assert len({c.key for c in claims}) == len(claims)


@needs_gdelt
def test_gdelt_rows_checked_by_hand() -> None:
    items = [i for i in read_gdelt_events(GDELT_SAMPLE) if not isinstance(i, InputProblem)]
    by_event = {
        c.evidence.split(":")[0].removeprefix("GDELT event "): (doc, c)
        for doc, cs in items
        for c in cs
    }
    # Line 40: UKR → RUS, EventCode 112 (Accuse), QuadClass 3, Goldstein -2.0,
    # 4 mentions, SQLDATE 20140218.
    doc, claim = by_event["410412386"]
    assert (claim.subject.key, claim.relation.name, claim.object.key) == ("UA", "accuses", "RU")
    assert claim.confidence == 0.8 and claim.event_date == dt.date(2014, 2, 18)
    assert claim.relation.label == "CRITICIZES" and claim.trigger == "CAMEO 112"
    assert "CAMEO 112 (Accuse)" in claim.evidence and "Goldstein -2" in claim.evidence
    assert "4 mentions" in claim.evidence and "quad class 3" in claim.evidence
    assert (
        doc.url
        == "http://www.dw.de/debaltseve-under-rebel-control-ukraine-troops-retreat/a-18267982"
    )
    assert doc.source == "GDELT" and doc.date == dt.date(2015, 2, 18)
    assert claim.evidence.endswith(doc.url) and claim.document == doc.doc_id
    # Line 36: NZL hosts a visit (043) by AUS → Australia visits New Zealand.
    _, hosted = by_event["410412382"]
    assert (hosted.subject.key, hosted.relation.name, hosted.object.key) == ("AU", "visits", "NZ")
    assert hosted.confidence == 0.5
    # Line 2: no actor country codes at all → skipped.
    assert "410412347" not in by_event


@needs_gdelt
def test_gdelt_import_into_store_is_idempotent() -> None:
    store = open_store("memory:")
    items = [i for i in read_gdelt_events(GDELT_SAMPLE) if not isinstance(i, InputProblem)]
    assert all(store.replace_document(d, cs) for d, cs in items)
    assert len(store.claims()) == 99
    assert not any(store.replace_document(d, cs) for d, cs in read_gdelt_events(GDELT_SAMPLE))


def _gdelt_row(**values: str) -> str:
    from kg.io.gdelt import COLUMNS

    cells = dict.fromkeys(COLUMNS, "")
    cells.update(
        GLOBALEVENTID="1", SQLDATE="20240101", Actor1Code="RUS", Actor1CountryCode="RUS",
        Actor2Code="UKR", Actor2CountryCode="UKR", EventCode="195", EventBaseCode="195",
        EventRootCode="19", QuadClass="4", GoldsteinScale="-10.0", NumMentions="9",
        NumSources="2", NumArticles="9", DATEADDED="20240102120000",
        SOURCEURL="https://example.org/strike",
    )  # fmt: skip
    cells.update(values)
    return "\t".join(cells[c] for c in COLUMNS)


def test_gdelt_malformed_lines_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "bad.export.CSV"
    short = "\t".join(_gdelt_row().split("\t")[:40])
    path.write_text(
        "\n".join(
            [
                _gdelt_row(),
                short,
                _gdelt_row(GLOBALEVENTID="2", NumMentions="many"),
                _gdelt_row(GLOBALEVENTID="3", SQLDATE="2024"),
                _gdelt_row(
                    GLOBALEVENTID="4",
                    Actor1CountryCode="ROM",
                    EventCode="042",
                    EventBaseCode="042",
                    EventRootCode="04",
                ),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    stats = GdeltStats()
    items = list(read_gdelt_events(path, stats=stats))
    problems = [i for i in items if isinstance(i, InputProblem)]
    assert [(p.line, p.path) for p in problems] == [(2, str(path)), (3, str(path)), (4, str(path))]
    assert "found 40" in problems[0].reason
    assert "NumMentions" in problems[1].reason and "SQLDATE" in problems[2].reason
    ((doc, claims),) = [i for i in items if not isinstance(i, InputProblem)]
    assert [(c.subject.key, c.relation.name, c.object.key) for c in claims] == [
        ("RU", "launchesStrike", "UA"),
        ("RO", "visits", "UA"),  # CAMEO's ROM is Romania (ISO ROU)
    ]
    assert claims[0].confidence == 0.9 and doc.date == dt.date(2024, 1, 2)
    assert (stats.rows, stats.claims, stats.problems) == (5, 2, 3)


def test_gdelt_zip_and_role_filter(tmp_path: Path) -> None:
    import zipfile

    rows = [
        _gdelt_row(),
        _gdelt_row(GLOBALEVENTID="5", Actor1Code="RUSREB", Actor1Type1Code="REB"),
    ]
    path = tmp_path / "20240101000000.export.CSV.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("20240101000000.export.CSV", "\n".join(rows) + "\n")
    stats = GdeltStats()
    claims = [c for item in read_gdelt_events(path, stats=stats) for c in item[1]]
    assert len(claims) == 1 and stats.skipped == {"non-state actor role": 1}
    everyone = [c for item in read_gdelt_events(path, roles=None) for c in item[1]]
    assert len(everyone) == 2
