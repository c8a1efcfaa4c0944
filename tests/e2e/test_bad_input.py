"""Bad input and bad situations: one line per problem, exit status 1, never a traceback,
and the good part of a batch still stored."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg import open_store
from kg.ingest import Limits, read_documents
from kg.model import Document, InputProblem

pytestmark = pytest.mark.slow

GOOD_TEXT = "Border talks\n\nFrance and Germany held talks in Paris on Tuesday about energy.\n"
GOOD_LINES = [
    {"id": "good-1", "text": "Japan and South Korea signed a trade agreement on Monday."},
    {"id": "good-2", "text": "Brazil condemned Argentina over the border closure."},
]


@dataclass
class Batch:
    folder: Path
    store: Path
    problems: dict[str, str]  # what names the problem (path or path:line) → its cause
    run: subprocess.CompletedProcess[str]


def write_bad_batch(folder: Path) -> dict[str, str]:
    """Good and bad articles side by side; returns where each problem is and why."""
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_TEXT, "utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"Russia\x00\x01\x02\xff" + bytes(range(256)) * 4)
    # 0x81 and 0x8d are neither UTF-8 nor Windows-1252.
    (folder / "undecodable.txt").write_bytes(b"Russia \x81\x8d\x8f\x90\x9d sent troops.\n")
    (folder / "no-text.html").write_text(
        "<html><head><title>Home</title></head><body><nav>Home World</nav>"
        "<script>var tracking = 1;</script></body></html>",
        "utf-8",
    )
    lines = [
        json.dumps(GOOD_LINES[0]),
        '{"id": "broken", "text": "unterminated',
        json.dumps({"id": "wrong-type", "text": 42}),
        json.dumps(["a", "list"]),
        json.dumps(GOOD_LINES[1]),
    ]
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    # Sparse: just over the 50 MB limit without writing 50 MB.
    with (folder / "oversized.txt").open("wb") as handle:
        handle.truncate(50_000_001)
    return {
        str(folder / "empty.txt"): "empty",
        str(folder / "binary.txt"): "binary",
        str(folder / "undecodable.txt"): "UTF-8",
        str(folder / "no-text.html"): "no article text",
        f"{folder / 'wire.jsonl'}:2": "not valid JSON",
        f"{folder / 'wire.jsonl'}:3": "must be a string",
        f"{folder / 'wire.jsonl'}:4": "expected an object",
        str(folder / "oversized.txt"): "limit",
    }


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory, kg_process) -> Batch:
    """One real ``kg ingest`` of the bad batch plus a missing and an unsupported path."""
    root = tmp_path_factory.mktemp("bad-batch")
    folder = root / "articles"
    problems = write_bad_batch(folder)
    missing = root / "no-such-article.txt"
    unsupported = root / "notes.pdf"
    unsupported.write_bytes(b"%PDF-1.4\n")
    problems[str(missing)] = "no such file"
    problems[str(unsupported)] = "unsupported file type"
    store = root / "store"
    run = kg_process("ingest", folder, missing, unsupported, "--store", store)
    return Batch(folder, store, problems, run)


def naming(lines: list[str], where: str) -> list[str]:
    return [line for line in lines if f"{where}:" in line]


def test_bad_batch_exits_1_without_a_traceback(bad_batch):
    run = bad_batch.run
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    summary = run.stdout.strip().splitlines()[-1]
    assert summary.startswith("3 documents read: 3 stored")
    assert summary.endswith(f"; {len(bad_batch.problems)} problems.")


def test_bad_batch_reports_each_problem_with_its_file(bad_batch):
    lines = bad_batch.run.stderr.splitlines()
    for where, cause in bad_batch.problems.items():
        errors = [line for line in naming(lines, where) if line.startswith("error: ")]
        assert len(errors) == 1, f"{where}: {errors} in\n{bad_batch.run.stderr}"
        assert errors[0].startswith(f"error: {where}: ")
        assert cause.lower() in errors[0].lower(), errors[0]


def test_bad_batch_reports_each_problem_once_and_nothing_else(bad_batch):
    """Each problem is one ``error:`` line; the same problem again as a log warning, or a
    library's internal warning, is noise the user cannot act on."""
    lines = bad_batch.run.stderr.splitlines()
    for where in bad_batch.problems:
        assert len(naming(lines, where)) == 1, f"{where} reported more than once:\n" + "\n".join(
            naming(lines, where)
        )
    others = [line for line in lines if line.strip() and not line.startswith("error: ")]
    assert not others, "stderr has lines besides the errors:\n" + "\n".join(others)


def test_bad_batch_stores_the_good_articles(bad_batch):
    with open_store(str(bad_batch.store), read_only=True) as store:
        documents = {d["name"]: d for d in store.documents()}
    assert set(documents) == {"good.txt", "good-1", "good-2"}
    assert all(d["claims"] > 0 for d in documents.values()), documents


