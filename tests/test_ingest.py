"""Tests of the input readers (kg.ingest): every format, every problem, folder walking."""

from __future__ import annotations

import datetime as dt
import json
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from kg.ingest import (
    SUPPORTED_SUFFIXES,
    Limits,
    iter_input_files,
    parse_date,
    read_documents,
    read_file,
)
from kg.model import Document, InputProblem

DEV_GOLD = Path(__file__).parents[1].parent / "shared" / "eval" / "dev.jsonl"

BODY = (
    "The coastal states of Arvenia and Belmora signed a fisheries accord on Monday. "
    "Officials from both capitals said the agreement would be reviewed every two years."
)


def _docs(items: list[Document | InputProblem]) -> list[Document]:
    return [item for item in items if isinstance(item, Document)]


def _problems(items: list[Document | InputProblem]) -> list[InputProblem]:
    return [item for item in items if isinstance(item, InputProblem)]


def _only_document(path: Path, **kwargs: Any) -> Document:
    items = list(read_file(path, **kwargs))
    assert len(items) == 1, items
    assert isinstance(items[0], Document), items[0]
    return items[0]


def _only_problem(path: Path, **kwargs: Any) -> InputProblem:
    items = list(read_file(path, **kwargs))
    assert len(items) == 1, items
    assert isinstance(items[0], InputProblem), items[0]
    return items[0]


# --- plain text ------------------------------------------------------------------------


def test_txt_with_title(tmp_path: Path) -> None:
    path = tmp_path / "accord.txt"
    path.write_text(f"Fisheries accord signed\n\n{BODY}\n\nA second paragraph follows.\n")
    doc = _only_document(path)
    assert doc.title == "Fisheries accord signed"
    assert doc.text == f"{BODY}\n\nA second paragraph follows."
    assert doc.name == "accord.txt"
    assert doc.origin == str(path)


def test_txt_without_title(tmp_path: Path) -> None:
    path = tmp_path / "accord.txt"
    path.write_text(f"First line of the story\n{BODY}\n")
    doc = _only_document(path)
    assert doc.title is None
    assert doc.text == f"First line of the story\n{BODY}"


def test_markdown_title_loses_its_hashes(tmp_path: Path) -> None:
    path = tmp_path / "accord.md"
    path.write_text(f"# Fisheries accord signed\n\n{BODY}\n")
    doc = _only_document(path)
    assert doc.title == "Fisheries accord signed"
    assert doc.text == BODY


