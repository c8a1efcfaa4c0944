"""Tests for kg.viz: the offline graph page, its escaping, and the page in a real browser."""

from __future__ import annotations

import json
import os
import re
import struct
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from kg.analyze import claims_graph
from kg.model import Actor, ActorType, Claim, Modality
from kg.ontology import relation
from kg.viz import PHYSICS_MAX_NODES, graph_html, write_graph_html

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

SCRIPT_XSS = "<script>window.__pwned=1</script>"
IMG_XSS = '<img src=x onerror="window.__pwned=1">'
EVIL_EVIDENCE = f"Officials said {SCRIPT_XSS} that \"troops\" & 'arms' </script>{IMG_XSS} moved."
EVIL_LABEL = f"Evil{IMG_XSS}"

KP = Actor("KP", "North Korea", ActorType.STATE, qid="Q423")
RU = Actor("RU", "Russia", ActorType.STATE, qid="Q159")
KR = Actor("KR", "South Korea", ActorType.STATE, qid="Q884")
NATO = Actor("NATO", "NATO", ActorType.ORGANIZATION, qid="Q7184")
WAGNER = Actor("WAGNER", "Wagner Group", ActorType.GROUP, qid="Q18348220")
PUTIN = Actor("person:vladimir-putin", "Vladimir Putin", ActorType.PERSON, qid="Q7747")


def make_claim(
    subject: Actor,
    rel: str,
    obj: Actor,
    modality: Modality = Modality.ASSERTED,
    *,
    evidence: str = "",
    document: str = "doc-a",
    start: int = 0,
    attributed_to: Actor | None = None,
) -> Claim:
    evidence = evidence or f"{subject.label} {rel} {obj.label}."
    return Claim(
        subject=subject,
        relation=relation(rel),
        object=obj,
        modality=modality,
        document=document,
        evidence=evidence,
        sentence=0,
        start=start,
        end=start + len(evidence),
        confidence=0.8,
        attributed_to=attributed_to,
    )


def sample_graph() -> nx.MultiDiGraph:
    """Six actors of every type; directed, symmetric, hedged and parallel edges."""
    return claims_graph(
        [
            make_claim(KP, "sendsTroops", RU, Modality.HEDGED, attributed_to=KR),
            make_claim(KP, "militaryAid", RU, document="doc-b", start=3),
            make_claim(RU, "meets", KP),
            make_claim(NATO, "condemns", RU),
            make_claim(NATO, "sanctions", RU, start=9),
            make_claim(WAGNER, "attacks", KR, Modality.HEDGED),
            make_claim(PUTIN, "visits", KP),
            make_claim(KR, "criticizes", PUTIN),
        ]
    )


def evil_graph() -> nx.MultiDiGraph:
    evil = Actor("EVIL", EVIL_LABEL, ActorType.GROUP)
    speaker = Actor("SPK", f'Speaker "{SCRIPT_XSS}"', ActorType.PERSON)
    return claims_graph(
        [
            make_claim(
                evil,
                "attacks",
                RU,
                evidence=EVIL_EVIDENCE,
                document=f"doc</script>{IMG_XSS}",
                attributed_to=speaker,
            )
        ]
    )


class _Resources(HTMLParser):
    """Collects every URL-bearing attribute, tag counts, and the text of style blocks."""

    URL_ATTRIBUTES = frozenset({"src", "href", "srcset", "action", "data", "poster", "xlink:href"})

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.tags: dict[str, int] = {}
        self.styles: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in self.URL_ATTRIBUTES:
                self.urls.append((tag, name, value or ""))
            if name.startswith("on"):
                self.handlers.append((tag, name))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def parse(page: str) -> _Resources:
    parser = _Resources()
    parser.feed(page)
    parser.close()
    return parser


def payload(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert match, "no data block"
    return json.loads(match.group(1))


# -- unit tests on the HTML -------------------------------------------------------------


def test_page_loads_no_remote_resources() -> None:
    page = graph_html(sample_graph())
    found = parse(page)
    assert found.urls == []  # no <script src>, <link href>, <img src> at all
    assert found.tags.get("link", 0) == 0
    for css in found.styles:
        for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", css):
            assert url.startswith("data:"), url
        assert "@import" not in css
    for host in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "bootstrap", "unpkg.com"):
        assert host not in page
    assert "sourceMappingURL" not in page


def test_vis_network_is_inline() -> None:
    page = graph_html(sample_graph())
    found = parse(page)
    assert found.tags["script"] == 3  # data block, vis-network, our code
    assert page.count("</script>") == 3
    assert "@version 9.1.2" in page
    assert "new vis.Network(" in page
    assert len(page) > 400_000
    assert "Content-Security-Policy" in page


