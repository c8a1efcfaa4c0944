"""Bad input for ``kg ingest``: each case writes a folder of articles, some broken, and
runs the real ``kg`` program on it.

Every case then checks the same things: one ``error: FILE[:LINE]: reason`` line per bad
file or line and nothing else on stderr (no traceback), exit status 1 exactly when
something failed, the good articles of the batch stored, and a store that still passes
``kg validate``. The cases run two at a time (the machine has two cores): a module
fixture starts the selected ones up front.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import struct
import subprocess
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kg import open_store
from kg.model import Claim
from robustness.support import (
    GOOD_TEXT,
    check_exit,
    check_stderr,
    check_valid,
    stored_documents,
    summary,
)

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Expect:
    """What a case's run must show.

    ``errors`` maps where each problem is reported (``path`` or ``path:line``) to words
    its reason must contain; ``stored`` names every document the store must hold, and
    only those; ``warnings`` are words of the log warnings allowed on stderr, one line
    each; ``check`` looks further into the store (evidence, dates…); ``skipped`` counts
    articles met twice (the same text under another name) and stored once.
    """

    errors: dict[str, str]
    stored: set[str]
    warnings: tuple[str, ...] = ()
    check: Callable[[Path], None] | None = None
    skipped: int = 0


@dataclass
class Run:
    """A case after its ``kg ingest``: where it was built, its store, the process."""

    folder: Path
    store: Path
    expect: Expect
    process: subprocess.CompletedProcess[str] = field(repr=False)


def claims_by_document(store_path: Path) -> dict[str, list[Claim]]:
    """Each document's claims, by document name."""
    with open_store(str(store_path), read_only=True) as store:
        names = {doc["id"]: doc["name"] for doc in store.documents()}
        grouped: dict[str, list[Claim]] = {name: [] for name in names.values()}
        for claim in store.claims():
            grouped[names[claim.document]].append(claim)
    return grouped


def write_good(folder: Path, name: str = "good.txt") -> str:
    (folder / name).write_text(GOOD_TEXT, "utf-8")
    return name


def jsonl(*records: object, ascii_only: bool = False) -> str:
    """JSON Lines; ``ascii_only`` writes ``\\uXXXX`` escapes, as for a lone surrogate."""
    return "".join(json.dumps(r, ensure_ascii=ascii_only) + "\n" for r in records)


# --- the cases ------------------------------------------------------------------------


def case_empty_files(folder: Path) -> Expect:
    good = write_good(folder)
    empties = ("empty.txt", "empty.html", "empty.jsonl", "empty.xml", "empty.md")
    for name in empties:
        (folder / name).write_bytes(b"")
    (folder / "blank.txt").write_text("  \n\t\n \r\n", "utf-8")
    (folder / "blank.html").write_text("\n\n   \n", "utf-8")
    (folder / "blank.jsonl").write_text("\n\n  \n\r\n", "utf-8")
    return Expect(
        errors={
            **{str(folder / n): "file is empty" for n in empties},
            str(folder / "blank.txt"): "only whitespace",
            str(folder / "blank.html"): "only whitespace",
            str(folder / "blank.jsonl"): "only blank lines",
        },
        stored={good},
    )