# --- HTML ------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head>
<title>Border talks resume | The Meridian Ledger</title>
<meta property="og:title" content="Border talks resume">
<meta name="date" content="2024-03-05">
<link rel="canonical" href="https://ledger.example/border-talks">
<script>var tracker = "SCRIPT-MARKER should never appear";</script>
<style>.x { color: red }</style>
</head><body>
<nav><a href="/">Home</a> <a href="/world">NAV-MARKER world menu</a></nav>
<article>
<h1>Border talks resume</h1>
<p>Negotiators from Arvenia and Belmora met in a lakeside town on Tuesday to resume talks
about the disputed river border that has divided the two countries for decades.</p>
<p>Both delegations described the meeting as constructive and agreed to meet again next
month, according to a joint statement released after the session ended late at night.</p>
<p>Observers from neighbouring states said the talks were the most serious attempt at a
settlement since the ceasefire was signed, although several hard questions remain open.</p>
</article>
<footer>FOOTER-MARKER Copyright 2024. All rights reserved. Subscribe now.</footer>
</body></html>
"""


def test_html_article_text_title_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "talks.html"
    path.write_text(PAGE)
    doc = _only_document(path)
    assert doc.title == "Border talks resume"
    assert doc.text.startswith("Negotiators from Arvenia and Belmora")
    assert "several hard questions remain open." in doc.text
    for marker in ("SCRIPT-MARKER", "NAV-MARKER", "FOOTER-MARKER", "color: red"):
        assert marker not in doc.text
    # Paragraphs stay apart.
    assert doc.text.count("\n") >= 2
    assert doc.date == dt.date(2024, 3, 5)
    assert doc.url == "https://ledger.example/border-talks"
    assert doc.name == "talks.html"


def test_html_without_text_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "empty.htm"
    path.write_text("<html><head><title>Nothing</title></head><body><nav>Home</nav></body></html>")
    problem = _only_problem(path)
    assert problem.reason == "no article text found in the HTML page"
    assert problem.path == str(path)


# --- JSON Lines ------------------------------------------------------------------------


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": "a-1", "text": "Arvenia recalled its ambassador.", "date": "2024-01-02"}),
        "",
        '{"id": "a-2", "text": "broken" "oops"}',
        json.dumps({"id": 7, "text": "Belmora thanked its allies.", "extra": [1, 2]}),
        json.dumps({"id": "a-4", "text": ["not", "a", "string"]}),
        "   ",
        json.dumps({"id": "a-5", "title": "No body"}),
        json.dumps(["an", "array"]),
        json.dumps({"text": "A line without an id.", "title": "Untitled", "source": "Wire"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    items = list(read_file(path))

    docs = _docs(items)
    assert [d.name for d in docs] == ["a-1", "7", "batch.jsonl#9"]
    assert [d.origin for d in docs] == [f"{path}:1", f"{path}:4", f"{path}:9"]
    assert docs[0].date == dt.date(2024, 1, 2)
    assert docs[2].title == "Untitled"
    assert docs[2].source == "Wire"

    problems = _problems(items)
    assert [(p.line, p.reason) for p in problems] == [
        (3, "line is not valid JSON: Expecting ',' delimiter (col 32)"),
        (5, "field 'text' must be a string, got list"),
        (7, "missing required field 'text'"),
        (8, "line is a JSON list, expected an object with a 'text' field"),
    ]
    # Problems come in the stream where their line is.
    assert [type(i).__name__ for i in items] == [
        "Document",
        "InputProblem",
        "Document",
        "InputProblem",
        "InputProblem",
        "InputProblem",
        "Document",
    ]


def test_jsonl_wrong_type_of_optional_field(tmp_path: Path) -> None:
    path = tmp_path / "batch.ndjson"
    path.write_text(json.dumps({"text": "Arvenia protested.", "title": 12}) + "\n")
    problem = _only_problem(path)
    assert problem.reason == "field 'title' must be a string or null, got number"
    assert problem.line == 1


def test_jsonl_overlong_line_is_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    long_line = json.dumps({"id": "big", "text": "word " * 500})
    short_line = json.dumps({"id": "small", "text": "Belmora closed the border."})
    path.write_text(f"{short_line}\n{long_line}\n{short_line}\n")
    items = list(read_file(path, limits=Limits(max_line_bytes=200)))
    assert [type(i).__name__ for i in items] == ["Document", "InputProblem", "Document"]
    problem = items[1]
    assert isinstance(problem, InputProblem)
    assert problem.line == 2
    assert "over the 200 bytes line limit" in problem.reason
    assert [d.origin for d in _docs(items)] == [f"{path}:1", f"{path}:3"]


def test_jsonl_line_exactly_at_the_limit_is_read(tmp_path: Path) -> None:
    line = json.dumps({"id": "edge", "text": "Arvenia and Belmora agreed."})
    path = tmp_path / "edge.jsonl"
    path.write_text(line + "\n" + line)
    items = list(read_file(path, limits=Limits(max_line_bytes=len(line))))
    assert [d.name for d in _docs(items)] == ["edge", "edge"]
    assert not _problems(items)


def test_dev_gold_file_reads() -> None:
    if not DEV_GOLD.exists():
        pytest.skip(f"{DEV_GOLD} is not present")
    items = list(read_documents([DEV_GOLD]))
    assert not _problems(items)
    docs = _docs(items)
    assert len(docs) == 25
    assert [d.name for d in docs] == [f"dev-{n:03d}" for n in range(25)]
    assert all(d.text and d.origin for d in docs)


# --- encodings and bad files -----------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    for name in ("empty.txt", "empty.html", "empty.jsonl", "empty.rss"):
        path = tmp_path / name
        path.write_bytes(b"")
        assert _only_problem(path).reason == "file is empty", name


def test_binary_file(tmp_path: Path) -> None:
    for name in ("blob.txt", "blob.jsonl", "blob.xml"):
        path = tmp_path / name
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
        problem = _only_problem(path)
        assert problem.reason.startswith("binary file (contains NUL bytes)"), name


def test_cp1252_file_is_decoded(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Le ministre a déclaré « non » à Genève – fin.".encode("cp1252"))
    doc = _only_document(path)
    assert doc.text == "Le ministre a déclaré « non » à Genève – fin."
    assert "Windows-1252" in caplog.text


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("Título\n\nArvenia and Belmora met in Zürich.".encode("utf-16"))
    doc = _only_document(path)
    assert doc.title == "Título"
    assert doc.text == "Arvenia and Belmora met in Zürich."


def test_utf16_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "wide.jsonl"
    text = json.dumps({"id": "w", "text": "Zürich hosted the talks."}, ensure_ascii=False)
    path.write_bytes((text + "\n").encode("utf-16"))
    assert _only_document(path).text == "Zürich hosted the talks."


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "b", "text": "Hello."}).encode())
    assert _only_document(path).name == "b"
    txt = tmp_path / "bom.txt"
    txt.write_bytes(b"\xef\xbb\xbfHeadline\n\nBody text.")
    assert _only_document(txt).title == "Headline"


def test_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(BODY * 20)
    size_kb = path.stat().st_size / 1000
    problem = _only_problem(path, limits=Limits(max_file_bytes=1_000))
    assert problem.reason == f"file is {size_kb:.1f} kB, over the 1 kB limit; split it"
    assert _only_document(path).text == (BODY * 20).strip()


def test_overlong_text(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text(BODY)
    problem = _only_problem(path, limits=Limits(max_text_chars=50))
    assert "over the 50 limit" in problem.reason


def test_whitespace_only_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n \t\n")
    assert _only_problem(path).reason == "file contains only whitespace"


# --- feeds -----------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Meridian Ledger World</title>
  <link>https://ledger.example/</link>
  <description>World news</description>
  <item>
    <title>Arvenia recalls envoy</title>
    <link>https://ledger.example/envoy</link>
    <pubDate>Fri, 18 Oct 2024 22:30:00 -0500</pubDate>
    <description>Short teaser.</description>
    <content:encoded><![CDATA[<p>Arvenia recalled its envoy from Belmora.</p>
      <p>The foreign ministry gave <b>no reason</b>.</p>]]></content:encoded>
  </item>
  <item>
    <title>Talks planned</title>
    <description>&lt;p&gt;Belmora proposed new talks.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Photo only</title>
    <link>https://ledger.example/photo</link>
    <description></description>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Northern Dispatch</title>
  <id>urn:example:dispatch</id>
  <updated>2024-05-02T10:00:00Z</updated>
  <entry>
    <title>Summit ends</title>
    <id>urn:example:dispatch:1</id>
    <link href="https://dispatch.example/summit"/>
    <updated>2024-05-02T10:00:00Z</updated>
    <published>2024-05-01T23:00:00+02:00</published>
    <content type="html">&lt;p&gt;The summit ended with a joint pledge.&lt;/p&gt;
      &lt;p&gt;Leaders will meet again.&lt;/p&gt;</content>
  </entry>
</feed>
"""


