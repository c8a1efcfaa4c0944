"""The interactive graph page: one self-contained HTML file that works from ``file://``.

The page embeds vis-network (the JavaScript pyvis draws with, taken at run time from the
installed pyvis package) and the graph as JSON, so it loads nothing from the network. We
write the page ourselves rather than through pyvis's template because that template
links Bootstrap from a CDN and renders tooltips as HTML strings.

Safety: article text (actor labels, evidence, attributions, document names) reaches the
page only as JSON inside a ``<script type="application/json">`` block, with ``<``, ``>``
and ``&`` written as ``\\u003c``…, and tooltips are built as DOM elements whose text is
set with ``textContent``, so no article string is ever parsed as HTML. A
Content-Security-Policy that allows only the page's own two scripts (by hash) and no
remote loads backs this up.

The side panel holds a search box (part of an actor's name selects and centres every
match; Enter steps through them) and a filter menu (relation, modality, actor type) built
by the page's script from the payload, labels set with ``textContent``. Filters hide edges
and nodes through vis ``DataSet.update({id, hidden})``; a node whose edges are all hidden
goes too, unless the search matches it.

Large graphs: up to :data:`PHYSICS_MAX_NODES` nodes the browser's physics settles the
layout and is then switched off; above that, positions come from Python (networkx's spring
layout up to :data:`SPRING_LAYOUT_MAX_NODES`, then a k-d-tree/grid force layout) and
physics stays off. At 5,000 nodes / 10,000 edges the page builds in ≈ 3.5 s and headless
Chromium draws it (``window.kgReady``, set after the first drawing) in ≈ 1.2 s; see
``test_five_thousand_nodes_load_within_seconds`` in ``tests/test_viz.py`` (``pytest
tests/test_viz.py -s -k thousand`` prints the times).

>>> import networkx as nx
>>> page = graph_html(nx.MultiDiGraph(), title="empty")
>>> "<title>empty</title>" in page and "https://" not in page.split("<script")[0]
True
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import math
import re
from collections import Counter, defaultdict
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import KgError

__all__ = [
    "EDGE_COLOURS",
    "NODE_STYLES",
    "PHYSICS_MAX_NODES",
    "ego_graph",
    "graph_html",
    "write_graph_html",
]

logger = logging.getLogger(__name__)

#: Above this many nodes the browser's physics takes too long to settle (≈17 s at 300):
#: positions are computed in Python and physics is off.
PHYSICS_MAX_NODES = 300
#: Physics iterations the browser runs before it freezes the layout.
STABILIZATION_ITERATIONS = 400
#: Evidence sentences an edge tooltip shows.
TOOLTIP_EVIDENCE = 5
#: Relations a node tooltip lists.
TOOLTIP_RELATIONS = 5
LAYOUT_SEED = 42
#: Without SciPy, networkx's dense O(n²) layout is used up to this many nodes (≈4 s).
DENSE_LAYOUT_MAX_NODES = 1500
#: networkx's spring layout loops over nodes in Python (≈45 s at 5,000 nodes); above this
#: many nodes our grid-approximated force layout is used (≈3 s at 5,000 nodes).
SPRING_LAYOUT_MAX_NODES = 1000
FAST_LAYOUT_ITERATIONS = 100
#: Node sizes (vis-network pixels at zoom 1) for the least and the most central actor.
NODE_SIZE_RANGE = (10.0, 40.0)

#: Fill colour and vis-network shape per actor type (ActorType values).
NODE_STYLES: dict[str, tuple[str, str]] = {
    "State": ("#4e79a7", "dot"),
    "InternationalOrganization": ("#b07aa1", "diamond"),
    "NonStateGroup": ("#9c755f", "triangle"),
    "Person": ("#edc948", "star"),
    "Actor": ("#bab0ac", "square"),
}
_NODE_NAMES = {
    "State": "State",
    "InternationalOrganization": "International organisation",
    "NonStateGroup": "Non-state group",
    "Person": "Person",
    "Actor": "Other actor",
}
#: Edge colour per quad class: cooperation green/blue, conflict orange/red.
EDGE_COLOURS: dict[str | None, str] = {
    "VerbalCooperation": "#59a14f",
    "MaterialCooperation": "#2f7fc1",
    "VerbalConflict": "#f28e2b",
    "MaterialConflict": "#d62728",
    None: "#8c8c8c",
}
_EDGE_NAMES = {
    "VerbalCooperation": "Verbal cooperation",
    "MaterialCooperation": "Material cooperation",
    "VerbalConflict": "Verbal conflict",
    "MaterialConflict": "Material conflict",
    None: "Unclassified",
}
#: Negated edges (only in graphs built with negated claims) are dotted grey.
NEGATED_COLOUR = "#9e9e9e"
_MODALITIES = ("asserted", "hedged", "negated")
_DASHES: dict[str, bool | list[int]] = {"asserted": False, "hedged": [8, 6], "negated": [2, 5]}
_SVG_DASHES = {"asserted": "", "hedged": "6 4", "negated": "2 4"}
_MAX_CANVAS_LABEL = 40

_VIS_DIR = "templates/lib/vis-9.1.2"
_ASSETS = Path(__file__).resolve().parent / "_assets"


@cache
def _vis_assets() -> tuple[str, str]:
    """vis-network's JavaScript and CSS: vendored under kg/_assets if present, else pyvis's."""
    js_path = _ASSETS / "vis-network.min.js"
    css_path = _ASSETS / "vis-network.min.css"
    if js_path.exists() and css_path.exists():
        js, css = js_path.read_text("utf-8"), css_path.read_text("utf-8")
    else:
        lib = resources.files("pyvis").joinpath(_VIS_DIR)
        js = lib.joinpath("vis-network.min.js").read_text("utf-8")
        css = lib.joinpath("vis-network.css").read_text("utf-8")
    # A source map comment makes an open devtools fetch a file that is not there.
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css)
    if re.search(r"</script|<!--", js, re.IGNORECASE) or re.search(r"</style", css, re.I):
        raise RuntimeError("vis-network assets cannot be inlined: they close their own tag")
    return js, css


def _script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` block: no ``<``, ``>``, ``&`` characters.

    They can only occur inside JSON strings, where the ``\\uXXXX`` forms mean the same.
    """
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _short(text: str, limit: int = _MAX_CANVAS_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node_label(graph: nx.MultiDiGraph, node: Any) -> str:
    return str(graph.nodes[node].get("label") or node)


def _edge_name(data: dict[str, Any], key: Any) -> str:
    return str(data.get("relation") or key)


def _layout(graph: nx.MultiDiGraph, order: list[Any]) -> dict[Any, tuple[float, float]]:
    """Fixed-seed positions in canvas pixels for pages drawn without physics."""
    if not order:
        return {}
    simple = nx.Graph()
    simple.add_nodes_from(order)
    for u, v, data in graph.edges(data=True):
        if u != v:
            weight = float(data.get("count", 1))
            if simple.has_edge(u, v):
                simple.edges[u, v]["weight"] += weight
            else:
                simple.add_edge(u, v, weight=weight)
    scale = max(300.0, 45.0 * math.sqrt(len(order)))
    pos = _spring_positions(simple, order, scale)
    return {n: (round(float(pos[n][0]), 1), round(float(pos[n][1]), 1)) for n in order}


def _spring_positions(simple: nx.Graph, order: list[Any], scale: float) -> dict[Any, Any]:
    """networkx's spring layout; without SciPy, its dense solver as far as it is quick."""
    try:
        import scipy  # noqa: F401  (networkx's sparse solver for ≥ 500 nodes needs it)
    except ImportError:
        has_scipy = False
    else:
        has_scipy = True
    if has_scipy and len(order) > SPRING_LAYOUT_MAX_NODES:
        return _grid_force_layout(simple, order, scale)
    if has_scipy or len(order) < 500:
        return nx.spring_layout(simple, seed=LAYOUT_SEED, scale=scale)
    if len(order) <= DENSE_LAYOUT_MAX_NODES:
        try:
            import numpy as np
            from networkx.drawing.layout import _fruchterman_reingold  # pinned networkx

            matrix = nx.to_numpy_array(simple, nodelist=order, weight="weight")
            raw = _fruchterman_reingold(matrix, seed=np.random.RandomState(LAYOUT_SEED))
            rescaled = nx.rescale_layout(raw, scale=scale)
            return dict(zip(order, rescaled, strict=True))
        except (ImportError, TypeError) as exc:
            logger.debug("dense spring layout unavailable: %s", exc)
    logger.warning(
        "%d nodes and no SciPy: nodes are placed on a circle (pip install scipy for a "
        "spring layout)",
        len(order),
    )
    return nx.circular_layout(simple, scale=scale)


def _grid_force_layout(
    simple: nx.Graph, order: list[Any], scale: float, iterations: int = FAST_LAYOUT_ITERATIONS
) -> dict[Any, Any]:
    """Fruchterman–Reingold in O(n log n) a step, for graphs networkx lays out too slowly.

    Repulsion is exact between nodes closer than three ideal edge lengths (a k-d tree finds
    them) and comes from the centroids of a coarse grid beyond that; attraction acts along
    edges (log-weighted by claim count); a weak pull to the centre keeps small components
    near the rest. Fixed seed, so the same graph gets the same layout.
    """
    import numpy as np
    from scipy.spatial import cKDTree

    count = len(order)
    index = {node: i for i, node in enumerate(order)}
    rng = np.random.default_rng(LAYOUT_SEED)
    pos = rng.random((count, 2))
    edge_rows = [(index[u], index[v], d.get("weight", 1.0)) for u, v, d in simple.edges(data=True)]
    src = np.array([e[0] for e in edge_rows], dtype=np.intp)
    dst = np.array([e[1] for e in edge_rows], dtype=np.intp)
    weight = 1.0 + np.log(np.maximum(np.array([e[2] for e in edge_rows], dtype=float), 1.0))
    k = 1.0 / math.sqrt(count)
    grid = 12
    temperature = 0.1
    cooling = temperature / (iterations + 1)

    def scatter(disp: Any, rows: Any, force: Any, sign: float) -> None:
        for dim in range(2):
            disp[:, dim] += sign * np.bincount(rows, force[:, dim], count)

    for _ in range(iterations):
        disp = np.zeros((count, 2))
        pairs = cKDTree(pos).query_pairs(3 * k, output_type="ndarray")
        if len(pairs):
            delta = pos[pairs[:, 0]] - pos[pairs[:, 1]]
            force = delta * (k * k / np.maximum((delta**2).sum(1), 1e-12))[:, None]
            scatter(disp, pairs[:, 0], force, 1.0)
            scatter(disp, pairs[:, 1], force, -1.0)
        low, high = pos.min(0), pos.max(0)
        size = np.maximum(high - low, 1e-9) / grid
        cell = np.minimum(((pos - low) / size).astype(int), grid - 1)
        flat = cell[:, 0] * grid + cell[:, 1]
        mass = np.bincount(flat, minlength=grid * grid)
        filled = mass > 0
        centre_x = np.bincount(flat, pos[:, 0], grid * grid)[filled] / mass[filled]
        centre_y = np.bincount(flat, pos[:, 1], grid * grid)[filled] / mass[filled]
        dx = pos[:, 0:1] - centre_x[None, :]
        dy = pos[:, 1:2] - centre_y[None, :]
        far = mass[filled][None, :] * (k * k) / (dx * dx + dy * dy + (size**2).sum())
        disp[:, 0] += (dx * far).sum(1)
        disp[:, 1] += (dy * far).sum(1)
        if len(src):
            delta = pos[src] - pos[dst]
            pull = delta * (weight * np.sqrt((delta**2).sum(1)) / k)[:, None]
            scatter(disp, dst, pull, 1.0)
            scatter(disp, src, pull, -1.0)
        disp -= (pos - pos.mean(0)) * (0.02 * count * k)
        length = np.maximum(np.sqrt((disp**2).sum(1)), 1e-12)
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        temperature -= cooling
    return dict(zip(order, nx.rescale_layout(pos, scale=scale), strict=True))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _edge_tip(
    graph: nx.MultiDiGraph, u: Any, v: Any, key: Any, data: dict[str, Any]
) -> dict[str, Any]:
    arrow = "↔" if data.get("symmetric") else "→"
    count = int(data.get("count", 1))
    rows = [
        f"{_plural(count, 'claim')} · strongest: {data.get('modality', 'asserted')}",
        f"{_EDGE_NAMES.get(data.get('quad_class'), 'Unclassified')}"
        + (f" · kg:{data['name']}" if data.get("name") else ""),
    ]
    claims = list(data.get("claims") or [])
    rank = {"asserted": 0, "hedged": 1, "negated": 2}
    shown = sorted(
        claims, key=lambda c: (rank.get(c.get("modality"), 3), -(c.get("confidence") or 0))
    )
    items = []
    for claim in shown[:TOOLTIP_EVIDENCE]:
        meta = [str(claim.get("modality") or "")]
        if claim.get("attributed_to"):
            meta.append(f"according to {claim['attributed_to']}")
        if claim.get("date"):
            meta.append(str(claim["date"]))
        if claim.get("document"):
            meta.append(_short(str(claim["document"]), 24))
        items.append({"text": str(claim.get("evidence") or ""), "meta": " · ".join(meta)})
    more = len(claims) - len(items)
    return {
        "head": f"{_node_label(graph, u)} {arrow} {_node_label(graph, v)}: {_edge_name(data, key)}",
        "rows": rows,
        "items": items,
        "more": f"+ {more} more" if more > 0 else "",
    }


def _node_tip(graph: nx.MultiDiGraph, node: Any) -> dict[str, Any]:
    attrs = graph.nodes[node]
    kind = str(attrs.get("type") or "Actor")
    rows = [f"Type: {_NODE_NAMES.get(kind, kind)}"]
    if attrs.get("qid"):
        rows.append(f"Wikidata: {attrs['qid']}")
    relations: Counter[str] = Counter()
    for _u, v, key, data in graph.out_edges(node, keys=True, data=True):
        arrow = "↔" if data.get("symmetric") else "→"
        relations[f"{_edge_name(data, key)} {arrow} {_node_label(graph, v)}"] += data.get(
            "count", 1
        )
    for u, _v, key, data in graph.in_edges(node, keys=True, data=True):
        if u == node:
            continue
        arrow = "↔" if data.get("symmetric") else "←"
        relations[f"{_edge_name(data, key)} {arrow} {_node_label(graph, u)}"] += data.get(
            "count", 1
        )
    top = sorted(relations.items(), key=lambda kv: (-kv[1], kv[0]))
    items = [{"text": f"{text} ({count})", "meta": ""} for text, count in top[:TOOLTIP_RELATIONS]]
    more = len(top) - len(items)
    return {
        "head": _node_label(graph, node),
        "rows": rows,
        "items": items,
        "more": f"+ {more} more relations" if more > 0 else "",
    }


def _payload(graph: nx.MultiDiGraph, physics: bool) -> dict[str, Any]:
    order = sorted(graph.nodes, key=str)
    ids = {node: str(node) for node in order}
    positions = {} if physics else _layout(graph, order)
    sizes = _node_sizes(graph, order)
    ego = graph.graph.get("ego")
    kinds: Counter[str] = Counter()
    nodes = []
    for node in order:
        attrs = graph.nodes[node]
        kind = str(attrs.get("type") or "Actor")
        kinds[kind] += 1
        colour, shape = NODE_STYLES.get(kind, NODE_STYLES["Actor"])
        qid = attrs.get("qid")
        item: dict[str, Any] = {
            "id": ids[node],
            "label": _short(_node_label(graph, node)),
            "name": _node_label(graph, node),
            "kind": kind,
            "qid": str(qid) if qid else None,
            "shape": shape,
            "color": {
                "background": colour,
                "border": "#333333",
                "highlight": {"background": colour, "border": "#000000"},
                "hover": {"background": colour, "border": "#000000"},
            },
            "size": sizes[node],
            "tip": _node_tip(graph, node),
        }
        if ego is not None and node == ego:
            item["borderWidth"] = 4
        if node in positions:
            item["x"], item["y"] = positions[node]
        nodes.append(item)

    edge_list = sorted(
        graph.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2]))
    )
    parallel: defaultdict[frozenset[str], int] = defaultdict(int)
    for u, v, _key, _data in edge_list:
        parallel[frozenset((ids[u], ids[v]))] += 1
    seen: defaultdict[frozenset[str], int] = defaultdict(int)
    edges = []
    relations: Counter[str] = Counter()
    modalities: Counter[str] = Counter()
    for index, (u, v, key, data) in enumerate(edge_list):
        modality = str(data.get("modality") or "asserted")
        colour = EDGE_COLOURS.get(data.get("quad_class"), EDGE_COLOURS[None])
        if modality == "negated":
            colour = NEGATED_COLOUR
        count = int(data.get("count", 1))
        pair = frozenset((ids[u], ids[v]))
        relations[_edge_name(data, key)] += 1
        modalities[modality] += 1
        item = {
            "id": f"e{index}",
            "from": ids[u],
            "to": ids[v],
            "relation": _edge_name(data, key),
            "modality": modality,
            "color": {"color": colour, "highlight": colour, "hover": colour, "opacity": 0.9},
            "dashes": _DASHES.get(modality, False),
            "arrows": {"to": {"enabled": not data.get("symmetric", False), "scaleFactor": 0.6}},
            "width": round(min(10.0, 1.0 + 1.5 * math.log2(count)), 2),
            "tip": _edge_tip(graph, u, v, key, data),
        }
        if parallel[pair] > 1 and u != v:
            # Several relations between one pair: bend them apart so each can be hovered.
            item["smooth"] = {
                "enabled": True,
                "type": "curvedCW",
                "roundness": 0.15 + 0.2 * seen[pair],
            }
            seen[pair] += 1
        edges.append(item)

    options = {
        "autoResize": True,
        "edges": {"smooth": False, "selectionWidth": 2},
        "nodes": {"font": {"size": 14, "face": "sans-serif"}, "borderWidth": 1},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": len(order) > 1000},
        "layout": {"randomSeed": LAYOUT_SEED, "improvedLayout": physics and len(order) <= 100},
        "physics": {
            "enabled": physics,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 120},
            "stabilization": {
                "enabled": physics,
                "iterations": STABILIZATION_ITERATIONS,
                "updateInterval": 50,
                "fit": True,
            },
        },
    }
    # Negated edges exist only when the graph was built with them: offer that filter then.
    built_with = {str(m) for m in graph.graph.get("modalities") or ()}
    shown_modalities = [
        m
        for m in _MODALITIES
        if m in modalities or m in built_with or (m != "negated" and not built_with)
    ]
    shown_modalities += sorted(set(modalities) - set(_MODALITIES))
    return {
        "nodes": nodes,
        "edges": edges,
        "options": options,
        "physics": physics,
        "ego": ids.get(ego) if ego is not None else None,
        "filters": {
            "relation": [[name, name, n] for name, n in sorted(relations.items())],
            "modality": [[m, m, modalities[m]] for m in shown_modalities],
            "kind": [
                [kind, _NODE_NAMES.get(kind, kind), kinds[kind]]
                for kind in [
                    *(k for k in NODE_STYLES if k in kinds),
                    *sorted(kinds.keys() - NODE_STYLES.keys()),
                ]
            ],
        },
    }


