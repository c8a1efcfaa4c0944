"""The real ``kg`` CLI as a user runs it, checked through the library.

Read-only commands share the session's ``sample_store`` (``data/samples`` ingested once);
commands that write get a store of their own under ``tmp_path``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import open_store
from kg.cli import EXPORT_FORMATS, main
from kg.ontology import SCORING_LABELS
from kg.rdf import actor_iri
from kg.store import _canonical, _from_ox

pytestmark = pytest.mark.slow

WIRE_IDS = {
    "wire-2024-06-19-putin-kim-treaty",
    "wire-2025-02-02-north-america-tariffs",
    "wire-2025-07-28-thailand-cambodia-ceasefire",
}
FEED_LINKS = {
    "https://example.org/news/2024/09/11/iran-missiles-russia",
    "https://example.org/news/2025/09/11/poland-drones-nato-consultations",
}
MODALITIES = {"asserted", "hedged", "negated"}
RECORD_KEYS = {
    "doc",
    "subject",
    "relation",
    "object",
    "modality",
    "attributed_to",
    "evidence",
    "confidence",
    "date",
}
SUMMARY = re.compile(
    r"^(?P<read>\d+) documents read: (?P<stored>\d+) stored, (?P<unchanged>\d+) unchanged, "
    r"(?P<skipped>\d+) already in the store; (?P<claims>\d+) claims; (?P<problems>\d+) problems\.$",
    re.MULTILINE,
)
STATS_LINE = re.compile(
    r"^(?P<documents>\d+) documents, (?P<actors>\d+) actors, (?P<claims>\d+) claims, "
    r"(?P<triples>\d+) triples$",
    re.MULTILINE,
)
# Oxigraph's parser names for the export formats, to check each file parses.
OX_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}


def summary_of(output: str) -> dict[str, int]:
    match = SUMMARY.search(output)
    assert match, f"no ingest summary line in {output!r}"
    return {key: int(value) for key, value in match.groupdict().items()}


def claim_keys(store) -> set[tuple]:
    return {
        (c.subject.iri_key, c.relation.name, c.object.iri_key, c.modality.value, c.evidence)
        for c in store.claims()
    }


def quad_keys(store) -> set[tuple]:
    """The store's quads, exported as N-Quads, under value comparison."""
    buffer = io.BytesIO()
    store.export(buffer, "nq")
    return {
        (*(_canonical(_from_ox(t)) for t in (q.subject, q.predicate, q.object)), q.graph_name.value)
        for q in ox.parse(buffer.getvalue(), format=ox.RdfFormat.N_QUADS)
    }


def sample_txt_names(samples_dir: Path) -> set[str]:
    return {p.name for p in samples_dir.glob("*.txt")}


# --- help -----------------------------------------------------------------------------


