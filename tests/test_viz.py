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
from builders import KP, KR, NATO, RU
from builders import make_claim as _make_claim

from kg.analyze import claims_graph
from kg.errors import KgError
from kg.model import Actor, ActorType, Claim, Modality
from kg.viz import (
    NEGATED_COLOUR,
    NODE_SIZE_RANGE,
    PHYSICS_MAX_NODES,
    ego_graph,
    graph_html,
    write_graph_html,
)

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


def make_claim(*args: object, **kwargs: object) -> Claim:
    return _make_claim(*args, confidence=0.8, **kwargs)  # type: ignore[arg-type]


WAGNER = Actor("WAGNER", "Wagner Group", ActorType.GROUP, qid="Q18348220")
PUTIN = Actor("person:vladimir-putin", "Vladimir Putin", ActorType.PERSON, qid="Q7747")


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


def test_filter_menu_lists_what_the_graph_holds() -> None:
    data = payload(graph_html(sample_graph()))
    filters = data["filters"]
    relations = {name for name, _text, _count in filters["relation"]}
    assert relations == {e["relation"] for e in data["edges"]}
    assert dict((m, n) for m, _t, n in filters["modality"]) == {"asserted": 6, "hedged": 1}
    kinds = [text for _kind, text, _count in filters["kind"]]
    assert kinds == ["State", "International organisation", "Non-state group", "Person"]
    assert all("kind" in n and "name" in n for n in data["nodes"])
    page = graph_html(sample_graph())
    assert 'id="kg-search"' in page and 'id="kg-filter-relation"' in page


def test_negated_edges_are_dotted_grey_and_filterable_only_when_built_with() -> None:
    claims = [
        make_claim(KP, "sendsTroops", RU, Modality.NEGATED),
        make_claim(NATO, "condemns", RU),
    ]
    with_negated = payload(graph_html(claims_graph(claims, modalities=[m.value for m in Modality])))
    negated = [e for e in with_negated["edges"] if e["modality"] == "negated"]
    assert len(negated) == 1
    assert negated[0]["dashes"] == [2, 5]
    assert negated[0]["color"]["color"] == NEGATED_COLOUR
    assert "negated" in [m for m, _t, _n in with_negated["filters"]["modality"]]
    default = payload(graph_html(claims_graph(claims)))
    assert [m for m, _t, _n in default["filters"]["modality"]] == ["asserted", "hedged"]


def test_node_size_follows_centrality_then_pagerank_then_degree() -> None:
    low, high = NODE_SIZE_RANGE
    graph = sample_graph()
    by_degree = {n["id"]: n["size"] for n in payload(graph_html(graph))["nodes"]}
    assert by_degree["Q159"] == max(by_degree.values())  # Russia has the most claims
    assert all(low <= size <= high for size in by_degree.values())
    for node in graph:
        graph.nodes[node]["pagerank"] = 0.5 if node == "Q7747" else 0.1
    by_rank = {n["id"]: n["size"] for n in payload(graph_html(graph))["nodes"]}
    assert by_rank["Q7747"] == high and by_rank["Q159"] < high
    for node in graph:
        graph.nodes[node]["centrality"] = 1.0 if node == "Q884" else 0.0
    by_centrality = {n["id"]: n["size"] for n in payload(graph_html(graph))["nodes"]}
    assert by_centrality["Q884"] == high and by_centrality["Q7747"] == low


def test_ego_graph_by_key_label_alias_and_qid() -> None:
    graph = sample_graph()
    graph.nodes["Q7184"]["aliases"] = ["North Atlantic Alliance"]
    one = ego_graph(graph, "Q7747", 1)  # Putin: visits KP, criticised by KR
    assert sorted(one) == ["Q423", "Q7747", "Q884"]
    assert one.graph["ego"] == "Q7747"
    assert sorted(ego_graph(graph, "vladimir putin", 0)) == ["Q7747"]
    assert "Q7184" in ego_graph(graph, "north atlantic alliance", 1)
    two = ego_graph(graph, "Wagner Group", 2)  # Wagner attacks KR, which criticises Putin
    assert sorted(two) == ["Q18348220", "Q7747", "Q884"]
    assert two.number_of_edges() == 2
    data = payload(graph_html(one))
    assert data["ego"] == "Q7747"
    assert {n["id"]: n.get("borderWidth") for n in data["nodes"]}["Q7747"] == 4
    with pytest.raises(KgError, match="no actor 'Atlantis'"):
        ego_graph(graph, "Atlantis", 1)
    with pytest.raises(KgError, match="depth"):
        ego_graph(graph, "Q159", -1)