def test_payload_describes_the_graph() -> None:
    graph = sample_graph()
    data = payload(graph_html(graph))
    assert len(data["nodes"]) == graph.number_of_nodes() == 6
    assert len(data["edges"]) == graph.number_of_edges()
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["Q159"]["shape"] == "dot"
    assert nodes["Q7184"]["shape"] == "diamond"
    assert nodes["Q7184"]["color"]["background"] != nodes["Q159"]["color"]["background"]
    assert "Wikidata: Q159" in nodes["Q159"]["tip"]["rows"]
    edges = {(e["from"], e["to"], e["tip"]["head"].rsplit(": ", 1)[1]): e for e in data["edges"]}
    aid = edges["Q423", "Q159", "MILITARY_AID"]
    assert aid["dashes"] is False  # an asserted claim makes the edge asserted
    assert aid["arrows"]["to"]["enabled"] is True
    assert aid["width"] > edges["Q7184", "Q159", "SANCTIONS"]["width"]
    assert len(aid["tip"]["items"]) == 2
    assert any("according to South Korea" in item["meta"] for item in aid["tip"]["items"])
    meets = edges["Q159", "Q423", "MEETS"]
    assert meets["arrows"]["to"]["enabled"] is False
    attack = edges["Q18348220", "Q884", "ATTACKS"]
    assert attack["dashes"] == [8, 6]
    coop, conflict = aid["color"]["color"], attack["color"]["color"]
    assert coop != conflict
    # Two relations between NATO and Russia are bent apart.
    assert "smooth" in edges["Q7184", "Q159", "CRITICIZES"]


def test_tooltips_list_at_most_five_sentences() -> None:
    claims = [
        make_claim(KP, "militaryAid", RU, evidence=f"Sentence {i}.", start=i) for i in range(8)
    ]
    data = payload(graph_html(claims_graph(claims)))
    (edge,) = data["edges"]
    assert len(edge["tip"]["items"]) == 5
    assert edge["tip"]["more"] == "+ 3 more"


def test_article_strings_appear_only_escaped() -> None:
    page = graph_html(evil_graph(), title=f"Report {SCRIPT_XSS}")
    for raw in (SCRIPT_XSS, IMG_XSS, "<img src=x", "window.__pwned=1</script>", "doc</script>"):
        assert raw not in page
    assert page.count("</script>") == 3
    assert parse(page).handlers == []
    assert "<title>Report &lt;script&gt;window.__pwned=1&lt;/script&gt;</title>" in page
    assert "\\u003cscript\\u003ewindow.__pwned=1\\u003c/script\\u003e" in page
    # Escaping is lossless: the JSON still holds the article's exact text.
    data = payload(page)
    (edge,) = data["edges"]
    assert edge["tip"]["items"][0]["text"] == EVIL_EVIDENCE
    assert SCRIPT_XSS in edge["tip"]["items"][0]["meta"]
    heads = {n["tip"]["head"] for n in data["nodes"]}
    assert EVIL_LABEL in heads


def test_output_is_deterministic() -> None:
    graph = sample_graph()
    shuffled = nx.MultiDiGraph()
    shuffled.add_nodes_from(reversed(list(graph.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(graph.edges(keys=True, data=True))))
    assert graph_html(graph) == graph_html(graph) == graph_html(shuffled)
    assert graph_html(graph, physics=False) == graph_html(shuffled, physics=False)


def ring(size: int) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for i in range(size):
        graph.add_node(f"n{i:04d}", label=f"Actor {i}", type="State", qid=None)
    for i in range(size):
        graph.add_edge(f"n{i:04d}", f"n{(i + 1) % size:04d}", key="TRADE", relation="TRADE")
    return graph


def test_physics_on_for_small_graphs_off_with_positions_for_large() -> None:
    small = payload(graph_html(ring(10)))
    assert small["physics"] is True
    assert small["options"]["physics"]["enabled"] is True
    assert small["options"]["physics"]["stabilization"]["iterations"] > 0
    assert "x" not in small["nodes"][0]
    large = payload(graph_html(ring(PHYSICS_MAX_NODES + 1)))
    assert large["physics"] is False
    assert large["options"]["physics"]["enabled"] is False
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in large["nodes"])
    assert len({(n["x"], n["y"]) for n in large["nodes"]}) == PHYSICS_MAX_NODES + 1
    forced = payload(graph_html(ring(10), physics=False))
    assert forced["physics"] is False and "x" in forced["nodes"][0]


def test_layout_of_graphs_beyond_networkx_dense_limit() -> None:
    # networkx switches solvers at 500 nodes (and needs SciPy there): positions still come.
    nodes = payload(graph_html(ring(600)))["nodes"]
    assert len({(n["x"], n["y"]) for n in nodes}) == 600


def test_plain_networkx_graph_gets_defaults() -> None:
    graph = nx.MultiDiGraph()
    graph.add_edge("a", "b")
    data = payload(graph_html(graph))
    assert [n["label"] for n in data["nodes"]] == ["a", "b"]
    assert data["edges"][0]["arrows"]["to"]["enabled"] is True


def test_legend_is_plain_html() -> None:
    page = graph_html(sample_graph())
    legend = page[page.index('<aside class="kg-legend"') : page.index("</aside>")]
    for text in ("State", "Person", "Material conflict", "Verbal cooperation", "hedged"):
        assert text in legend
    assert "stroke-dasharray" in legend


