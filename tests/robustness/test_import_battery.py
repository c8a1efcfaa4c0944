"""Bad input for ``kg import``: invalid RDF leaves the store exactly as it was, GDELT files
with missing columns and unreadable claim tables are reported row by row or file by file,
and the good files of the same command are still imported."""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from pathlib import Path

import pytest
from builders import KP, KR, RU, make_claim

from kg import open_store
from kg.io.gdelt import COLUMNS
from kg.model import Document
from robustness.support import check_exit, check_stderr, check_valid, nquads, stored_documents

pytestmark = pytest.mark.slow

EX_GRAPH = "<http://example.org/graph>"


def kg_store(path: Path) -> Path:
    """An embedded store holding one document with two claims, made without spaCy."""
    doc = Document("North Korea sent troops to Russia.", "troops.txt", date=dt.date(2024, 10, 18))
    claims = [
        make_claim(KP, "sendsTroops", RU, document=doc.doc_id, attributed_to=KR),
        make_claim(KR, "condemns", KP, document=doc.doc_id, start=40),
    ]
    with open_store(str(path)) as store:
        assert store.replace_document(doc, claims)
    return path


def quads(count: int, graph: str = EX_GRAPH) -> list[str]:
    return [
        f'<http://example.org/s{i}> <http://example.org/p> "value {i}" {graph} .'
        for i in range(count)
    ]