def test_large_graph_layout_is_quick_and_deterministic() -> None:
    graph = ring(1200)  # above SPRING_LAYOUT_MAX_NODES: the grid force layout
    first = payload(graph_html(graph))["nodes"]
    assert len({(n["x"], n["y"]) for n in first}) == 1200
    assert first == payload(graph_html(graph))["nodes"]


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

    def __init__(self, browser: Any, path: Path, timeout: float = 10_000) -> None:
        self.attempted: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 900, "height": 600})
        self.page.route("**/*", self._route)
        self.page.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(path.as_uri())
        # A function, not an expression string: Playwright evals strings, which the CSP forbids.
        self.page.wait_for_function("() => window.kgReady === true", timeout=timeout)

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


def visible_edges(page: Any) -> int:
    return page.evaluate("window.kgNetwork.body.data.edges.get({filter: e => !e.hidden}).length")


def visible_nodes(page: Any) -> list[str]:
    return sorted(
        page.evaluate(
            "window.kgNetwork.body.data.nodes.get({filter: n => !n.hidden}).map(n => n.id)"
        )
    )


@pytest.mark.browser
def test_filter_menu_hides_and_shows(browser: Any, tmp_path: Path) -> None:
    graph = sample_graph()
    opened = OpenPage(browser, write_graph_html(graph, tmp_path / "graph.html"))
    try:
        page = opened.page
        total = graph.number_of_edges()
        assert visible_edges(page) == total
        page.locator('input[data-kg-filter="relation"][value="CRITICIZES"]').uncheck()
        criticizes = sum(1 for *_e, k in graph.edges(keys=True) if k == "CRITICIZES")
        assert visible_edges(page) == total - criticizes
        # Putin keeps his meeting with North Korea, so he stays.
        assert "Q7747" in visible_nodes(page)
        page.locator('input[data-kg-filter="modality"][value="hedged"]').uncheck()
        assert visible_edges(page) == total - criticizes - 1
        # Wagner's only edge was hedged, South Korea's others were criticism: both went.
        assert visible_nodes(page) == ["Q159", "Q423", "Q7184", "Q7747"]
        page.locator('input[data-kg-filter="kind"][value="Person"]').uncheck()
        assert visible_nodes(page) == ["Q159", "Q423", "Q7184"]
        assert visible_edges(page) == total - criticizes - 2
        shown = page.locator("#kg-shown").text_content()
        assert shown == "Showing 3 of 6 actors, 3 of 7 relations"
        page.locator("#kg-filter-reset").click()
        assert visible_edges(page) == total
        assert len(visible_nodes(page)) == 6
        assert page.locator('input[data-kg-filter="modality"][value="negated"]').count() == 0
        assert opened.attempted == []
        assert opened.errors == []
    finally:
        opened.page.close()


@pytest.mark.browser
def test_search_focuses_and_cycles(browser: Any, tmp_path: Path) -> None:
    opened = OpenPage(browser, write_graph_html(sample_graph(), tmp_path / "graph.html"))
    try:
        page = opened.page
        search = page.locator("#kg-search")
        search.fill("korea")
        assert sorted(page.evaluate("window.kgNetwork.getSelectedNodes()")) == ["Q423", "Q884"]
        assert page.locator("#kg-search-note").text_content() == "1 of 2: North Korea"
        # The view moves to the match.
        page.wait_for_function(
            """() => {
                const n = window.kgNetwork;
                const p = n.getPositions(["Q423"]).Q423, v = n.getViewPosition();
                return Math.hypot(p.x - v.x, p.y - v.y) < 1;
            }""",
            timeout=5_000,
        )
        search.press("Enter")
        assert page.evaluate("window.kgFocused") == "Q884"
        assert page.locator("#kg-search-note").text_content() == "2 of 2: South Korea"
        search.press("Enter")
        assert page.evaluate("window.kgFocused") == "Q423"
        search.fill("atlantis")
        assert page.locator("#kg-search-note").text_content() == "no actor matches"
        assert page.evaluate("window.kgNetwork.getSelectedNodes()") == []
        # A searched actor stays on screen when the filters leave it no edge.
        page.locator('input[data-kg-filter="modality"][value="hedged"]').uncheck()
        assert "Q18348220" not in visible_nodes(page)
        search.fill("wagner")
        assert "Q18348220" in visible_nodes(page)
        assert opened.attempted == []
        assert opened.errors == []
    finally:
        opened.page.close()