def png_bytes() -> bytes:
    """A real 4×4 red PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def case_binary_files(folder: Path) -> Expect:
    good = write_good(folder)
    rng = random.Random(8)
    (folder / "random.txt").write_bytes(rng.randbytes(4096) + b"\x00")
    # No NUL byte, and bytes (0x81, 0x8d) that no Western codepage defines.
    no_nul = bytes(b or 1 for b in rng.randbytes(4096)) + b"\x81\x8d"
    (folder / "random-no-nul.txt").write_bytes(no_nul)
    (folder / "image.html").write_bytes(png_bytes())
    (folder / "image.txt").write_bytes(png_bytes())
    (folder / "photo.png").write_bytes(png_bytes())  # not an article type: not read
    wire = jsonl({"id": "zipped", "text": "Russia attacked Ukraine."})
    (folder / "wire.jsonl").write_bytes(gzip.compress(wire.encode(), mtime=0))
    (folder / "feed.xml").write_bytes(gzip.compress(b"<rss version='2.0'></rss>", mtime=0))
    binary = "binary file (contains NUL bytes)"
    return Expect(
        errors={
            str(folder / "random.txt"): binary,
            str(folder / "random-no-nul.txt"): "not valid UTF-8 or UTF-16 text",
            str(folder / "image.html"): binary,
            str(folder / "image.txt"): binary,
            str(folder / "wire.jsonl"): binary,
            str(folder / "feed.xml"): binary,
        },
        stored={good},
    )


ENCODED = "Brief\n\nFrançois Hollande said {a} condemned {b} over the attack.\n"
ENCODINGS = {
    # file name: (bytes encoding, prefix, subject, object)
    "latin1.txt": ("latin-1", b"", "Spain", "Russia"),
    "cp1252.txt": ("cp1252", b"", "Italy", "Russia"),
    "utf8-bom.txt": ("utf-8", b"\xef\xbb\xbf", "Poland", "Russia"),
    "utf16-bom.txt": ("utf-16", b"", "Greece", "Russia"),
    "utf16le-no-bom.txt": ("utf-16-le", b"", "Norway", "Russia"),
    "utf16be-no-bom.txt": ("utf-16-be", b"", "Sweden", "Russia"),
    "utf16le-no-bom.html": ("utf-16-le", b"", "Finland", "Russia"),
}


def case_encodings(folder: Path) -> Expect:
    for name, (encoding, prefix, a, b) in ENCODINGS.items():
        text = ENCODED.format(a=a, b=b)
        if name.endswith(".html"):
            sentence = text.split("\n\n")[1].strip()
            filler = "Officials gave no further details about the statement on Tuesday. " * 4
            text = f"<html><body><article><p>{sentence}</p><p>{filler}</p></article></body></html>"
        (folder / name).write_bytes(prefix + text.encode(encoding))
    lines = {
        "latin1.jsonl": ("latin-1", "Portugal"),
        "utf16-bom.jsonl": ("utf-16", "Austria"),
        "utf16le-no-bom.jsonl": ("utf-16-le", "Belgium"),
    }
    for name, (encoding, a) in lines.items():
        record = {"id": name, "text": ENCODED.format(a=a, b="Russia").split("\n\n")[1]}
        (folder / name).write_bytes(jsonl(record).encode(encoding))

    def evidence_decoded(store_path: Path) -> None:
        claims = claims_by_document(store_path)
        wanted = {n: a for n, (_, _, a, _) in ENCODINGS.items()}
        wanted |= {n: a for n, (_, a) in lines.items()}
        for name, subject in wanted.items():
            sentence = f"François Hollande said {subject} condemned Russia over the attack."
            evidence = {c.evidence for c in claims[name]}
            assert sentence in evidence, (name, evidence)

    cp1252_warning = "not valid UTF-8; read it as Windows-1252"
    return Expect(
        errors={},
        stored={*ENCODINGS, *lines},
        warnings=(
            f"{folder / 'latin1.txt'}: {cp1252_warning}",
            f"{folder / 'cp1252.txt'}: {cp1252_warning}",
            f"{folder / 'latin1.jsonl'}: {cp1252_warning}",
        ),
        check=evidence_decoded,
    )


def case_huge_lines(folder: Path) -> Expect:
    good = write_good(folder)
    unit = "Russia and Ukraine held talks. "
    ten_mb = (unit * (10_000_000 // len(unit) + 1))[:10_000_000]
    (folder / "one-line.txt").write_text(ten_mb, "utf-8")
    (folder / "no-spaces.txt").write_text("x" * 10_000_000, "utf-8")
    ok = {"id": "after-the-long-line", "text": "Japan and India held talks in Delhi."}
    (folder / "wire.jsonl").write_text(jsonl({"id": "huge", "text": ten_mb}, ok), "utf-8")
    # Under the reader's limit but over what the parser takes (1,000,000 characters).
    (folder / "long.txt").write_text(unit * 48_000, "utf-8")
    return Expect(
        errors={
            str(folder / "one-line.txt"): "10,000,000 characters, over the",
            str(folder / "no-spaces.txt"): "10,000,000 characters, over the",
            f"{folder / 'wire.jsonl'}:1": "10,000,000 characters, over the",
            str(folder / "long.txt"): "1,487,999 characters",
        },
        stored={good, "after-the-long-line"},
    )


ARTICLE = "<p>Japan and South Korea signed a trade agreement on Monday in Tokyo.</p>"
FILLER = "<p>" + "Officials said the talks had gone on for many months before the deal. " * 4


def case_deep_and_broken_html(folder: Path) -> Expect:
    good = write_good(folder)
    page = "<html><body>" + "<div>" * 5000 + ARTICLE + FILLER + "</div>" * 5000 + "</body></html>"
    (folder / "nested.html").write_text(page, "utf-8")
    unclosed = "<html><body>" + "<div><span><b>" * 5000 + ARTICLE
    (folder / "nested-unclosed.html").write_text(unclosed, "utf-8")
    # Unclosed and misnested tags, stray end tags, unquoted attributes, bare ampersands,
    # no </body></html>: what browsers (and lxml) repair.
    broken = (
        "<!DOCTYPE html><html><head><meta charset=utf-8><title>Border row</title>\n"
        "<body class=main><div id=wrap><p>Brazil condemned Argentina over the border "
        "closure on Friday, officials said.\n<p>The two governments had held talks in "
        "Montevideo &amp; Buenos Aires &nbsp the week before <b>without <i>progress</b></i>.\n"
        "</span></div></div></td><p>Trade between the neighbours fell sharply after the "
        "closure, according to customs data.\n<div><p>Chile offered to mediate <<< between "
        "them >>> & hoped for a deal.\n"
    )
    (folder / "broken.html").write_text(broken, "utf-8")
    markup = '<div class="x"><span></span><img src="a.png"><br><table><tr><td></td></tr></table>'
    (folder / "markup-only.html").write_text(
        "<html><body>" + markup * 100 + "</p></div></span></body></html>", "utf-8"
    )

    def broken_page_read(store_path: Path) -> None:
        claims = claims_by_document(store_path)["broken.html"]
        pairs = {(c.subject.label, c.relation.label, c.object.label) for c in claims}
        assert ("Brazil", "CRITICIZES", "Argentina") in pairs, pairs

    too_deep = "nested more than 256 deep"
    return Expect(
        errors={
            str(folder / "nested.html"): too_deep,
            str(folder / "nested-unclosed.html"): too_deep,
            str(folder / "markup-only.html"): "no article text found",
        },
        stored={good, "broken.html"},
        check=broken_page_read,
    )


SCRIPT_WORDS = ("Taiwan", "Israel", "Poland", "document", "var ", "content:", "{", "}")
SCRIPT = (
    '<script>var x = "China attacked Taiwan."; document.write("Iran condemned Israel.");'
    "</script>"
    '<style>.news::before { content: "Russia sanctioned Poland."; }</style>'
    '<script type="application/ld+json">{"headline": "China attacked Taiwan."}</script>'
)


def case_script_and_style(folder: Path) -> Expect:
    good = write_good(folder)
    page = (
        "<html><head><title>Talks in Geneva</title>" + SCRIPT * 200 + "</head><body>"
        + SCRIPT * 200
        + "<article><p>India and Pakistan held talks in Geneva on Tuesday.</p>"
        + SCRIPT
        + "<p>Egypt welcomed the meeting, a spokesman said.</p>"
        + "<noscript>Russia attacked Poland.</noscript>"
        + FILLER
        + "</p></article>"
        + SCRIPT * 200
        + "</body></html>"
    )  # fmt: skip
    (folder / "scripts.html").write_text(page, "utf-8")
    (folder / "only-scripts.html").write_text(
        "<html><head>" + SCRIPT * 50 + "</head><body>" + SCRIPT * 50 + "</body></html>", "utf-8"
    )

    def no_script_text(store_path: Path) -> None:
        claims = claims_by_document(store_path)["scripts.html"]
        pairs = {(c.subject.label, c.object.label) for c in claims}
        assert ("India", "Pakistan") in pairs, pairs
        for claim in claims:
            texts = [claim.evidence, claim.trigger or "", claim.subject.label, claim.object.label]
            for word in SCRIPT_WORDS:
                assert not any(word in text for text in texts), (word, claim)

    return Expect(
        errors={str(folder / "only-scripts.html"): "no article text found"},
        stored={good, "scripts.html"},
        check=no_script_text,
    )


def case_malformed_jsonl(folder: Path) -> Expect:
    good_1 = {"id": "good-1", "text": "Japan and South Korea signed a trade agreement."}
    good_2 = {"id": "good-2", "text": "Brazil condemned Argentina over the border closure."}
    good_3 = {"id": "good-3", "text": "Kenya and Nigeria held talks in Abuja."}
    lines = [
        json.dumps(good_1),  # 1
        '{"id": "cut", "text": "Russia attacked',  # 2: truncated mid-string
        '{"id": "x", "text": "a"}} trailing',  # 3
        "[" * 100_000 + "]" * 100_000,  # 4: nested too deeply for the parser
        "{'id': 'single-quotes', 'text': 'Russia attacked Ukraine.'}",  # 5
        '{"id": "nan", "text": "Peru and Chile held talks.", "title": NaN}',  # 6
        '{"id": "surrogate", "text": "France condemned Russia \\ud800 today."}',  # 7
        "{}",  # 8
        json.dumps(good_2).rstrip() + "\r",  # 9: a CRLF line
        "\x00\x01garbage",  # 10
        json.dumps(good_3),  # 11
        '{"id": "end", "text": "Norway and Swe',  # 12: file ends mid-line
    ]
    path = folder / "wire.jsonl"
    path.write_text("\n".join(lines), "utf-8")
    return Expect(
        errors={
            f"{path}:2": "Unterminated string",
            f"{path}:3": "Extra data",
            f"{path}:4": "nested too deeply",
            f"{path}:5": "not valid JSON",
            f"{path}:6": "field 'title' must be a string",
            f"{path}:7": "lone UTF-16 surrogate",
            f"{path}:8": "missing required field 'text'",
            f"{path}:10": "not valid JSON",
            f"{path}:12": "Unterminated string",
        },
        stored={"good-1", "good-2", "good-3"},
    )


def case_jsonl_wrong_types(folder: Path) -> Expect:
    path = folder / "typed.jsonl"
    path.write_text(
        jsonl(
            {"id": "number", "text": 42},  # 1
            {"id": "list", "text": ["Russia", "attacked", "Ukraine"]},  # 2
            {"id": "null", "text": None},  # 3
            {"id": "object", "text": {"body": "Russia attacked Ukraine."}},  # 4
            {"id": "bool", "text": True},  # 5
            {"id": "bad-date", "text": "Brazil condemned Argentina.", "date": "2024-13-45"},  # 6
            {"id": "number-date", "text": "Peru and Chile held talks.", "date": 20240101},  # 7
            {"id": "list-title", "text": "Egypt and Jordan held talks.", "title": ["a"]},  # 8
            {"id": True, "text": "Spain and Italy held talks."},  # 9
            {"id": "url", "text": "Iran and Iraq held talks.", "url": 7},  # 10
            {"id": 12345, "text": "Japan and India held talks in Delhi."},  # 11
            {"id": "ok", "text": "France condemned Germany.", "date": "2024-10-18"},  # 12
            ["not", "an", "object"],  # 13
            "just a string",  # 14
        ),
        "utf-8",
    )

    def dates(store_path: Path) -> None:
        documents = stored_documents(store_path)
        assert documents["bad-date"]["date"] is None
        assert documents["ok"]["date"] == "2024-10-18"

    return Expect(
        errors={
            f"{path}:1": "field 'text' must be a string, got number",
            f"{path}:2": "field 'text' must be a string, got list",
            f"{path}:3": "field 'text' must be a string, got null",
            f"{path}:4": "field 'text' must be a string, got object",
            f"{path}:5": "field 'text' must be a string, got boolean",
            f"{path}:7": "field 'date' must be a string or null, got number",
            f"{path}:8": "field 'title' must be a string or null, got list",
            f"{path}:9": "field 'id' must be a string or a number, got boolean",
            f"{path}:10": "field 'url' must be a string or null, got number",
            f"{path}:13": "line is a JSON list",
            f"{path}:14": "line is a JSON string",
        },
        stored={"bad-date", "12345", "ok"},
        warnings=(f"{path}:6: cannot read date '2024-13-45'",),
        check=dates,
    )


def case_odd_metadata(folder: Path) -> Expect:
    path = folder / "meta.jsonl"
    text = "{a} and {b} held talks on Monday."
    records = [
        ("control-url", "http://example.org/a\u0001b", "France", "Germany"),
        ("ipv6-url", "http://[oops/a", "Japan", "India"),
        ("spaced-url", "https://example.org/a page?q=1 2", "Peru", "Chile"),
        ("script-url", "javascript:alert(1)", "Egypt", "Jordan"),
        ("unicode-url", "https://例え.jp/記事?q=ü#frag", "Kenya", "Nigeria"),
        ("c1-url", "HTTP://\u0080x.org/", "Ghana", "Togo"),
        ("nonchar-url", "https://example.org/\ufffe", "Mali", "Niger"),
    ]
    lines = [{"id": i, "text": text.format(a=a, b=b), "url": url} for i, url, a, b in records]
    lines += [
        {"id": "tabs", "text": "Spain and Italy held talks.", "title": "A\ttitle\nover\r\nlines"},
        {"id": "long-source", "text": "Iran and Iraq held talks.", "source": "S" * 20_000},
        {"id": "far-date", "text": "Cuba and Haiti held talks.", "date": "9999-12-31T23:59+14:00"},
        {"id": "feb-30", "text": "Laos and Nepal held talks.", "date": "2024-02-30"},
        {"id": "bad-title", "text": "Oman and Yemen held talks.", "title": "\ud83d broken"},
        {"id": 1e308, "text": "Fiji and Tonga held talks."},
    ]
    path.write_text(jsonl(*lines, ascii_only=True), "utf-8")

    def metadata(store_path: Path) -> None:
        documents = stored_documents(store_path)
        assert documents["ipv6-url"]["url"] == "http://[oops/a"
        assert documents["control-url"]["url"] == "http://example.org/a\u0001b"
        assert documents["unicode-url"]["url"] == "https://例え.jp/記事?q=ü#frag"
        assert documents["tabs"]["title"] == "A title over lines"
        assert documents["far-date"]["date"] == "9999-12-31"
        assert documents["feb-30"]["date"] is None

    return Expect(
        errors={f"{path}:12": "field 'title' contains U+D83D, a lone UTF-16 surrogate"},
        stored={*(r[0] for r in records), "tabs", "long-source", "far-date", "feb-30", "1e+308"},
        warnings=(f"{path}:11: cannot read date '2024-02-30'",),
        check=metadata,
    )


def rss(*items: str, head: str = '<?xml version="1.0"?>') -> str:
    return f'{head}<rss version="2.0"><channel><title>Wire</title>{"".join(items)}</channel></rss>'


def case_feeds(folder: Path) -> Expect:
    good = write_good(folder)
    laughs = "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    )  # a billion "lol"s if expanded
    (folder / "laughs.rss").write_text(
        rss(
            "<item><title>x</title><description>&l9; Spain and Italy held talks.</description>"
            "</item>",
            head=f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{laughs}]>',
        ),
        "utf-8",
    )
    secret = folder.parent / "secret.txt"
    secret.write_text("root:x:0:0:SECRET", "utf-8")
    (folder / "external.rss").write_text(
        rss(
            "<item><title>a</title><description>&x; Kenya and Nigeria held talks.</description>"
            "</item>",
            head=f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]>',
        ),
        "utf-8",
    )
    (folder / "deep.xml").write_text(
        rss(
            "<item><description>"
            + "<div>" * 5000
            + "Peru and Chile held talks."
            + "</div>" * 5000
            + "</description></item>"
        ),
        "utf-8",
    )
    (folder / "not-a-feed.xml").write_text('<?xml version="1.0"?><svg><item>x</item></svg>')
    (folder / "cut.rss").write_text(
        rss(
            "<item><title>T</title><link>https://example.org/cut</link>"
            "<description>Egypt and Jordan held talks in Cairo.</description></item>"
        ).replace("</channel></rss>", "<item><title>unclosed"),
        "utf-8",
    )

    def nothing_fetched_or_expanded(store_path: Path) -> None:
        claims = claims_by_document(store_path)
        for name in ("laughs.rss#1", "external.rss#1", "deep.xml#1", "https://example.org/cut"):
            assert claims[name], name
            for claim in claims[name]:
                assert "SECRET" not in claim.evidence and "lollol" not in claim.evidence

    return Expect(
        errors={
            str(folder / "not-a-feed.xml"): "not an RSS or Atom feed",
            str(folder / "cut.rss"): "feed item 2 has no text",
        },
        stored={good, "laughs.rss#1", "external.rss#1", "deep.xml#1", "https://example.org/cut"},
        check=nothing_fetched_or_expanded,
    )


def case_non_english(folder: Path) -> Expect:
    good = write_good(folder)
    texts = {
        "korean.txt": "북한과 러시아\n\n북한은 러시아에 병력을 파견했다고 국가정보원이 밝혔다.\n",
        "arabic.txt": "مصر والأردن\n\nعقدت مصر والأردن محادثات في القاهرة يوم الثلاثاء.\n",
        "russian.txt": "Переговоры\n\nРоссия и Китай провели переговоры в Москве во вторник.\n",
        "mixed.md": "# 会谈\n\n中国和俄罗斯周二在北京举行了会谈。Россия и Китай. 북한.\n",
    }
    for name, text in texts.items():
        (folder / name).write_text(text, "utf-8")
    lines = jsonl(
        {"id": "emoji", "text": "🇫🇷 France 🤝 🇩🇪 Germany held talks 🎉. Zero\u200dwidth a\u0301."},
        {"id": "bidi", "text": "\u202eIsrael\u202c condemned Iran \u2067over\u2069 the strike."},
        {"id": "controls", "text": "\x1b[31mRussia\x1b[0m attacked Ukraine.\x07 Bell\x08\x00."},
        {"id": "long-word", "text": "France " + "x" * 100_000 + " condemned Spain."},
        {"id": "한국어", "text": "한국과 일본은 도쿄에서 무역 협정에 서명했다."},
    )
    (folder / "mixed.jsonl").write_text(lines, "utf-8")
    return Expect(
        errors={},
        stored={good, *texts, "emoji", "bidi", "controls", "long-word", "한국어"},
    )


def case_file_names(folder: Path) -> Expect:
    article = "Title\n\n{a} and {b} held talks in the capital on Monday.\n"
    names = {
        "with spaces.txt": ("France", "Germany"),
        "  leading and trailing  .txt": ("Japan", "India"),
        "café – 記事 №1.txt": ("Peru", "Chile"),
        "-starts-with-dash.txt": ("Egypt", "Jordan"),
        "2024-02-30 not a date.txt": ("Kenya", "Nigeria"),
        "quotes 'single' \"double\" $HOME `tick`.txt": ("Spain", "Italy"),
    }
    for name, (a, b) in names.items():
        (folder / name).write_text(article.format(a=a, b=b), "utf-8")
    sub = folder / "émigré folder ✈"
    sub.mkdir()
    (sub / "ünïcødé.txt").write_text(article.format(a="Norway", b="Sweden"), "utf-8")
    (sub / "naïve  wire.jsonl").write_text(
        jsonl({"id": "id with spaces", "text": "Brazil and Argentina held talks."}), "utf-8"
    )
    (sub / "页面 page.HTML").write_text(
        "<html><body><article><p>Canada and Mexico held talks in Ottawa on Monday.</p>"
        + FILLER
        + "</article></body></html>",
        "utf-8",
    )
    # A name that is not UTF-8 (Latin-1 é); Linux stores it as raw bytes.
    raw_name = os.fsencode(folder) + b"/latin-\xe9.txt"
    with open(raw_name, "w", encoding="utf-8") as handle:
        handle.write(article.format(a="Greece", b="Turkey"))

    def dated(store_path: Path) -> None:
        assert stored_documents(store_path)["2024-02-30 not a date.txt"]["date"] is None

    return Expect(
        errors={},
        stored={
            *names,
            "ünïcødé.txt",
            "id with spaces",
            "页面 page.HTML",
            "latin-\ufffd.txt",
        },
        check=dated,
    )


def case_symlinks(folder: Path) -> Expect:
    good = write_good(folder)
    (folder / "loop").symlink_to(".")
    (folder / "parent").symlink_to("..")
    (folder / "sub").mkdir()
    (folder / "sub" / "back").symlink_to("../..")
    (folder / "sub" / "ring-a").symlink_to("ring-b")
    (folder / "sub" / "ring-b").symlink_to("ring-a")
    (folder / "alias.txt").symlink_to(good)  # the same article again: read, not stored twice
    (folder / "dangling.txt").symlink_to("missing.txt")
    (folder / "self.txt").symlink_to("self.txt")
    loop = "too many levels of symbolic links"
    return Expect(
        errors={
            str(folder / "dangling.txt"): "broken symbolic link",
            str(folder / "self.txt"): loop,
            str(folder / "sub" / "ring-a"): loop,
            str(folder / "sub" / "ring-b"): loop,
        },
        stored={"alias.txt"},  # the first name the walk meets, in name order
        skipped=1,
    )


CASES: dict[str, Callable[[Path], Expect]] = {
    name.removeprefix("case_"): builder
    for name, builder in dict(globals()).items()
    if name.startswith("case_")
}


# --- running them ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory, kg_process) -> dict[str, Run]:
    """The selected cases, each built in its own folder and ingested into its own new
    store by a real ``kg ingest``, two processes at a time."""
    wanted = sorted(
        {
            item.callspec.params["case"]
            for item in request.session.items
            if getattr(item, "module", None) is request.module
            and "case" in getattr(getattr(item, "callspec", None), "params", {})
        }
    )
    root = tmp_path_factory.mktemp("battery")

    def run(name: str) -> Run:
        # The store lies outside the folder's parent, which a symlink case walks too.
        folder = root / name / "input" / "articles"
        folder.mkdir(parents=True)
        expect = CASES[name](folder)
        store = root / name / "store"
        process = kg_process("ingest", folder, "--store", store, timeout=300)
        return Run(folder, store, expect, process)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(wanted, pool.map(run, wanted), strict=True))


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_case(case: str, runs: dict[str, Run], cli) -> None:
    result = runs[case]
    expect, process = result.expect, result.process
    check_stderr(process, expect.errors, expect.warnings)
    check_exit(process, failed=bool(expect.errors))
    counts = summary(process.stdout)
    assert counts["problems"] == len(expect.errors)
    assert counts["stored"] == len(expect.stored), counts
    assert counts["skipped"] == expect.skipped, counts
    documents = stored_documents(result.store)
    assert set(documents) == expect.stored
    if "good.txt" in documents:  # the plain good article next to the bad ones
        assert documents["good.txt"]["claims"] == 1, documents["good.txt"]
    if expect.check is not None:
        expect.check(result.store)
    check_valid(cli, result.store)