def test_main_help_lists_every_command(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for name in main.commands:
        assert name in result.output


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output, f"`kg {command} --help` shows no example"
    assert f"kg {command}" in result.output


# --- ingest ---------------------------------------------------------------------------


def test_ingest_then_stats_as_real_processes(store_uri, kg_process, samples_dir, sample_store):
    store_path = store_uri
    ingested = kg_process("ingest", samples_dir, "--store", store_path)
    assert ingested.returncode == 0, ingested.stderr
    assert "Traceback" not in ingested.stdout + ingested.stderr
    summary = summary_of(ingested.stdout)
    assert summary["read"] == summary["stored"] == 25
    assert summary["problems"] == 0
    assert summary["claims"] > 100

    shown = kg_process("stats", "--store", store_path)
    assert shown.returncode == 0, shown.stderr
    line = STATS_LINE.search(shown.stdout)
    assert line, shown.stdout
    assert int(line["documents"]) == 25
    assert int(line["claims"]) == summary["claims"]

    # A separate process gives the same store as the in-process ingest of the session.
    as_json = kg_process("stats", "--store", store_path, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    with open_store(str(sample_store), read_only=True) as store:
        assert json.loads(as_json.stdout) == store.stats(), (
            "a separate process stored other claims than the in-process ingest "
            "(or the lexicons changed while the tests ran)"
        )


def test_sample_store_holds_every_sample(sample_store_uri, samples_dir):
    with open_store(str(sample_store_uri), read_only=True) as store:
        numbers = store.stats()
        names = {d["name"] for d in store.documents()}
        documents = store.documents()
    assert numbers["documents"] == 25
    assert numbers["claims"] > 100
    assert numbers["claims"] == sum(d["claims"] for d in documents)
    assert set(numbers["by_relation"]) <= set(SCORING_LABELS)
    assert len(numbers["by_relation"]) >= 12, numbers["by_relation"]
    assert set(numbers["by_modality"]) == MODALITIES
    assert sum(numbers["by_modality"].values()) == numbers["claims"]
    assert sample_txt_names(samples_dir) <= names
    assert names >= WIRE_IDS
    assert names >= FEED_LINKS
    assert {p.name for p in samples_dir.glob("*.html")} <= names
    assert len(names) == 25


def test_server_store_holds_what_the_embedded_store_holds(sample_store, virtuoso_sample_store):
    """The samples ingested into Virtuoso give the same documents, claims, counts and
    quads as the samples ingested into the embedded store."""
    with open_store(str(sample_store), read_only=True) as embedded:
        expected = (embedded.stats(), embedded.documents(), claim_keys(embedded))
        expected_quads = quad_keys(embedded)
    with open_store(virtuoso_sample_store, read_only=True) as server:
        assert (server.stats(), server.documents(), claim_keys(server)) == expected
        assert quad_keys(server) == expected_quads


def test_dated_file_names_date_the_articles(sample_store_uri, samples_dir):
    """README: a .txt file name that starts with YYYY-MM-DD dates the article."""
    with open_store(str(sample_store_uri), read_only=True) as store:
        dates = {d["name"]: d["date"] for d in store.documents()}
    for name in sample_txt_names(samples_dir):
        assert dates[name] == name[:10], name


def test_ingest_again_changes_nothing(tmp_path, store_uri, cli, samples_dir):
    store_path = store_uri
    first = cli("ingest", samples_dir, "--store", store_path)
    assert first.exit_code == 0, first.stderr
    assert summary_of(first.output)["stored"] == 25

    def snapshot(name: str) -> tuple[int, bytes]:
        exported = cli("export", "--store", store_path, "--format", "nq", "-o", tmp_path / name)
        assert exported.exit_code == 0, exported.stderr
        with open_store(str(store_path), read_only=True) as store:
            return len(store), (tmp_path / name).read_bytes()

    quads, dump = snapshot("first.nq")

    again = cli("ingest", samples_dir, "--store", store_path)
    assert again.exit_code == 0, again.stderr
    summary = summary_of(again.output)
    assert "already in the store" in again.output
    assert (summary["stored"], summary["skipped"], summary["claims"]) == (0, 25, 0)
    assert snapshot("again.nq") == (quads, dump)

    refreshed = cli("ingest", samples_dir, "--store", store_path, "--refresh")
    assert refreshed.exit_code == 0, refreshed.stderr
    summary = summary_of(refreshed.output)
    assert (summary["stored"], summary["unchanged"], summary["skipped"]) == (0, 25, 0)
    assert summary["claims"] == summary_of(first.output)["claims"]
    assert snapshot("refreshed.nq") == (quads, dump)


def test_ingest_into_memory_store(cli, samples_dir):
    article = samples_dir / "2024-10-18-korea-troops.txt"
    result = cli("ingest", article, "--store", "memory:")
    assert result.exit_code == 0, result.stderr
    summary = summary_of(result.output)
    assert (summary["read"], summary["stored"], summary["problems"]) == (1, 1, 0)
    assert summary["claims"] > 0


def test_kg_store_variable_picks_the_store(tmp_path, cli, samples_dir, sample_store):
    read = cli("stats", "--format", "json", env={"KG_STORE": str(sample_store)})
    assert read.exit_code == 0, read.stderr
    assert json.loads(read.output)["documents"] == 25

    store_path = tmp_path / "from-env"
    article = samples_dir / "2024-10-18-korea-troops.txt"
    written = cli("ingest", article, env={"KG_STORE": str(store_path)})
    assert written.exit_code == 0, written.stderr
    with open_store(str(store_path), read_only=True) as store:
        assert [d["name"] for d in store.documents()] == [article.name]


def test_ingest_with_date_and_source(store_uri, cli, samples_dir):
    store_path = store_uri
    article = samples_dir / "2024-10-18-korea-troops.txt"
    result = cli(
        "ingest", article, "--store", store_path, "--date", "2024-10-18", "--source", "Desk"
    )
    assert result.exit_code == 0, result.stderr
    with open_store(str(store_path), read_only=True) as store:
        (doc,) = store.documents()
    assert (doc["date"], doc["source"]) == ("2024-10-18", "Desk")


# --- extract --------------------------------------------------------------------------


def test_extract_jsonl_follows_the_scoring_contract(tmp_path, cli, samples_dir):
    source = samples_dir / "wire.jsonl"
    output = tmp_path / "out" / "pred.jsonl"
    result = cli("extract", source, "-o", output)
    assert result.exit_code == 0, result.stderr
    assert not output.with_name(output.name + ".partial").exists()
    texts = {
        record["id"]: record["text"]
        for record in map(json.loads, source.read_text("utf-8").splitlines())
    }
    records = [json.loads(line) for line in output.read_text("utf-8").splitlines()]
    assert records
    assert f"3 documents, {len(records)} claims" in result.stderr
    for record in records:
        assert set(record) >= RECORD_KEYS, record
        assert record["doc"] in texts
        for side in ("subject", "object"):
            assert set(record[side]) >= {"label", "wikidata"}
            assert record[side]["label"]
        assert record["relation"] in SCORING_LABELS
        assert record["modality"] in MODALITIES
        attributed = record["attributed_to"]
        assert attributed is None or attributed["label"]
        assert record["evidence"] and record["evidence"] in texts[record["doc"]]
        assert 0.0 < record["confidence"] <= 1.0
        assert record["date"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["date"])
    assert {r["doc"] for r in records} == set(texts)


def test_extract_text_file_names_the_doc_after_the_file(cli, samples_dir):
    article = samples_dir / "2024-10-18-korea-troops.txt"
    result = cli("extract", article)
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.output.splitlines()]
    assert records
    assert {r["doc"] for r in records} == {article.name}


def test_extracting_the_gold_file_can_be_scored(tmp_path, cli, repo_root):
    eval_dir = repo_root.parent / "shared" / "eval"
    gold = eval_dir / "dev.jsonl"
    if not gold.is_file():
        pytest.skip(f"no gold file at {gold}")
    pred = tmp_path / "pred.jsonl"
    result = cli("extract", gold, "--output", pred)
    assert result.exit_code == 0, result.stderr
    assert pred.stat().st_size > 0
    scored = subprocess.run(
        [sys.executable, str(eval_dir / "score.py"), str(gold), str(pred)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert scored.returncode == 0, scored.stderr
    assert scored.stdout.strip().splitlines()[-1].startswith("relations F1")


# --- query ----------------------------------------------------------------------------

NAMES_QUERY = "SELECT ?name WHERE { ?d a kg:Document ; kg:name ?name } ORDER BY ?name"


def test_query_table(cli, sample_store_uri, samples_dir):
    result = cli("query", NAMES_QUERY, "--store", sample_store_uri)
    assert result.exit_code == 0, result.stderr
    lines = result.output.rstrip("\n").splitlines()
    assert lines[0].strip() == "name"
    assert lines[-1] == "(25 rows)"
    for name in sample_txt_names(samples_dir) | WIRE_IDS:
        assert name in lines


def test_query_csv(cli, sample_store_uri):
    result = cli("query", NAMES_QUERY, "--store", sample_store_uri, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = [row for row in csv.reader(io.StringIO(result.output)) if row]
    assert rows[0] == ["name"]
    assert len(rows) == 26
    assert {row[0] for row in rows[1:]} >= WIRE_IDS


def test_query_tsv(cli, sample_store):
    result = cli("query", NAMES_QUERY, "--store", sample_store, "--format", "tsv")
    assert result.exit_code == 0, result.stderr
    lines = result.output.rstrip("\n").splitlines()
    assert lines[0] == "?name"
    assert len(lines) == 26


def test_query_json(cli, sample_store_uri):
    result = cli("query", NAMES_QUERY, "--store", sample_store_uri, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.output)
    assert document["head"]["vars"] == ["name"]
    bindings = document["results"]["bindings"]
    assert len(bindings) == 25
    assert {b["name"]["value"] for b in bindings} >= WIRE_IDS


def test_query_saved_file(cli, sample_store_uri, repo_root):
    query_file = repo_root / "data" / "queries" / "military-aid.rq"
    result = cli("query", "--file", query_file, "--store", sample_store_uri, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows
    assert {row["modality"] for row in rows} <= MODALITIES
    with open_store(str(sample_store_uri), read_only=True) as store:
        military_aid = store.claims(relation="MILITARY_AID")
    assert {(r["provider"], r["recipient"]) for r in rows} == {
        (c.subject.label, c.object.label) for c in military_aid
    }


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_query_output_ends_with_one_line_break(cli, sample_store, fmt):
    """A result is the format's text exactly: no blank line after it, which CSV and TSV
    readers would take for an empty row."""
    result = cli("query", NAMES_QUERY, "--store", sample_store, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.output.endswith("\n")
    assert not result.output.endswith(("\n\n", "\r\n\n")), repr(result.output[-20:])


@pytest.mark.parametrize(
    ("sparql", "answer"),
    [
        ("ASK { ?d a kg:Document }", "true"),
        ("ASK { ?d a kg:NoSuchClass }", "false"),
    ],
)
def test_query_ask(cli, sample_store_uri, sparql, answer):
    result = cli("query", sparql, "--store", sample_store_uri)
    assert result.exit_code == 0, result.stderr
    assert result.output.strip() == answer


def test_query_help_example_finds_asserted_claims(cli, sample_store_uri):
    """`kg query --help` shows `SELECT ?s ?o WHERE { ?s kg:militaryAid ?o }`; the design
    says asserted claims also give the direct triple under their scoring label's property,
    so that query must find every asserted MILITARY_AID pair."""
    with open_store(str(sample_store_uri), read_only=True) as store:
        asserted = {
            (str(actor_iri(c.subject)), str(actor_iri(c.object)))
            for c in store.claims(relation="MILITARY_AID", modality="asserted")
        }
    assert asserted, "the samples state some military aid as fact"
    result = cli(
        "query",
        "SELECT ?s ?o WHERE { ?s kg:militaryAid ?o }",
        "--store",
        sample_store_uri,
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.stderr
    found = {tuple(row) for row in list(csv.reader(io.StringIO(result.output)))[1:] if row}
    assert asserted <= found


# --- show -----------------------------------------------------------------------------


def test_show_actor_text(cli, sample_store_uri):
    result = cli("show", "North Korea", "--store", sample_store_uri)
    assert result.exit_code == 0, result.stderr
    headings = [line for line in result.output.splitlines() if line in SCORING_LABELS]
    assert headings
    with open_store(str(sample_store_uri), read_only=True) as store:
        claims = store.claims(actor="North Korea")
    assert claims
    assert set(headings) == {c.relation.label for c in claims}
    for claim in claims:
        assert f"“{claim.evidence}”" in result.output


def test_show_actor_json_and_by_qid(cli, sample_store_uri):
    by_name = cli("show", "North Korea", "--store", sample_store_uri, "--format", "json")
    assert by_name.exit_code == 0, by_name.stderr
    grouped = json.loads(by_name.output)
    assert grouped and set(grouped) <= set(SCORING_LABELS)
    for label, items in grouped.items():
        for item in items:
            assert item["relation"] == label
            assert item["evidence"]
            assert "North Korea" in (item["subject"], item["object"])
    by_qid = cli("show", "Q423", "--store", sample_store_uri, "--format", "json")
    assert json.loads(by_qid.output) == grouped


def test_show_unknown_actor(cli, sample_store_uri):
    result = cli("show", "Atlantis", "--store", sample_store_uri)
    assert result.exit_code == 0, result.stderr
    assert result.output.strip() == "no claims about 'Atlantis' in the store"
    as_json = cli("show", "Atlantis", "--store", sample_store_uri, "--format", "json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.output) == {}


# --- stats ----------------------------------------------------------------------------


def test_stats_text(cli, sample_store_uri):
    result = cli("stats", "--store", sample_store_uri)
    assert result.exit_code == 0, result.stderr
    with open_store(str(sample_store_uri), read_only=True) as store:
        numbers = store.stats()
    line = STATS_LINE.search(result.output)
    assert line, result.output
    for key in ("documents", "actors", "claims", "triples"):
        assert int(line[key]) == numbers[key]
    assert "claims by relation:" in result.output
    assert "claims by modality:" in result.output
    for label, count in numbers["by_relation"].items():
        assert re.search(rf"^  {label}\s+{count}$", result.output, re.MULTILINE), label


def test_stats_json(cli, sample_store_uri):
    result = cli("stats", "--store", sample_store_uri, "--format", "json")
    assert result.exit_code == 0, result.stderr
    with open_store(str(sample_store_uri), read_only=True) as store:
        assert json.loads(result.output) == store.stats()


# --- viz ------------------------------------------------------------------------------

# A resource the page would load: a remote src/href on a tag that fetches one (a link the
# reader may click, like a Wikidata page in a tooltip, is not a load).
REMOTE_ASSET = re.compile(
    r"""<(?:script|link|img|iframe|embed|object|source|audio|video)\b[^>]*"""
    r"""(?:src|href|data)\s*=\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)


def test_viz_writes_an_offline_page(tmp_path, cli, sample_store_uri):
    output = tmp_path / "out" / "graph.html"
    result = cli("viz", "--store", sample_store_uri, "-o", output)
    assert result.exit_code == 0, result.stderr
    assert re.search(r"\d+ actors, \d+ relations → ", result.output)
    page = output.read_text("utf-8")
    assert page.lstrip().lower().startswith(("<!doctype html", "<html"))
    remote = REMOTE_ASSET.findall(page)
    assert not remote, f"the page loads assets from the network: {remote[:5]}"
    assert not re.search(r"@import\s+url\(\s*['\"]?https?://", page)


# --- export and import ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_format_parses(tmp_path, cli, sample_store_uri, fmt):
    output = tmp_path / f"export.{fmt}"
    result = cli("export", "--store", sample_store_uri, "--format", fmt, "-o", output)
    assert result.exit_code == 0, result.stderr
    quads = list(ox.parse(path=output, format=OX_FORMATS[fmt]))
    with open_store(str(sample_store_uri), read_only=True) as store:
        total = len(store)
    if fmt in ("nq", "trig", "jsonld"):
        assert len(quads) == total
        assert any(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
    else:
        assert 0 < len(set(quads)) <= total


def test_export_to_stdout(cli, sample_store_uri):
    result = cli("export", "--store", sample_store_uri, "--format", "nt")
    assert result.exit_code == 0, result.stderr
    assert len(list(ox.parse(result.stdout_bytes, format=ox.RdfFormat.N_TRIPLES))) > 0


def test_import_of_an_export_restores_the_claims(tmp_path, cli, sample_store_uri, store_uri):
    backup = tmp_path / "backup.nq"
    assert cli("export", "--store", sample_store_uri, "--format", "nq", "-o", backup).exit_code == 0
    restored = store_uri
    result = cli("import", backup, "--store", restored)
    assert result.exit_code == 0, result.stderr
    assert re.search(rf"{re.escape(str(backup))}: \d+ triples", result.output)
    with open_store(str(sample_store_uri), read_only=True) as store:
        original_stats, original_keys = store.stats(), claim_keys(store)
    with open_store(str(restored), read_only=True) as store:
        restored_stats, restored_keys = store.stats(), claim_keys(store)
    assert restored_stats["claims"] == original_stats["claims"]
    assert restored_stats == original_stats
    assert restored_keys == original_keys


def test_min_confidence_filters_extraction(cli, samples_dir):
    source = samples_dir / "wire.jsonl"
    everything = [json.loads(line) for line in cli("extract", source).output.splitlines()]
    confident = cli("extract", source, "--min-confidence", "0.8")
    assert confident.exit_code == 0, confident.stderr
    kept = [json.loads(line) for line in confident.output.splitlines()]
    assert kept, "no claim reaches 0.8 on the wire articles"
    assert all(r["confidence"] >= 0.8 for r in kept)
    assert kept == [r for r in everything if r["confidence"] >= 0.8]
    assert len(kept) < len(everything)


def test_min_confidence_filters_show(cli, sample_store_uri):
    everything = json.loads(
        cli("show", "North Korea", "--store", sample_store_uri, "--format", "json").output
    )
    strict = cli(
        "show", "North Korea", "--store", sample_store_uri, "--format", "json",
        "--min-confidence", "0.8",
    )  # fmt: skip
    assert strict.exit_code == 0, strict.stderr
    kept = json.loads(strict.output)
    total = sum(len(items) for items in everything.values())
    remaining = sum(len(items) for items in kept.values())
    assert 0 < remaining < total
    assert all(item["confidence"] >= 0.8 for items in kept.values() for item in items)


def test_min_confidence_rejects_values_outside_zero_to_one(cli, samples_dir):
    result = cli("extract", samples_dir / "wire.jsonl", "--min-confidence", "1.5")
    assert result.exit_code == 2
    assert "1.5" in result.stderr


def test_jobs_give_the_same_claims_as_one_process(cli, samples_dir):
    one = cli("extract", samples_dir, "--jobs", "1")
    two = cli("extract", samples_dir, "--jobs", "2")
    assert one.exit_code == 0 and two.exit_code == 0, one.stderr + two.stderr
    assert one.output  # and in the same order: output order follows input order
    assert two.output == one.output


def test_viz_ego_draws_one_neighbourhood(tmp_path, cli, sample_store):
    whole = cli("viz", "--store", sample_store, "-o", tmp_path / "all.html")
    ego = cli(
        "viz", "--store", sample_store, "-o", tmp_path / "ego.html",
        "--ego", "North Korea", "--depth", "1",
    )  # fmt: skip
    assert whole.exit_code == 0 and ego.exit_code == 0, whole.stderr + ego.stderr
    count = re.compile(r"(\d+) actors")
    assert 1 < int(count.search(ego.output)[1]) < int(count.search(whole.output)[1])
    unknown = cli("viz", "--store", sample_store, "-o", tmp_path / "x.html", "--ego", "Atlantis")
    assert unknown.exit_code == 1
    assert "Atlantis" in unknown.stderr and "Traceback" not in unknown.stderr


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "cytoscape"])
def test_export_graph_tool_formats(tmp_path, cli, sample_store, fmt):
    output = tmp_path / f"graph.{fmt}"
    result = cli("export", "--store", sample_store, "--format", fmt, "-o", output)
    assert result.exit_code == 0, result.stderr
    assert output.stat().st_size > 1000


def test_export_csv_then_import_gives_the_same_claims(tmp_path, cli, sample_store):
    folder = tmp_path / "tables"
    assert cli("export", "--store", sample_store, "--format", "csv", "-o", folder).exit_code == 0
    assert {p.name for p in folder.iterdir()} >= {"nodes.csv", "edges.csv", "claims.csv"}
    restored = tmp_path / "restored"
    result = cli("import", "--format", "csv", folder / "claims.csv", "--store", restored)
    assert result.exit_code == 0, result.stderr

    def keys(path):
        with open_store(str(path), read_only=True) as store:
            return {c.key for c in store.claims()}

    assert keys(restored) == keys(sample_store)


def test_export_neo4j_needs_a_folder(cli, sample_store):
    result = cli("export", "--store", sample_store, "--format", "neo4j")
    assert result.exit_code == 2
    assert "folder" in result.stderr


def test_import_gdelt_events(tmp_path, cli, repo_root):
    sample = repo_root.parent / "shared" / "samples" / "gdelt" / "events-sample.export.CSV"
    if not sample.exists():
        pytest.skip(f"{sample} is not present")
    store = tmp_path / "gdelt"
    result = cli("import", "--format", "gdelt", sample, "--store", store)
    assert result.exit_code == 0, result.stderr
    assert "500 GDELT rows" in result.output
    with open_store(str(store), read_only=True) as opened:
        assert opened.stats()["claims"] > 50
    again = cli("import", "--format", "gdelt", sample, "--store", store)
    assert again.exit_code == 0
    with open_store(str(store), read_only=True) as opened:
        assert opened.stats()["claims"] == len(opened.claims())


def test_saved_queries_are_listed_and_run_with_bound_parameters(cli, sample_store_uri):
    listing = cli("queries")
    assert listing.exit_code == 0, listing.stderr
    assert sum(1 for line in listing.output.splitlines() if not line.startswith(" ")) >= 12
    result = cli(
        "query", "--store", sample_store_uri, "--saved", "arms-suppliers-of",
        "--param", "actor=Russia", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    bindings = json.loads(result.output)["results"]["bindings"]
    suppliers = {b["supplierLabel"]["value"] for b in bindings}
    assert "North Korea" in suppliers


def test_saved_query_injection_is_refused(cli, sample_store_uri):
    with open_store(str(sample_store_uri), read_only=True) as store:
        before = len(store)
    hostile = cli(
        "query", "--store", sample_store_uri, "--saved", "arms-suppliers-of",
        "--param", 'actor="} ; DROP ALL ; #',
    )  # fmt: skip
    assert hostile.exit_code == 1
    assert "Traceback" not in hostile.stderr
    with open_store(str(sample_store_uri), read_only=True) as store:
        assert len(store) == before


def test_validate_accepts_the_ingested_samples_and_catches_a_broken_claim(
    tmp_path, cli, sample_store_uri
):
    ok = cli("validate", "--store", sample_store_uri)
    assert ok.exit_code == 0, ok.output + ok.stderr
    assert "conforms" in ok.output
    dump = tmp_path / "store.nt"
    assert cli("export", "--store", sample_store_uri, "--format", "nt", "-o", dump).exit_code == 0
    lines = dump.read_text("utf-8").splitlines()
    broken = [line for line in lines if "ontology#confidence>" not in line]
    assert len(broken) < len(lines)
    dump.write_text("\n".join(broken) + "\n", "utf-8")
    bad = cli("validate", dump)
    assert bad.exit_code == 1
    assert "confidence" in bad.output