@pytest.mark.browser
def test_search_and_filters_cannot_run_script(browser: Any, tmp_path: Path) -> None:
    graph = evil_graph()
    evil_name = "<img src=x onerror=window.__pwned=1>"
    graph.nodes["EVIL"]["label"] = evil_name
    graph.add_node("ODD", label="Odd", type=IMG_XSS, qid='Q1" onclick="window.__pwned=1')
    graph.add_edge("ODD", "EVIL", key=SCRIPT_XSS, relation=SCRIPT_XSS, modality=IMG_XSS)
    opened = OpenPage(browser, write_graph_html(graph, tmp_path / "evil.html"))
    try:
        page = opened.page
        page.locator("#kg-search").fill(evil_name)
        assert page.evaluate("window.kgNetwork.getSelectedNodes()") == ["EVIL"]
        note = page.locator("#kg-search-note")
        assert note.text_content() == f"1 of 1: {evil_name}"
        assert "&lt;img src=x" in note.inner_html()
        controls = page.locator("#kg-controls").inner_html()
        assert "<img" not in controls and "<script" not in controls
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in controls
        page.locator('input[data-kg-filter="kind"]').nth(1).uncheck()  # the odd type
        page.locator("#kg-search").fill("<script>")
        assert note.text_content() == "no actor matches"
        # Clicking the odd actor shows its details; its bad QID gets no link.
        x, y = opened.dom_position("ODD")
        page.locator("#kg-filter-reset").click()
        page.mouse.click(x, y)
        assert page.locator("#kg-details a").count() == 0
        assert page.evaluate("document.querySelectorAll('img, iframe, object').length") == 0
        assert page.evaluate("document.scripts.length") == 3
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert opened.attempted == []
        assert opened.errors == []
    finally:
        page.close()


@pytest.mark.browser
def test_details_panel_links_wikidata(browser: Any, tmp_path: Path) -> None:
    opened = OpenPage(browser, write_graph_html(sample_graph(), tmp_path / "graph.html"))
    try:
        page = opened.page
        page.mouse.click(*opened.dom_position("Q159"))
        link = page.locator("#kg-details a")
        assert link.get_attribute("href") == "https://www.wikidata.org/wiki/Q159"
        assert "Russia" in page.locator("#kg-details").text_content()
        assert opened.attempted == []  # shown, not followed
    finally:
        opened.page.close()


def random_graph(nodes: int, edges: int) -> nx.MultiDiGraph:
    import random

    rng = random.Random(7)
    kinds = ["State", "Person", "NonStateGroup", "InternationalOrganization"]
    graph = nx.MultiDiGraph(modalities=["asserted", "hedged"])
    for i in range(nodes):
        graph.add_node(f"n{i}", label=f"Actor {i}", type=kinds[i % 4], qid=None)
    labels = ["TRADE", "MEETS", "ATTACKS", "SANCTIONS", "SUPPORTS", "CRITICIZES"]
    added = 0  # (number_of_edges() walks every node: too slow to call in the loop)
    while added < edges:
        u, v, key = rng.randrange(nodes), rng.randrange(nodes), rng.choice(labels)
        if u != v and not graph.has_edge(f"n{u}", f"n{v}", key):
            modality = "hedged" if rng.random() < 0.2 else "asserted"
            graph.add_edge(f"n{u}", f"n{v}", key=key, relation=key, modality=modality, count=1)
            added += 1
    return graph


@pytest.mark.browser
def test_five_thousand_nodes_load_within_seconds(browser: Any, tmp_path: Path) -> None:
    """5,000 actors and 10,000 relations: the page is drawn and usable within seconds.

    The time is from navigation to ``window.kgReady`` (set after vis-network's first
    drawing); run with ``-s`` to see it, e.g. ``pytest tests/test_viz.py -s -k thousand``.
    """
    import time

    started = time.perf_counter()
    path = write_graph_html(random_graph(5000, 10_000), tmp_path / "big.html")
    built = time.perf_counter() - started
    started = time.perf_counter()
    opened = OpenPage(browser, path, timeout=60_000)
    loaded = time.perf_counter() - started
    try:
        page = opened.page
        assert page.evaluate("window.kgNetwork.body.data.nodes.length") == 5000
        assert page.evaluate("window.kgNetwork.physics.physicsEnabled") is False
        started = time.perf_counter()
        page.locator('input[data-kg-filter="relation"][value="TRADE"]').uncheck()
        page.locator("#kg-search").fill("Actor 4999")
        filtered = time.perf_counter() - started
        assert page.evaluate("window.kgFocused") == "n4999"
        assert visible_edges(page) < 10_000
        print(
            f"\n5,000 nodes / 10,000 edges: page built in {built:.1f} s, loaded and drawn in "
            f"{loaded:.1f} s (kgReady at {page.evaluate('window.kgReadyMs')} ms), "
            f"filter + search in {filtered:.2f} s"
        )
        assert loaded < 60
        assert opened.attempted == []
        assert opened.errors == []
    finally:
        opened.page.close()