def test_write_graph_html(tmp_path: Path) -> None:
    out = write_graph_html(sample_graph(), tmp_path / "sub" / "graph.html", title="Demo")
    assert out == tmp_path / "sub" / "graph.html"
    assert out.read_text("utf-8") == graph_html(sample_graph(), title="Demo")


# -- browser tests ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; missing → fail in CI, skip elsewhere."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class OpenPage:
    """A page opened from file:// with every other request aborted and recorded."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.attempted: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 900, "height": 600})
        self.page.route("**/*", self._route)
        self.page.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.kgReady === true", timeout=10_000)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.attempted.append(route.request.url)
            route.abort()

    def dom_position(self, node_id: str) -> tuple[float, float]:
        x, y = self.page.evaluate(
            """(id) => {
                const p = window.kgNetwork.getPositions([id])[id];
                const d = window.kgNetwork.canvasToDOM(p);
                const r = document.getElementById("kg-graph").getBoundingClientRect();
                return [r.left + d.x, r.top + d.y];
            }""",
            node_id,
        )
        return x, y

    def hover_tooltip(self, x: float, y: float, expected: str) -> str:
        self.page.mouse.move(5, 5)
        self.page.mouse.move(x, y, steps=3)
        self.page.wait_for_function(
            """(expected) => {
                const tip = document.querySelector("div.vis-tooltip");
                return tip && tip.style.visibility === "visible"
                    && tip.textContent.includes(expected);
            }""",
            arg=expected,
            timeout=5_000,
        )
        return self.page.evaluate('document.querySelector("div.vis-tooltip").innerHTML')


def png_colours(data: bytes) -> set[bytes]:
    """Distinct pixel values of an 8-bit, non-interlaced RGB/RGBA PNG (no PIL needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = bpp = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and interlace == 0
            bpp = {2: 3, 6: 4}[colour_type]
        elif kind == b"IDAT":
            idat += chunk
    raw = zlib.decompress(idat)
    stride = width * bpp
    previous = bytearray(stride)
    colours: set[bytes] = set()
    offset = 0
    for _ in range(height):
        kind_byte, line = raw[offset], bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind_byte == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind_byte == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind_byte == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind_byte == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        colours.update(bytes(line[i : i + bpp]) for i in range(0, stride, bpp))
        previous = line
    return colours


@pytest.mark.browser
def test_page_renders_offline_in_chromium(browser: Any, tmp_path: Path) -> None:
    graph = sample_graph()
    opened = OpenPage(browser, write_graph_html(graph, tmp_path / "graph.html"))
    try:
        counts = opened.page.evaluate(
            "[window.kgNetwork.body.data.nodes.length, window.kgNetwork.body.data.edges.length]"
        )
        assert counts == [graph.number_of_nodes(), graph.number_of_edges()]
        # Physics settled and was switched off.
        assert opened.page.evaluate("window.kgNetwork.physics.physicsEnabled") is False
        assert opened.page.locator("#kg-legend").is_visible()
        shot = opened.page.locator("#kg-graph").screenshot(type="png")
        assert len(png_colours(shot)) > 10
        assert opened.attempted == []
        assert opened.errors == []
    finally:
        opened.page.close()


@pytest.mark.browser
def test_large_graph_renders_without_physics(browser: Any, tmp_path: Path) -> None:
    graph = ring(PHYSICS_MAX_NODES + 20)
    opened = OpenPage(browser, write_graph_html(graph, tmp_path / "large.html"))
    try:
        assert opened.page.evaluate("window.kgNetwork.body.data.nodes.length") == len(graph)
        assert opened.page.evaluate("window.kgNetwork.physics.physicsEnabled") is False
        assert opened.attempted == []
        assert opened.errors == []
    finally:
        opened.page.close()


@pytest.mark.browser
def test_article_text_cannot_run_script(browser: Any, tmp_path: Path) -> None:
    graph = evil_graph()
    opened = OpenPage(browser, write_graph_html(graph, tmp_path / "evil.html", title=SCRIPT_XSS))
    try:
        page = opened.page
        node_tip = opened.hover_tooltip(*opened.dom_position("EVIL"), EVIL_LABEL)
        assert "<img" not in node_tip and "&lt;img src=x" in node_tip
        (ux, uy), (vx, vy) = opened.dom_position("EVIL"), opened.dom_position("Q159")
        edge_tip = opened.hover_tooltip((ux + vx) / 2, (uy + vy) / 2, EVIL_EVIDENCE)
        assert "<script" not in edge_tip and "<img" not in edge_tip
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in edge_tip
        assert page.evaluate("document.querySelectorAll('img, iframe, object').length") == 0
        assert page.evaluate("document.scripts.length") == 3
        assert page.title() == SCRIPT_XSS
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert opened.attempted == []
        assert opened.errors == []
    finally:
        page.close()