def _node_sizes(graph: nx.MultiDiGraph, order: list[Any]) -> dict[Any, float]:
    """Size by the nodes' ``centrality`` or ``pagerank`` attribute, else weighted degree.

    An attribute scales the most central actor to the top of :data:`NODE_SIZE_RANGE` (by
    square root, so the area follows the score); degree counts claims, on a log scale.
    """
    low, high = NODE_SIZE_RANGE
    for attribute in ("centrality", "pagerank"):
        scores: dict[Any, float] = {}
        for node in order:
            value = graph.nodes[node].get(attribute)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            if numeric and math.isfinite(value) and value >= 0:
                scores[node] = float(value)
        top = max(scores.values(), default=0.0)
        if top > 0:
            return {
                n: round(low + (high - low) * math.sqrt(scores.get(n, 0.0) / top), 1) for n in order
            }
    weight: Counter[Any] = Counter()
    for u, v, data in graph.edges(data=True):
        weight[u] += data.get("count", 1)
        weight[v] += data.get("count", 1)
    return {n: round(min(high, low + 4.0 * math.log2(1 + weight[n])), 1) for n in order}


def ego_graph(graph: nx.MultiDiGraph, actor: str, depth: int = 1) -> nx.MultiDiGraph:
    """The actors within ``depth`` hops of ``actor`` (either direction) and their edges.

    ``actor`` is a node key, a QID, a label or an alias (``aliases`` node attribute),
    case-insensitively, tried in that order. The result is a copy whose ``graph["ego"]``
    names the centre, which the page draws with a thick border.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("Q159", label="Russia", qid="Q159")
    >>> g.add_edge("Q423", "Q159", key="TRADE"); g.add_edge("Q30", "Q423", key="TRADE")
    'TRADE'
    'TRADE'
    >>> sorted(ego_graph(g, "russia", 1)), sorted(ego_graph(g, "Q159", 2))
    (['Q159', 'Q423'], ['Q159', 'Q30', 'Q423'])
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise KgError(f"--depth must be a whole number ≥ 0, not {depth!r}")
    centre = _find_actor(graph, actor)
    lengths = nx.single_source_shortest_path_length(
        graph.to_undirected(as_view=True), centre, cutoff=depth
    )
    ego = graph.subgraph(lengths).copy()
    ego.graph["ego"] = centre
    return ego


def _find_actor(graph: nx.MultiDiGraph, actor: str) -> Any:
    if actor in graph:
        return actor
    wanted = str(actor).strip().casefold()

    def aliases(node: Any) -> list[str]:
        value = graph.nodes[node].get("aliases") or ()
        return [value] if isinstance(value, str) else [str(a) for a in value]

    tiers = [
        lambda n: [str(n)],
        lambda n: [str(graph.nodes[n].get("qid") or "")],
        lambda n: [str(graph.nodes[n].get("label") or "")],
        aliases,
    ]
    for names in tiers:
        found = sorted(
            (n for n in graph if any(x.strip().casefold() == wanted for x in names(n))), key=str
        )
        if len(found) == 1:
            return found[0]
        if found:
            listed = ", ".join(f"{_node_label(graph, n)} ({n})" for n in found[:5])
            raise KgError(f"actor {actor!r} is ambiguous: {listed}; give the key or QID instead")
    example = min(graph.nodes, key=str, default=None)
    hint = f" (for example {_node_label(graph, example)!r} or {str(example)!r})" if example else ""
    raise KgError(
        f"no actor {actor!r} in the graph: give its label, an alias, its QID or its key{hint}"
    )


_APP_JS = """
(function () {
  "use strict";
  var payload = JSON.parse(document.getElementById("kg-data").textContent);

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }

  // Tooltips are DOM elements filled with textContent: article text is never parsed as HTML.
  function tooltip(tip) {
    var box = el("div", "kg-tip");
    box.appendChild(el("div", "kg-tip-head", tip.head));
    (tip.rows || []).forEach(function (row) { box.appendChild(el("div", "kg-tip-row", row)); });
    if (tip.items && tip.items.length) {
      var list = el("ul", "kg-tip-list");
      tip.items.forEach(function (item) {
        var li = el("li");
        li.appendChild(el("div", "kg-tip-text", item.text));
        if (item.meta) { li.appendChild(el("div", "kg-tip-meta", item.meta)); }
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    if (tip.more) { box.appendChild(el("div", "kg-tip-meta", tip.more)); }
    return box;
  }

  function withTooltips(items) {
    return items.map(function (item) {
      var copy = Object.assign({}, item);
      copy.title = tooltip(copy.tip);
      delete copy.tip;
      return copy;
    });
  }

  var nodes = new vis.DataSet(withTooltips(payload.nodes));
  var edges = new vis.DataSet(withTooltips(payload.edges));
  var container = document.getElementById("kg-graph");
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, payload.options);
  window.kgNetwork = network;

  // -- filter menu and search: every label is set with textContent --------------------
  var byId = {};
  var edgeById = {};
  var degree = {};
  payload.nodes.forEach(function (n) { byId[n.id] = n; degree[n.id] = 0; });
  payload.edges.forEach(function (e) {
    edgeById[e.id] = e;
    degree[e.from] += 1;
    degree[e.to] += 1;
  });
  var off = {relation: new Set(), modality: new Set(), kind: new Set()};
  var hiddenNodes = new Set();
  var hiddenEdges = new Set();
  var matches = [];
  var current = -1;
  var query = "";
  var searchBox = document.getElementById("kg-search");
  var note = document.getElementById("kg-search-note");
  var shown = document.getElementById("kg-shown");

  function apply() {
    var live = {};
    var edgeChanges = [];
    var edgeCount = 0;
    payload.edges.forEach(function (e) {
      var hide = off.relation.has(e.relation) || off.modality.has(e.modality)
        || off.kind.has(byId[e.from].kind) || off.kind.has(byId[e.to].kind);
      if (!hide) {
        live[e.from] = true;
        live[e.to] = true;
        edgeCount += 1;
      }
      if (hide !== hiddenEdges.has(e.id)) {
        if (hide) { hiddenEdges.add(e.id); } else { hiddenEdges.delete(e.id); }
        edgeChanges.push({id: e.id, hidden: hide});
      }
    });
    var matched = new Set(matches);
    var nodeChanges = [];
    var nodeCount = 0;
    payload.nodes.forEach(function (n) {
      // A node goes when its type is off, or when all its edges went (unless searched for).
      var hide = off.kind.has(n.kind) || (degree[n.id] > 0 && !live[n.id] && !matched.has(n.id));
      if (!hide) { nodeCount += 1; }
      if (hide !== hiddenNodes.has(n.id)) {
        if (hide) { hiddenNodes.add(n.id); } else { hiddenNodes.delete(n.id); }
        nodeChanges.push({id: n.id, hidden: hide});
      }
    });
    if (nodeChanges.length) { nodes.update(nodeChanges); }
    if (edgeChanges.length) { edges.update(edgeChanges); }
    shown.textContent = "Showing " + nodeCount + " of " + payload.nodes.length + " actors, "
      + edgeCount + " of " + payload.edges.length + " relations";
  }

  function findMatches() {
    matches = [];
    if (query) {
      payload.nodes.forEach(function (n) {
        if (!off.kind.has(n.kind) && n.name.toLowerCase().indexOf(query) !== -1) {
          matches.push(n.id);
        }
      });
    }
    current = matches.length ? 0 : -1;
  }

  function showMatch() {
    if (!query) {
      note.textContent = "";
      network.unselectAll();
      return;
    }
    if (!matches.length) {
      note.textContent = "no actor matches";
      network.unselectAll();
      return;
    }
    var id = matches[current];
    network.selectNodes(matches, false);
    network.focus(id, {
      scale: Math.max(network.getScale(), 1.0),
      animation: {duration: 300, easingFunction: "easeInOutQuad"}
    });
    window.kgFocused = id;
    note.textContent = (current + 1) + " of " + matches.length + ": " + byId[id].name;
  }

  function search() {
    query = searchBox.value.trim().toLowerCase();
    findMatches();
    apply();
    showMatch();
  }

  searchBox.addEventListener("input", search);
  searchBox.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    if (matches.length) {
      var step = event.shiftKey ? matches.length - 1 : 1;
      current = (current + step) % matches.length;
      showMatch();
    }
  });

  var boxes = [];
  function filterGroup(group) {
    var items = payload.filters[group];
    var fieldset = document.getElementById("kg-filter-" + group);
    if (!items.length) { fieldset.hidden = true; return; }
    items.forEach(function (item) {
      var label = el("label", "kg-check");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.value = item[0];
      box.setAttribute("data-kg-filter", group);
      box.addEventListener("change", function () {
        if (box.checked) { off[group].delete(item[0]); } else { off[group].add(item[0]); }
        findMatches();
        apply();
        if (query) { showMatch(); }
      });
      boxes.push(box);
      label.appendChild(box);
      label.appendChild(el("span", null, item[1]));
      label.appendChild(el("span", "kg-count", String(item[2])));
      fieldset.appendChild(label);
    });
  }
  ["relation", "modality", "kind"].forEach(filterGroup);
  document.getElementById("kg-filter-reset").addEventListener("click", function () {
    boxes.forEach(function (box) { box.checked = true; });
    off.relation.clear();
    off.modality.clear();
    off.kind.clear();
    findMatches();
    apply();
    if (query) { showMatch(); }
  });
  apply();

  // -- details of a clicked node or edge, with a Wikidata link for linked actors --------
  var details = document.getElementById("kg-details");
  network.on("click", function (params) {
    details.textContent = "";
    var item = null;
    if (params.nodes.length) {
      item = byId[params.nodes[0]];
    } else if (params.edges.length) {
      item = edgeById[params.edges[0]];
    }
    if (!item) { details.hidden = true; return; }
    details.appendChild(tooltip(item.tip));
    if (item.qid && /^Q[1-9][0-9]*$/.test(item.qid)) {
      var link = el("a", null, "Open " + item.qid + " on Wikidata");
      link.href = "https://www.wikidata.org/wiki/" + item.qid;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      details.appendChild(link);
    }
    details.hidden = false;
  });

  function ready() {
    window.kgReady = true;
    window.kgReadyMs = Math.round(performance.now());
    document.body.setAttribute("data-kg-ready", "true");
  }
  if (payload.ego) { network.selectNodes([payload.ego], false); }
  if (payload.physics && payload.nodes.length > 0) {
    // Settle once, then freeze: a page that keeps moving cannot be read.
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({physics: {enabled: false}});
      ready();
    });
  } else if (payload.nodes.length > 0) {
    network.once("afterDrawing", ready);
  } else {
    ready();
  }
})();
"""

_PAGE_CSS = """
html, body { margin: 0; padding: 0; height: 100%; font-family: sans-serif; color: #222; }
body { display: flex; flex-direction: column; }
header { padding: 6px 12px; border-bottom: 1px solid #ddd; }
header h1 { font-size: 18px; margin: 0 0 4px 0; }
.kg-stats { font-size: 13px; color: #555; }
.kg-main { flex: 1; display: flex; min-height: 0; }
#kg-graph { flex: 1; min-height: 480px; background: #ffffff; }
.kg-legend { width: 250px; padding: 8px 12px; border-left: 1px solid #ddd; font-size: 13px;
  overflow-y: auto; }
.kg-legend h2 { font-size: 14px; margin: 8px 0 4px 0; }
.kg-legend ul { list-style: none; margin: 0; padding: 0; }
.kg-legend li { display: flex; align-items: center; gap: 6px; margin: 3px 0; }
div.vis-tooltip { white-space: normal; max-width: 420px; font-family: sans-serif;
  font-size: 13px; }
.kg-tip-head { font-weight: bold; margin-bottom: 2px; }
.kg-tip-row, .kg-tip-meta { color: #555; font-size: 12px; }
.kg-tip-list { margin: 4px 0 0 0; padding-left: 16px; }
.kg-tip-list li { margin-bottom: 4px; }
.kg-controls input[type=search] { width: 100%; box-sizing: border-box; padding: 4px 6px;
  font-size: 13px; }
.kg-note { min-height: 16px; font-size: 12px; color: #a33; margin: 2px 0 4px 0;
  overflow-wrap: anywhere; }
.kg-shown { font-size: 12px; color: #555; margin-bottom: 4px; }
.kg-controls fieldset { border: 1px solid #ddd; margin: 4px 0; padding: 2px 6px 4px 6px; }
.kg-controls legend { font-size: 12px; font-weight: bold; }
.kg-check { display: flex; align-items: center; gap: 4px; font-size: 12px;
  overflow-wrap: anywhere; }
.kg-count { color: #888; margin-left: auto; }
.kg-controls button { font-size: 12px; margin-top: 2px; }
.kg-details { border: 1px solid #ddd; background: #fafafa; padding: 4px 6px; margin: 6px 0;
  font-size: 13px; overflow-wrap: anywhere; }
"""


#: The search box and filter menu: fixed markup; the checkboxes are added by the page's
#: script from the payload, their labels set with textContent.
_CONTROLS_HTML = """<section class="kg-controls" id="kg-controls">
<h2>Search</h2>
<input type="search" id="kg-search" placeholder="Actor name…" aria-label="Search actors"
 autocomplete="off" spellcheck="false">
<div class="kg-note" id="kg-search-note" aria-live="polite"></div>
<div class="kg-details" id="kg-details" hidden></div>
<h2>Filter</h2>
<div class="kg-shown" id="kg-shown"></div>
<fieldset id="kg-filter-relation"><legend>Relation</legend></fieldset>
<fieldset id="kg-filter-modality"><legend>Modality</legend></fieldset>
<fieldset id="kg-filter-kind"><legend>Actor type</legend></fieldset>
<button type="button" id="kg-filter-reset">Show all</button>
</section>"""


def _legend_html() -> str:
    """The legend: fixed text and our own colours only, no article strings."""
    parts = ['<aside class="kg-legend" id="kg-legend">', _CONTROLS_HTML, "<h2>Actors</h2>", "<ul>"]
    for kind, (colour, shape) in NODE_STYLES.items():
        swatch = _shape_svg(shape, colour)
        parts.append(f"<li>{swatch}<span>{html.escape(_NODE_NAMES[kind])}</span></li>")
    parts += ["</ul>", "<h2>Relations</h2>", "<ul>"]
    for quad, colour in EDGE_COLOURS.items():
        parts.append(
            f"<li>{_line_svg(colour, '')}<span>{html.escape(_EDGE_NAMES[quad])}</span></li>"
        )
    parts += ["</ul>", "<h2>Modality</h2>", "<ul>"]
    for modality, dash in _SVG_DASHES.items():
        colour = NEGATED_COLOUR if modality == "negated" else "#444444"
        parts.append(f"<li>{_line_svg(colour, dash)}<span>{modality}</span></li>")
    parts += [
        "</ul>",
        "<h2>Direction</h2>",
        "<ul>",
        f"<li>{_line_svg('#444444', '', arrow=True)}<span>directed</span></li>",
        f"<li>{_line_svg('#444444', '')}<span>symmetric</span></li>",
        "</ul>",
        "<p>Node size grows with centrality, line width with the number of claims. Hover "
        "a node or a line to see the evidence, click it to keep the details; scroll to "
        "zoom, drag to move.</p>",
        "</aside>",
    ]
    return "\n".join(parts)


def _shape_svg(shape: str, colour: str) -> str:
    body = {
        "dot": '<circle cx="8" cy="8" r="6"/>',
        "diamond": '<polygon points="8,1 15,8 8,15 1,8"/>',
        "triangle": '<polygon points="8,1 15,14 1,14"/>',
        "star": '<polygon points="8,1 10,6 15,6 11,9 13,15 8,11 3,15 5,9 1,6 6,6"/>',
        "square": '<rect x="2" y="2" width="12" height="12"/>',
    }[shape]
    return (
        f'<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">'
        f'<g fill="{colour}" stroke="#333333" stroke-width="1">{body}</g></svg>'
    )


def _line_svg(colour: str, dash: str, *, arrow: bool = False) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    head = f'<polygon points="28,2 34,6 28,10" fill="{colour}"/>' if arrow else ""
    return (
        f'<svg width="36" height="12" viewBox="0 0 36 12" aria-hidden="true">'
        f'<line x1="1" y1="6" x2="{29 if arrow else 35}" y2="6" stroke="{colour}" '
        f'stroke-width="3"{dash_attr}/>{head}</svg>'
    )


def graph_html(
    graph: nx.MultiDiGraph, *, title: str = "kg graph", physics: bool | None = None
) -> str:
    """The graph page as one self-contained HTML string (see :func:`write_graph_html`).

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("Q159", label="Russia", type="State", qid="Q159")
    >>> page = graph_html(g, title="<demo>")
    >>> "<title>&lt;demo&gt;</title>" in page
    True
    """
    if physics is None:
        physics = graph.number_of_nodes() <= PHYSICS_MAX_NODES
    payload = _payload(graph, physics)
    vis_js, vis_css = _vis_assets()
    data_json = _script_json(payload)
    csp = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_csp_hash(vis_js)} {_csp_hash(_APP_JS)}",
            "style-src 'unsafe-inline'",
            "img-src data:",
            "font-src data:",
            "connect-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    stats = (
        f"{_plural(graph.number_of_nodes(), 'actor')} · "
        f"{_plural(graph.number_of_edges(), 'relation')} · "
        f"{_plural(sum(int(d.get('count', 1)) for _, _, d in graph.edges(data=True)), 'claim')}"
    )
    safe_title = html.escape(title)
    logger.debug("graph page: %s, physics %s", stats, "on" if physics else "off")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="kg">',
            f"<title>{safe_title}</title>",
            f"<style>{vis_css}</style>",
            f"<style>{_PAGE_CSS}</style>",
            "</head>",
            "<body>",
            f'<header><h1>{safe_title}</h1><div class="kg-stats">{stats}</div></header>',
            '<div class="kg-main">',
            '<div id="kg-graph"></div>',
            _legend_html(),
            "</div>",
            f'<script type="application/json" id="kg-data">{data_json}</script>',
            f"<script>{vis_js}</script>",
            f"<script>{_APP_JS}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def write_graph_html(
    graph: nx.MultiDiGraph,
    path: str | Path,
    *,
    title: str = "kg graph",
    physics: bool | None = None,
) -> Path:
    """Write the interactive graph page for ``graph`` to ``path`` and return the path.

    The page needs no network: vis-network is embedded. Nodes are coloured and shaped by
    actor type; edges are coloured by quad class, dashed when hedged, dotted when negated,
    arrowed when directed, and as wide as their claim count; tooltips show up to
    five evidence sentences with modality, attribution and date. ``physics`` defaults to
    on up to :data:`PHYSICS_MAX_NODES` nodes (the layout settles, then freezes); above
    that, or when ``False``, positions come from a fixed-seed spring layout. The same
    graph always gives the same bytes.

    >>> import networkx as nx, tempfile, pathlib
    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("Q423", "Q159", key="MILITARY_AID", relation="MILITARY_AID", count=2)
    'MILITARY_AID'
    >>> out = write_graph_html(g, pathlib.Path(tempfile.mkdtemp()) / "g.html")
    >>> out.name
    'g.html'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    page = graph_html(graph, title=title, physics=physics)
    target.write_text(page, encoding="utf-8")
    logger.info("wrote graph page %s (%d nodes)", target, graph.number_of_nodes())
    return target
