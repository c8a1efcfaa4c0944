"""Draw the README's dyad figure: North Korea–Russia in the bundled sample articles.

    python docs/dyad.py            # writes docs/dyad.png

Ingests ``data/samples`` into an in-memory store, runs the same analysis as
``kg analyze dyad "North Korea" Russia --plot docs/dyad.png`` and writes the PNG.
"""

from __future__ import annotations

from pathlib import Path

import kg
from kg.analyze import dyad, load_claims, plot_dyad

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    with kg.open_store("memory:") as store:
        kg.ingest([ROOT / "data" / "samples"], store)
        claims, documents = load_claims(store)
    result = dyad(claims, "North Korea", "Russia", documents)
    path = plot_dyad(result, ROOT / "docs" / "dyad.png")
    print(f"{len(result.claims)} claims → {path}")


if __name__ == "__main__":
    main()