def test_rss_feed(tmp_path: Path) -> None:
    path = tmp_path / "world.rss"
    path.write_text(RSS)
    items = list(read_file(path))
    docs = _docs(items)
    assert len(docs) == 2
    first, second = docs
    assert first.title == "Arvenia recalls envoy"
    assert first.text == (
        "Arvenia recalled its envoy from Belmora.\n\nThe foreign ministry gave no reason."
    )
    assert first.url == first.name == "https://ledger.example/envoy"
    # The date as the feed writes it, not shifted to UTC.
    assert first.date == dt.date(2024, 10, 18)
    assert first.source == "Meridian Ledger World"
    assert first.origin == f"{path}#1"
    assert second.name == "world.rss#2"
    assert second.text == "Belmora proposed new talks."
    assert second.url is None
    problems = _problems(items)
    assert len(problems) == 1
    assert problems[0].reason == "feed item 3 (Photo only) has no text"


def test_atom_feed(tmp_path: Path) -> None:
    path = tmp_path / "dispatch.atom"
    path.write_text(ATOM)
    doc = _only_document(path)
    assert doc.title == "Summit ends"
    assert doc.text == "The summit ended with a joint pledge.\n\nLeaders will meet again."
    assert doc.url == "https://dispatch.example/summit"
    assert doc.date == dt.date(2024, 5, 1)
    assert doc.source == "Northern Dispatch"


def test_xml_that_is_not_a_feed(tmp_path: Path) -> None:
    for content in ("<inventory><item>bolts</item></inventory>", "this is <<< not xml"):
        path = tmp_path / "data.xml"
        path.write_text(content)
        assert _only_problem(path).reason == "not an RSS or Atom feed", content


# --- folders and paths -----------------------------------------------------------------


def _make_tree(root: Path) -> None:
    (root / "b").mkdir(parents=True)
    (root / "a").mkdir()
    (root / "a" / "deep").mkdir()
    (root / ".hidden").mkdir()
    (root / "z.txt").write_text("Z story.")
    (root / "a" / "one.TXT").write_text("One story.")
    (root / "a" / "deep" / "two.md").write_text("Two story.")
    (root / "b" / "three.jsonl").write_text(json.dumps({"id": "three", "text": "Three."}))
    (root / "b" / "notes.pdf").write_bytes(b"%PDF-1.4")
    (root / "b" / "README.md").write_text("About these articles.")
    (root / ".secret.txt").write_text("Hidden story.")
    (root / ".hidden" / "four.txt").write_text("Hidden folder story.")


