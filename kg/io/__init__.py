"""Claims to and from the formats graph tools and event datasets use.

Exports (``kg export --format NAME``) take claims (``Store.claims()``) and a destination:

==========  ============================================  ==========================
name        writer                                        destination
==========  ============================================  ==========================
graphml     :func:`kg.io.graphs.write_graphml`            file path or stream
gexf        :func:`kg.io.graphs.write_gexf`               file path or stream
cytoscape   :func:`kg.io.graphs.write_cytoscape`          file path or stream
neo4j       :func:`kg.io.graphs.write_neo4j`              folder
csv         :func:`kg.io.graphs.write_csv`                folder
==========  ============================================  ==========================

Imports (``kg import --format NAME FILE``) yield ``(Document, claims)`` pairs, ready for
``Store.replace_document(doc, claims)``, and :class:`~kg.model.InputProblem` for
unreadable rows:

- ``csv``: :func:`kg.io.csv_claims.read_claims_csv`;
- ``gdelt``: :func:`kg.io.gdelt.read_gdelt_events` (GDELT 2.0 Event exports).

The formats are described in ``kg/io/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kg.io.csv_claims import read_claims_csv, write_claims_csv
from kg.io.gdelt import GdeltStats, read_gdelt_events
from kg.io.graphs import write_csv, write_cytoscape, write_gexf, write_graphml, write_neo4j
from kg.model import Claim, Document, InputProblem

__all__ = [
    "EXPORTERS",
    "IMPORTERS",
    "Exporter",
    "GdeltStats",
    "read_claims_csv",
    "read_gdelt_events",
    "write_claims_csv",
    "write_csv",
    "write_cytoscape",
    "write_gexf",
    "write_graphml",
    "write_neo4j",
]

ImportItem = tuple[Document, list[Claim]] | InputProblem


@dataclass(frozen=True, slots=True)
class Exporter:
    """One export format: its writer, whether it writes a folder, its usual file suffix,
    and whether it takes ``modalities=`` (graph projections) and ``documents=``."""

    write: Callable[..., Any]
    folder: bool
    suffix: str
    projection: bool
    takes_documents: bool = False


EXPORTERS: dict[str, Exporter] = {
    "graphml": Exporter(write_graphml, folder=False, suffix=".graphml", projection=True),
    "gexf": Exporter(write_gexf, folder=False, suffix=".gexf", projection=True),
    "cytoscape": Exporter(write_cytoscape, folder=False, suffix=".cyjs", projection=True),
    "neo4j": Exporter(write_neo4j, folder=True, suffix="", projection=False),
    "csv": Exporter(write_csv, folder=True, suffix="", projection=True, takes_documents=True),
}

IMPORTERS: dict[str, Callable[..., Iterator[ImportItem]]] = {
    "csv": read_claims_csv,
    "gdelt": read_gdelt_events,
}
