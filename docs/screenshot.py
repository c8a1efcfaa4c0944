"""Draw the graph page for the bundled sample articles and save it as docs/graph.png.

Run from anywhere: ``.venv/bin/python docs/screenshot.py``. It ingests ``data/samples``
into an in-memory store, writes the page to a temporary folder, opens it from
``file://`` in Debian's headless Chromium (driven by Playwright; nothing downloaded) with
every non-file request blocked, waits for ``window.kgReady`` and takes a 1400×900
screenshot. It fails if the page tried the network or logged an error.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import kg  # noqa: E402
from kg.analyze import claims_graph  # noqa: E402
from kg.viz import write_graph_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
OUTPUT = ROOT / "docs" / "graph.png"
VIEWPORT = {"width": 1400, "height": 900}

logger = logging.getLogger("screenshot")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from playwright.sync_api import sync_playwright

    store = kg.open_store("memory:")
    kg.ingest([ROOT / "data" / "samples"], store)
    graph = claims_graph(store.claims())
    attempted: list[str] = []
    errors: list[str] = []

    def route(request_route: object) -> None:
        url = request_route.request.url  # type: ignore[attr-defined]
        if url.startswith("file:"):
            request_route.continue_()  # type: ignore[attr-defined]
        else:
            attempted.append(url)
            request_route.abort()  # type: ignore[attr-defined]

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        page_path = write_graph_html(graph, Path(folder) / "graph.html", title="kg sample articles")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.route("**/*", route)
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else 0)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(page_path.as_uri())
            page.wait_for_function("() => window.kgReady === true", timeout=60_000)
            page.evaluate("window.kgNetwork.fit()")
            page.wait_for_timeout(300)
            page.screenshot(path=str(OUTPUT), type="png")
        finally:
            browser.close()
    if attempted or errors:
        logger.error("page tried the network %s or logged errors %s", attempted, errors)
        return 1
    logger.info(
        "wrote %s (%d actors, %d relations)",
        OUTPUT.relative_to(ROOT),
        graph.number_of_nodes(),
        graph.number_of_edges(),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