def write_bad_rdf(folder: Path) -> dict[str, str]:
    """RDF files that fail to parse, most of them only after many valid statements (so a
    loader that is not transactional would leave half of them behind)."""
    folder.mkdir()
    valid = quads(300)
    files = {
        "broken.ttl": "@prefix ex: <http://example.org/> .\n"
        + "".join(f"ex:t{i} ex:p ex:o{i} .\n" for i in range(300))
        + 'ex:broken ex:p [ ex:q "never closed" .\n',
        "broken.nq": "\n".join(valid[:150])
        + '\n<http://example.org/x> <http://example.org/p> "unterminated .\n'
        + "\n".join(valid[150:]),
        "truncated.nq": "\n".join(valid)[:-20],
        "json-in.ttl": '{"@context": {"ex": "http://example.org/"}, "@id": "ex:a"}',
        "truncated.jsonld": '[{"@id": "http://example.org/a", "http://example.org/p": [1, 2',
        "triples-then-a-quad.nt": '<http://example.org/a> <http://example.org/p> "x" .\n'
        + valid[0]
        + "\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, "utf-8")
    (folder / "garbage.nq").write_bytes(random.Random(3).randbytes(2048))
    (folder / "latin1.nq").write_bytes(
        b'<http://example.org/a> <http://example.org/p> "caf\xe9" ' + EX_GRAPH.encode() + b" .\n"
    )
    fmt = {".ttl": "ttl", ".nq": "nq", ".jsonld": "jsonld", ".nt": "nt"}
    return {
        str(folder / name): f"not valid {fmt[Path(name).suffix]}"
        for name in [*files, "garbage.nq", "latin1.nq"]
    }


def test_invalid_rdf_imports_nothing(tmp_path: Path, kg_process, cli) -> None:
    store = kg_store(tmp_path / "store")
    before = nquads(store)
    errors = write_bad_rdf(tmp_path / "bad")
    good = tmp_path / "good.nq"
    good.write_text("\n".join(quads(5)) + "\n", "utf-8")

    bad_files = sorted(errors)
    run = kg_process("import", *bad_files, good, "--store", store)

    check_stderr(run, errors)
    check_exit(run, failed=True)
    assert run.stdout.splitlines() == [f"{good}: 5 triples"]
    after = nquads(store)
    added = [line for line in after.splitlines() if line.endswith(f"{EX_GRAPH} .".encode())]
    assert len(added) == 5
    kept = b"\n".join(line for line in after.splitlines() if line not in added)
    assert kept == before, "a file that failed to parse left quads behind"
    check_valid(cli, store)


def test_rdf_in_the_wrong_format_imports_nothing(tmp_path: Path, kg_process, cli) -> None:
    store = kg_store(tmp_path / "store")
    before = nquads(store)
    turtle = tmp_path / "data.ttl"
    turtle.write_text("@prefix ex: <http://example.org/> .\n" + "ex:a ex:p ex:b .\n" * 50, "utf-8")
    run = kg_process("import", "--format", "nq", turtle, "--store", store)
    check_stderr(run, {str(turtle): "not valid nq"})
    check_exit(run, failed=True)
    assert nquads(store) == before
    check_valid(cli, store)


# --- GDELT ----------------------------------------------------------------------------


def gdelt_row(event: int, url: str, **cells: str) -> list[str]:
    """One GDELT 2.0 event row (61 cells): Russia fights Ukraine, unless told otherwise."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        GLOBALEVENTID=str(event), SQLDATE="20240301", MonthYear="202403", Year="2024",
        Actor1Code="RUS", Actor1Name="RUSSIA", Actor1CountryCode="RUS",
        Actor2Code="UKR", Actor2Name="UKRAINE", Actor2CountryCode="UKR",
        IsRootEvent="1", EventCode="190", EventBaseCode="190", EventRootCode="19",
        QuadClass="4", GoldsteinScale="-10", NumMentions="4", NumSources="1",
        NumArticles="4", DATEADDED="20240302101500", SOURCEURL=url,
    )  # fmt: skip
    row.update(cells)
    return [row[name] for name in COLUMNS]


def test_gdelt_rows_with_missing_columns(tmp_path: Path, kg_process, cli) -> None:
    events = tmp_path / "20240302101500.export.CSV"
    good_a = gdelt_row(1, "https://example.org/a")
    good_b = gdelt_row(7, "https://example.org/b", Actor1Code="FRA", Actor1CountryCode="FRA")
    rows = [
        good_a,  # 1
        gdelt_row(2, "https://example.org/c")[:57],  # 2: a GDELT 1.0 row
        gdelt_row(3, "https://example.org/d")[:40],  # 3
        gdelt_row(4, "https://example.org/e")[:1],  # 4
        list(COLUMNS),  # 5: a header row is 61 cells, but not numbers
        [*gdelt_row(5, "https://example.org/f"), "extra"],  # 6
        gdelt_row(6, "https://example.org/" + "x" * 200_000),  # 7: a field over csv's limit
        good_b,  # 8
    ]
    events.write_text("\n".join("\t".join(r) for r in rows) + "\n", "utf-8")
    comma = tmp_path / "comma.export.CSV"
    comma.write_text("\n".join(",".join(gdelt_row(9, "u")) for _ in range(3)) + "\n", "utf-8")
    not_zip = tmp_path / "20240302.export.CSV.zip"
    not_zip.write_bytes(random.Random(5).randbytes(512))
    empty_zip = tmp_path / "empty.export.CSV.zip"
    zipfile.ZipFile(empty_zip, "w").close()
    store = tmp_path / "store"

    run = kg_process(
        "import", "--format", "gdelt", events, comma, not_zip, empty_zip, "--store", store
    )

    errors = {
        f"{events}:2": "expected 61 tab-separated columns, found 57 (a GDELT 1.0 file?)",
        f"{events}:3": "found 40",
        f"{events}:4": "found 1",
        f"{events}:5": "GLOBALEVENTID is not a number",
        f"{events}:6": "found 62",
        f"{events}:7": "field larger than field limit",
        **{f"{comma}:{n}": "found 1" for n in (1, 2, 3)},
        str(not_zip): "not a zip archive",
        str(empty_zip): "zip archive is empty",
    }
    check_stderr(run, errors)
    check_exit(run, failed=True)
    assert f"{events}: 2 documents, 2 claims" in run.stdout.splitlines()
    assert "8 GDELT rows: 2 claims in 2 documents, 0 skipped (none), 6 unreadable" in run.stdout
    documents = stored_documents(store)
    assert set(documents) == {"https://example.org/a", "https://example.org/b"}
    with open_store(str(store), read_only=True) as opened:
        pairs = {(c.subject.label, c.relation.name, c.object.label) for c in opened.claims()}
    assert pairs == {("Russia", "fightsAgainst", "Ukraine"), ("France", "fightsAgainst", "Ukraine")}
    check_valid(cli, store)


def test_claims_table_that_is_not_utf8(tmp_path: Path, kg_process, cli) -> None:
    store = kg_store(tmp_path / "store")
    before = nquads(store)
    latin1 = tmp_path / "claims.csv"
    latin1.write_bytes(
        b"document_id,subject_key,relation_name,object_key,evidence\n"
        b"d1,KP,attacks,KR,Pyongyang's caf\xe9 statement\n"
    )
    binary = tmp_path / "binary.csv"
    binary.write_bytes(random.Random(4).randbytes(1024))
    run = kg_process("import", "--format", "csv", latin1, binary, "--store", store)
    check_stderr(
        run,
        {str(latin1): "not UTF-8 text; save the CSV as UTF-8", str(binary): "not UTF-8 text"},
    )
    check_exit(run, failed=True)
    assert nquads(store) == before
    check_valid(cli, store)