def test_folder_recursion_in_sorted_order(tmp_path: Path) -> None:
    _make_tree(tmp_path)
    found = list(iter_input_files([tmp_path]))
    assert found == [
        tmp_path / "a" / "deep" / "two.md",
        tmp_path / "a" / "one.TXT",
        tmp_path / "b" / "three.jsonl",
        tmp_path / "z.txt",
    ]
    names = [d.name for d in _docs(list(read_documents([tmp_path])))]
    assert names == ["two.md", "one.TXT", "three", "z.txt"]


def test_unsupported_file_named_explicitly_is_a_problem(tmp_path: Path) -> None:
    _make_tree(tmp_path)
    pdf = tmp_path / "b" / "notes.pdf"
    (problem,) = list(iter_input_files([pdf]))
    assert isinstance(problem, InputProblem)
    assert problem.reason.startswith("unsupported file type .pdf; supported: ")
    assert ".jsonl" in problem.reason
    # A hidden file named explicitly is read: the user asked for it.
    assert list(iter_input_files([tmp_path / ".secret.txt"])) == [tmp_path / ".secret.txt"]


def test_nonexistent_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"
    items = list(read_documents([missing, tmp_path / "nothing-here"]))
    assert items == [
        InputProblem(str(missing), "no such file or directory"),
        InputProblem(str(tmp_path / "nothing-here"), "no such file or directory"),
    ]


def test_symlink_loop_terminates(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "story.txt").write_text("A story.")
    try:
        os.symlink(root, root / "sub" / "back-to-root")
        os.symlink(root / "sub", root / "sub" / "self")
    except OSError:
        pytest.skip("symlinks are not available here")
    found = list(iter_input_files([root]))
    assert found == [root / "sub" / "story.txt"]


def test_overrides_of_date_and_source(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(
        json.dumps({"id": "x", "text": "Arvenia spoke.", "date": "2020-01-01", "source": "A"})
    )
    doc = _only_document(path)
    assert (doc.date, doc.source) == (dt.date(2020, 1, 1), "A")
    override = dt.date(2024, 10, 18)
    (doc,) = _docs(list(read_documents([path], date=override, source="Desk")))
    assert (doc.date, doc.source) == (override, "Desk")


def test_supported_suffixes() -> None:
    assert {".txt", ".text", ".md", ".html", ".htm", ".jsonl", ".ndjson"} <= SUPPORTED_SUFFIXES
    assert {".xml", ".rss", ".atom"} <= SUPPORTED_SUFFIXES
    assert ".pdf" not in SUPPORTED_SUFFIXES


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-10-18", dt.date(2024, 10, 18)),
        ("2024-10-18T23:30:00Z", dt.date(2024, 10, 18)),
        ("2024-10-18T23:30:00-05:00", dt.date(2024, 10, 18)),
        ("2024-10-18 08:00", dt.date(2024, 10, 18)),
        ("Fri, 18 Oct 2024 22:30:00 GMT", dt.date(2024, 10, 18)),
        ("18 Oct 2024 22:30:00 +0200", dt.date(2024, 10, 18)),
        ("18 October 2024", dt.date(2024, 10, 18)),
        ("October 18, 2024", dt.date(2024, 10, 18)),
        ("Oct. 18, 2024", dt.date(2024, 10, 18)),
        ("18th October 2024", dt.date(2024, 10, 18)),
        ("2024/10/18", dt.date(2024, 10, 18)),
        ("", None),
        (None, None),
        ("yesterday", None),
        ("2024-13-45", None),
        ("31 February 2024", None),
    ],
)
def test_parse_date(value: str | None, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


def test_feed_without_items(tmp_path: Path) -> None:
    path = tmp_path / "quiet.rss"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>'
        "<link>https://quiet.example/</link><description>Nothing today</description>"
        "</channel></rss>"
    )
    assert _only_problem(path).reason == "feed has no items"


def test_jsonl_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    filler = "Arvenia and Belmora renewed their trade pact. " * 20
    with path.open("w") as handle:
        for n in range(5_000):
            handle.write(json.dumps({"id": f"n{n}", "text": filler}) + "\n")
    assert path.stat().st_size > 4_000_000
    tracemalloc.start()
    try:
        count = sum(1 for item in read_documents([path]) if isinstance(item, Document))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 5_000
    # Holding the file, or the documents, would take megabytes.
    assert peak < 1_000_000, peak
