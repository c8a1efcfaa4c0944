"""Check a store (or an RDF file) against the SHACL shapes of ``ontology/shapes.ttl``.

>>> from kg.store import open_store
>>> validate_store(open_store("memory:")).conforms
True
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, Graph, Namespace

from kg.errors import BadInputError
from kg.ontology import ONTOLOGY_PATH, ontology_graph
from kg.store import Store

__all__ = ["SHAPES_PATH", "Validation", "Violation", "validate_file", "validate_store"]

SHAPES_PATH = ONTOLOGY_PATH.with_name("shapes.ttl")
SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True, slots=True)
class Violation:
    """One failed constraint: the node, the property path and SHACL's message."""

    focus: str
    path: str | None
    message: str
    severity: str

    def __str__(self) -> str:
        where = f"{self.focus} {self.path}" if self.path else self.focus
        return f"{self.severity}: {where}: {self.message}"


@dataclass
class Validation:
    """Whether the data conforms, and every violation found."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)


def _validate(data: Graph) -> Validation:
    import pyshacl  # loaded on demand: validation is an occasional, heavier task

    # The ontology supplies the class hierarchy the shapes target.
    data += ontology_graph()
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=str(SHAPES_PATH), inference="none", advanced=False
    )
    violations = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        path = report.value(result, SH.resultPath)
        violations.append(
            Violation(
                focus=str(report.value(result, SH.focusNode)),
                path=str(path) if path is not None else None,
                message=str(report.value(result, SH.resultMessage) or "constraint not met"),
                severity=str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
            )
        )
    violations.sort(key=lambda v: (v.focus, v.path or "", v.message))
    return Validation(bool(conforms), violations)


def validate_store(store: Store) -> Validation:
    """Validate everything a store holds (the union of its graphs)."""
    buffer = io.BytesIO()
    store.export(buffer, "nt")
    return _validate(Graph().parse(data=buffer.getvalue(), format="nt"))


def validate_file(path: str | os.PathLike[str], fmt: str | None = None) -> Validation:
    """Validate an RDF file (format from its suffix unless given)."""
    path = Path(path)
    try:
        graph = Graph().parse(path, format=fmt)
    except Exception as err:  # rdflib raises many parser-specific types
        raise BadInputError(str(path), f"not readable as RDF: {err}") from None
    return _validate(graph)
