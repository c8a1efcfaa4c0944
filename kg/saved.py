"""Saved queries: named SPARQL files with typed parameters (``data/queries/*.rq``).

A saved query is a ``.rq`` file whose leading ``#`` lines form a header::

    # Who gives military aid to an actor.
    # @param actor actor the recipient: a label, an alias, a QID or a key
    # @param modality modality? only claims of this modality (default: any)
    # @param limit integer = 10 how many rows at most
    # Any other comment line is a note.
    PREFIX kg: <https://w3id.org/kg-geo/ontology#>
    SELECT DISTINCT ?supplier WHERE {
      #@values
      ?c rdf:predicate ?p ; rdf:subject ?supplier ; rdf:object ?actor ; kg:modality ?modality .
    }

The first line is the purpose. ``@param NAME TYPE DESCRIPTION`` declares a parameter that
the query uses as the ordinary variable ``?NAME``; ``TYPE?`` makes it optional (left
unbound when not given, so a pattern such as ``?c kg:modality ?modality`` then matches any
value), and ``= DEFAULT`` (a bare word or a ``"quoted string"``) gives it a default.
Types: ``actor``, ``relation``, ``date``, ``string``, ``integer``, ``modality``
(:data:`PARAM_TYPES`).

Values are never pasted into the query. Each is validated and turned into an RDF term (an
actor into its IRI, found in the store; a date into an ``xsd:date`` literal; …), and the
terms go into one ``VALUES`` block per parameter, written with the store's strict term
serialiser, at the line ``#@values`` (or, without one, at the start of the first
``WHERE {`` group).

>>> [q.name for q in saved_queries()][:3]
['allies-and-adversaries', 'arms-suppliers-of', 'claims-attributed-to']
>>> load_saved("arms-suppliers-of").params[0].type
'actor'
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import XSD, Literal, URIRef
from rdflib.term import Identifier

from kg.errors import QueryError
from kg.extract.gazetteer import DATA_DIR
from kg.model import Actor, ActorType, Modality
from kg.ontology import KG, relations
from kg.query import QueryResult, run_query
from kg.rdf import actor_iri
from kg.store import (
    _ACTOR_CLASSES,
    _IRI_FORBIDDEN,
    _PREFIXES,
    Store,
    _actor_iri_for,
    _sparql_term,
)

__all__ = [
    "PARAM_TYPES",
    "QUERIES_DIR",
    "Param",
    "SavedQuery",
    "SavedQueryError",
    "bind_params",
    "load_saved",
    "render",
    "resolve_actor",
    "run_saved",
    "saved_queries",
]

QUERIES_DIR: Path = DATA_DIR / "queries"

PARAM_TYPES: dict[str, str] = {
    "actor": "a label, alias, QID (Q159), key or IRI of an actor in the store",
    "relation": "a scoring label (MILITARY_AID) or a property name (sendsTroops)",
    "date": "a date as YYYY-MM-DD",
    "string": "any text",
    "integer": "a whole number",
    "modality": "asserted, hedged or negated",
}

VALUES_MARKER = "#@values"


class SavedQueryError(QueryError):
    """A saved query is unknown or malformed, or a parameter value is missing or bad."""


@dataclass(frozen=True)
class Param:
    """One declared parameter: ``?name`` in the query, of type ``type``.

    ``default`` is the text used when no value is given; a parameter without a default
    is required unless ``optional`` (then its variable stays unbound).

    >>> Param("limit", "integer", "how many", "10").required
    False
    """

    name: str
    type: str
    description: str
    default: str | None = None
    optional: bool = False

    @property
    def required(self) -> bool:
        """Whether a caller must give a value."""
        return self.default is None and not self.optional


@dataclass(frozen=True)
class SavedQuery:
    """A parsed ``.rq`` file: its name (the file stem), purpose, parameters and text.

    >>> query = load_saved("documents")
    >>> query.name, query.params
    ('documents', [])
    """

    name: str
    path: Path
    purpose: str
    params: list[Param]
    text: str
    notes: str = ""

    def param(self, name: str) -> Param:
        """The parameter called ``name``; :class:`SavedQueryError` if there is none."""
        for param in self.params:
            if param.name == name:
                return param
        raise SavedQueryError(
            f"query {self.name!r} has no parameter {name!r}; it takes {self._param_list()}"
        )

    def usage(self) -> str:
        """One line per parameter, as ``kg queries`` shows them.

        >>> print(load_saved("most-attacked").usage())
        --param limit=INTEGER  how many targets to list (ties at the cut are all kept) [default: 10]
        """
        lines = []
        for p in self.params:
            extra = (
                f" [default: {p.default}]"
                if p.default is not None
                else " [optional]"
                if p.optional
                else ""
            )
            lines.append(f"--param {p.name}={p.type.upper()}  {p.description}{extra}")
        return "\n".join(lines)

    def _param_list(self) -> str:
        return ", ".join(p.name for p in self.params) or "no parameters"


# --- reading .rq files ----------------------------------------------------------------

_PARAM_LINE = re.compile(
    r"""^@param\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)(?P<optional>\?)?
        (?:\s+=\s*(?P<default>"(?:[^"\\]|\\.)*"|\S+))?
        \s+(?P<description>\S.*)$""",
    re.VERBOSE,
)


def _parse(path: Path) -> SavedQuery:
    text = path.read_text("utf-8")
    name = path.stem
    header: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        header.append(stripped.lstrip("#").strip())
    if not header or not header[0] or header[0].startswith("@"):
        raise SavedQueryError(f"{path}: the first line must be a '# purpose' comment")
    params: list[Param] = []
    notes: list[str] = []
    for line in header[1:]:
        if not line.startswith("@"):
            notes.append(line)
            continue
        match = _PARAM_LINE.match(line)
        if match is None:
            raise SavedQueryError(
                f"{path}: cannot read {line!r}; write '# @param NAME TYPE[?] [= DEFAULT] "
                "DESCRIPTION'"
            )
        kind = match["type"]
        if kind not in PARAM_TYPES:
            raise SavedQueryError(
                f"{path}: parameter {match['name']!r} has unknown type {kind!r}; "
                f"use one of {', '.join(PARAM_TYPES)}"
            )
        default = match["default"]
        if default is not None and default.startswith('"'):
            default = json.loads(default)
        if any(p.name == match["name"] for p in params):
            raise SavedQueryError(f"{path}: parameter {match['name']!r} is declared twice")
        if not re.search(rf"[?$]{match['name']}\b", text):
            raise SavedQueryError(f"{path}: parameter {match['name']!r} is not used as a variable")
        params.append(
            Param(match["name"], kind, match["description"], default, bool(match["optional"]))
        )
    if params and VALUES_MARKER not in text and _WHERE.search(text) is None:
        raise SavedQueryError(f"{path}: no {VALUES_MARKER} line and no 'WHERE {{' for the values")
    return SavedQuery(name, path, header[0], params, text, "\n".join(notes))


def saved_queries(directory: str | Path | None = None) -> list[SavedQuery]:
    """Every saved query in ``directory`` (default :data:`QUERIES_DIR`), sorted by name.

    >>> len(saved_queries()) >= 12
    True
    """
    folder = Path(directory) if directory is not None else QUERIES_DIR
    if not folder.is_dir():
        raise SavedQueryError(f"no saved-query directory at {folder}")
    return [_parse(path) for path in sorted(folder.glob("*.rq"))]


def load_saved(name: str, directory: str | Path | None = None) -> SavedQuery:
    """The saved query called ``name`` (a file stem like ``arms-suppliers-of``).

    >>> load_saved("arms-suppliers-of").purpose
    'Who gives military aid (troops, weapons, arms sales, training) to an actor.'
    >>> load_saved("nope")
    Traceback (most recent call last):
    ...
    kg.saved.SavedQueryError: no saved query 'nope'; choose from allies-and-adversaries, ...
    """
    folder = Path(directory) if directory is not None else QUERIES_DIR
    path = folder / f"{name}.rq"
    # Only plain file stems: a name is never a path that leaves the directory.
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name) and path.is_file():
        return _parse(path)
    names = ", ".join(q.name for q in saved_queries(folder))
    raise SavedQueryError(f"no saved query {name!r}; choose from {names}")


# --- values → RDF terms ---------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


def _text(value: str, param: Param) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise SavedQueryError(f"{param.name}: the value is not valid text") from None
    return value


def resolve_actor(store: Store, text: str) -> URIRef:
    """The IRI of the actor that ``text`` names: IRI, QID, key, label or alias (any case).

    Uses the same matching as :meth:`kg.store.Store.claims`. Unknown or ambiguous names
    raise :class:`SavedQueryError`.

    >>> from kg.store import open_store
    >>> resolve_actor(open_store("memory:"), "Atlantis")
    Traceback (most recent call last):
    ...
    kg.saved.SavedQueryError: no actor 'Atlantis' in the store (try a label, an alias or a QID)
    """
    text = text.strip()
    if not text:
        raise SavedQueryError("an actor name is empty")
    iri = _actor_iri_for(text)
    if _IRI_FORBIDDEN.search(iri):
        # Not an IRI after all (spaces, brackets…): match it as a key or name only.
        iri = actor_iri(Actor(text, text, ActorType.OTHER))
    bindings: dict[str, Identifier] = {
        "actorIri": iri,
        "actorName": Literal(text.lower()),
    }
    result = store.query(
        _PREFIXES
        + f"""SELECT DISTINCT ?who ?label ?actorIri ?actorName WHERE {{
  VALUES ?type {{ {_ACTOR_CLASSES} }}
  ?who a ?type .
  OPTIONAL {{ ?who skos:notation|rdfs:label|skos:altLabel ?whoName }}
  FILTER(?who = ?actorIri || LCASE(STR(?whoName)) = ?actorName)
  OPTIONAL {{ ?who rdfs:label ?label }}
}}""",
        bindings,
    )
    found: dict[URIRef, str] = {}
    for row in result:
        if isinstance(row.who, URIRef):
            found.setdefault(row.who, str(row.label) if row.label is not None else str(row.who))
    if not found:
        raise SavedQueryError(f"no actor {text!r} in the store (try a label, an alias or a QID)")
    if len(found) > 1:
        names = "; ".join(f"{label} <{iri}>" for iri, label in sorted(found.items()))
        raise SavedQueryError(f"{text!r} names several actors ({names}); give a QID or key")
    return next(iter(found))


def _relation(value: str, param: Param) -> URIRef:
    table = relations()
    text = value.strip()
    for rel in table.values():
        if text in (rel.name, rel.iri) or (rel.parent is None and rel.label == text.upper()):
            return URIRef(rel.iri)
    labels = ", ".join(sorted({r.label for r in table.values()}))
    raise SavedQueryError(
        f"{param.name}: unknown relation {value!r}; use a property name like sendsTroops "
        f"or a label: {labels}"
    )


def _date(value: str, param: Param) -> Literal:
    text = value.strip()
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise SavedQueryError(f"{param.name}: {value!r} is not a date like 2024-10-18") from None
    return Literal(day.isoformat(), datatype=XSD.date)


def _integer(value: str, param: Param) -> Literal:
    text = value.strip()
    if not _INTEGER.match(text):
        raise SavedQueryError(f"{param.name}: {value!r} is not a whole number")
    return Literal(str(int(text)), datatype=XSD.integer)


def _modality(value: str, param: Param) -> URIRef:
    try:
        return KG[Modality(value.strip().lower()).value.capitalize()]
    except ValueError:
        choices = ", ".join(m.value for m in Modality)
        raise SavedQueryError(
            f"{param.name}: unknown modality {value!r}; choose from {choices}"
        ) from None


def _string(value: str, param: Param) -> Literal:
    return Literal(_text(value, param))


_CONVERTERS: dict[str, Callable[[str, Param], Identifier]] = {
    "relation": _relation,
    "date": _date,
    "integer": _integer,
    "modality": _modality,
    "string": _string,
}


def bind_params(
    store: Store, query: SavedQuery, params: Mapping[str, str]
) -> dict[str, Identifier]:
    """Check ``params`` against the query's declaration and convert each to an RDF term.

    Defaults fill in what is not given; optional parameters without a value are left out.

    >>> from kg.store import open_store
    >>> bind_params(open_store("memory:"), load_saved("most-attacked"), {})
    {'limit': rdflib.term.Literal('10', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))}
    """
    for name in params:
        query.param(name)  # unknown names fail here
    terms: dict[str, Identifier] = {}
    for param in query.params:
        value = params.get(param.name, param.default)
        if value is None:
            if param.optional:
                continue
            raise SavedQueryError(
                f"query {query.name!r} needs --param {param.name}=… ({param.description})"
            )
        if not isinstance(value, str):
            raise SavedQueryError(f"{param.name}: give the value as text, not {type(value)}")
        value = _text(value, param)
        if not value.strip():
            raise SavedQueryError(f"{param.name}: the value is empty")
        if param.type == "actor":
            try:
                terms[param.name] = resolve_actor(store, value)
            except SavedQueryError as error:
                raise SavedQueryError(f"{param.name}: {error}") from None
        else:
            terms[param.name] = _CONVERTERS[param.type](value, param)
    return terms


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def _with_values(query: SavedQuery, terms: Mapping[str, Identifier]) -> str:
    # The only generated text: VALUES blocks of validated terms, in the store's strict
    # serialisation (ECHAR-escaped literals; IRIs checked for forbidden characters).
    block = " ".join(f"VALUES ?{name} {{ {_sparql_term(term)} }}" for name, term in terms.items())
    if not block:
        return query.text
    if VALUES_MARKER in query.text:
        return query.text.replace(VALUES_MARKER, block, 1)
    match = _WHERE.search(query.text)
    assert match is not None  # checked when the file was read
    return query.text[: match.end()] + "\n  " + block + query.text[match.end() :]


def render(
    store: Store,
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    directory: str | Path | None = None,
) -> str:
    """The SPARQL text that :func:`run_saved` runs (for ``--explain``-style output).

    >>> from kg.store import open_store
    >>> "VALUES ?limit" in render(open_store("memory:"), "most-attacked", {"limit": "3"})
    True
    """
    query = load_saved(name, directory)
    return _with_values(query, bind_params(store, query, params or {}))


def run_saved(
    store: Store,
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    directory: str | Path | None = None,
) -> QueryResult:
    """Run the saved query ``name`` with ``params`` (text values, converted by type).

    >>> from kg.store import open_store
    >>> run_saved(open_store("memory:"), "documents").rows
    []
    >>> run_saved(open_store("memory:"), "most-attacked", {"limit": "ten"})
    Traceback (most recent call last):
    ...
    kg.saved.SavedQueryError: limit: 'ten' is not a whole number
    """
    query = load_saved(name, directory)
    terms = bind_params(store, query, params or {})
    return run_query(store, _with_values(query, terms))