def test_reader_limits_name_the_file_and_line(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Russia and China held talks. " * 100, "utf-8")
    page = tmp_path / "big.html"
    page.write_text("<html><body><article><p>" + "Talks. " * 300 + "</p></article></body></html>")
    wire = tmp_path / "wire.jsonl"
    long_line = {"id": "long", "text": "France condemned Russia. " * 40}
    wire.write_text(
        "\n".join(json.dumps(r) for r in (GOOD_LINES[0], long_line, GOOD_LINES[1])) + "\n",
        "utf-8",
    )
    limits = Limits(max_file_bytes=1_000, max_text_chars=5_000, max_line_bytes=200)
    items = list(read_documents([big, page, wire], limits=limits))
    problems = [i for i in items if isinstance(i, InputProblem)]
    documents = [i for i in items if isinstance(i, Document)]
    assert [(p.path, p.line) for p in problems] == [
        (str(big), None),
        (str(page), None),
        (str(wire), 2),
    ]
    assert all("limit" in p.reason for p in problems)
    assert [d.name for d in documents] == ["good-1", "good-2"]


# --- queries and stores ---------------------------------------------------------------


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_invalid_sparql(cli, sample_store_uri):
    result = cli("query", "SELECT ?s WHERE { ?s ?p }", "--store", sample_store_uri)
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    assert "SPARQL" in one_error_line(result.stderr)
    assert result.stdout == ""


def test_sparql_update_is_refused(cli, sample_store_uri):
    # On a server too: Virtuoso would run an update sent to its query endpoint.
    result = cli("query", "DELETE WHERE { ?s ?p ?o }", "--store", sample_store_uri)
    assert result.exit_code == 1
    assert "update" in one_error_line(result.stderr).lower()
    with open_store(str(sample_store_uri), read_only=True) as store:
        assert store.stats()["documents"] == 25


def test_query_needs_a_query_or_a_file_not_both(cli, sample_store, repo_root):
    neither = cli("query", "--store", sample_store)
    assert neither.exit_code == 2
    both = cli(
        "query",
        "ASK {}",
        "--file",
        repo_root / "data" / "queries" / "military-aid.rq",
        "--store",
        sample_store,
    )
    assert both.exit_code == 2
    assert "Traceback" not in neither.output + both.output


def test_query_on_a_missing_store(cli, tmp_path):
    missing = tmp_path / "no-store"
    result = cli("query", "ASK { ?s ?p ?o }", "--store", missing)
    assert result.exit_code == 1
    assert "kg ingest" in one_error_line(result.stderr)
    assert not missing.exists(), "a read-only command must not create a store"


def test_store_that_is_a_file(cli, tmp_path):
    not_a_store = tmp_path / "notes.txt"
    not_a_store.write_text("hello", "utf-8")
    result = cli("stats", "--store", not_a_store)
    assert result.exit_code == 1
    assert str(not_a_store) in one_error_line(result.stderr)


def test_unknown_store_scheme(cli):
    result = cli("stats", "--store", "nosuchscheme:somewhere")
    assert result.exit_code == 1
    assert "nosuchscheme" in one_error_line(result.stderr)


def test_bad_date_option(cli, tmp_path, samples_dir):
    result = cli(
        "ingest", samples_dir / "wire.jsonl", "--store", tmp_path / "s", "--date", "someday"
    )
    assert result.exit_code == 2
    assert "not a date" in result.stderr
    assert not (tmp_path / "s").exists()


HOLDER = """
import sys, time
from kg.store import open_store
store = open_store(sys.argv[1])
print("ready", flush=True)
time.sleep(60)
"""


def test_store_in_use_by_another_process(cli, tmp_path, samples_dir, repo_root):
    store_path = tmp_path / "store"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=repo_root,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        for args in (
            ("stats",),
            ("ingest", samples_dir / "2024-10-18-korea-troops.txt"),
        ):
            result = cli(*args, "--store", store_path)
            assert result.exit_code == 1, result.output
            assert "in use" in one_error_line(result.stderr)
    finally:
        holder.kill()
        holder.wait(timeout=10)
    # Once the holder is gone the store opens again.
    assert cli("stats", "--store", store_path).exit_code == 0


def test_missing_spacy_model(tmp_path, kg_process):
    article = tmp_path / "article.txt"
    article.write_text("Russia invaded Ukraine in 2022.\n", "utf-8")
    run = kg_process("extract", article, env={"KG_SPACY_MODEL": "no_such_model_pkg"})
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    line = one_error_line(run.stderr)
    assert "pip install" in line
    assert "no_such_model_pkg" in line


def test_failed_extract_leaves_no_partial_output(tmp_path, kg_process):
    """`kg extract -o F` writes F.partial then renames it; when extraction fails, neither
    F nor the partial file may be left behind."""
    article = tmp_path / "article.txt"
    article.write_text("Russia invaded Ukraine in 2022.\n", "utf-8")
    output = tmp_path / "out" / "pred.jsonl"
    run = kg_process("extract", article, "-o", output, env={"KG_SPACY_MODEL": "no_such_model_pkg"})
    assert run.returncode == 1
    assert "pip install" in one_error_line(run.stderr)
    leftovers = sorted(p.name for p in output.parent.iterdir()) if output.parent.exists() else []
    assert leftovers == [], f"left behind: {leftovers}"


def test_import_of_invalid_turtle(cli, tmp_path):
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix x: <http://example.org/> .\nx:a x:b ;; x:c .\n<oops", "utf-8")
    good = tmp_path / "good.nt"
    good.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    store_path = tmp_path / "store"
    result = cli("import", bad, good, "--store", store_path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    assert str(bad) in one_error_line(result.stderr)
    assert f"{good}: 1 triples" in result.stdout
    with open_store(str(store_path), read_only=True) as store:
        assert bool(store.query("ASK { <http://example.org/a> <http://example.org/b> ?o }"))
