"""Queries that see what the ontology entails about relations (``kg query --infer``).

The ontology says three things about relation properties that plain SPARQL does not act
on: a finer property is ``rdfs:subPropertyOf`` a top-level one, some properties are
``owl:SymmetricProperty`` and ``kg:hasMember`` is ``owl:inverseOf kg:memberOf``. With
inference, ``?x kg:meets ?y`` also matches ``y kg:holdsSummit x`` and ``?org kg:hasMember
?x`` matches ``x kg:joins org``.

Inference applies to the *direct triples* (``wd:Q423 kg:sendsTroops wd:Q159``), the
facts that asserted claims put in the graph. Claim nodes are left as they are: their
``rdf:predicate`` names a relation but states nothing, and a hedged or negated claim must
not become a fact by inference. Queries over claim nodes follow the hierarchy in the
query text instead (``?c rdf:predicate/rdfs:subPropertyOf* kg:militaryAid``), as the
saved queries do.

Two ways to the same answers:

- :func:`rewrite_query` turns each relation IRI that a query uses as a predicate (alone or
  inside a property path) into a property path of every reading that entails it, such as
  ``(kg:meets|kg:holdsSummit|…|^kg:meets|^kg:holdsSummit|…)``, and leaves the rest of the
  text untouched. The store answers the rewritten query itself.
- :func:`materialise` copies the triples a query can touch into an in-memory Oxigraph
  store, adds every entailed triple there (in the graph :data:`INFERRED_GRAPH`) and runs
  the unchanged query on the copy.

``materialise`` is the default (:data:`DEFAULT_METHOD`). On a store of 1.2 million quads
``bench/infer.py`` finds rewriting 1.3–3× faster for a lone relation pattern (tens of
milliseconds against a few hundred), but 2.8× slower (4.6 s against 1.7 s) once the
relation joins other patterns such as labels: Oxigraph then evaluates the property path
once per row of the join. Materialising copies only the triples of the predicates a query
names (and, for an open predicate, those of its constant subject or object); a pattern
like ``?s ?p ?o`` makes it copy the whole store.

Both use the closure computed by :class:`PropertySchema` (the rules prp-spo1, prp-symp,
prp-inv1 and prp-inv2 of OWL 2 RL, restricted to properties). Each of these rules has one
data premise, so every entailed triple comes from one stored triple through a chain of
readings, and one pass over the closure finds them all. The two methods agree on the set
of answers whenever relation predicates are written as IRIs; a predicate variable
(``?s ?p ?o``) sees entailed triples only through ``materialise``. Path evaluation has set
semantics, so ``rewrite`` gives a pair once where the plain store may give it once per
graph: compare answers with ``SELECT DISTINCT``.

:class:`InferenceStore` wraps a store so that every query goes through one method; the
saved queries and the CLI use it unchanged.

>>> from kg.ontology import KG
>>> readings = PropertySchema.from_ontology().readings(KG.hasMember)
>>> sorted(str(p).rsplit("#")[1] + ("⁻" if inverse else "") for p, inverse in readings)
['hasMember', 'joins⁻', 'memberOf⁻']
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, BinaryIO, Literal
from urllib.parse import urljoin

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.query import Result
from rdflib.term import Identifier, Node, Variable

from kg.errors import QueryError, StoreError
from kg.ontology import ID, bind_namespaces, ontology_graph
from kg.store import Store

__all__ = [
    "DEFAULT_METHOD",
    "INFERRED_GRAPH",
    "METHODS",
    "InferenceStore",
    "PropertySchema",
    "Scope",
    "materialise",
    "query_scope",
    "rewrite_query",
]

logger = logging.getLogger(__name__)

Method = Literal["rewrite", "materialise"]
METHODS: tuple[str, ...] = ("rewrite", "materialise")
# bench/infer.py, 1.2 million quads: rewriting wins by tens of milliseconds on a lone
# relation pattern, materialising by seconds once the relation joins labels.
DEFAULT_METHOD: Method = "materialise"

INFERRED_GRAPH = ID["graph/inferred"]

# A reading of a property: (property, inverse?). (Q, False) entails P from `x Q y`,
# (Q, True) from `y Q x`.
Reading = tuple[URIRef, bool]


# --- the closure ----------------------------------------------------------------------


@dataclass(frozen=True)
class PropertySchema:
    """The property axioms inference follows, and the readings they give each property.

    ``children`` maps a property to its direct sub-properties, ``inverses`` a property to
    the properties declared its inverse (either way round), ``symmetric`` lists the
    symmetric ones.
    """

    children: Mapping[URIRef, frozenset[URIRef]]
    inverses: Mapping[URIRef, frozenset[URIRef]]
    symmetric: frozenset[URIRef]
    _readings: dict[URIRef, frozenset[Reading]] = field(default_factory=dict, compare=False)

    @classmethod
    def from_graph(cls, graph: Graph) -> PropertySchema:
        """Read ``rdfs:subPropertyOf``, ``owl:inverseOf`` and ``owl:SymmetricProperty``
        between IRIs from ``graph``."""
        children: dict[URIRef, set[URIRef]] = {}
        for child, parent in graph.subject_objects(RDFS.subPropertyOf):
            if isinstance(child, URIRef) and isinstance(parent, URIRef) and child != parent:
                children.setdefault(parent, set()).add(child)
        inverses: dict[URIRef, set[URIRef]] = {}
        for one, other in graph.subject_objects(OWL.inverseOf):
            if isinstance(one, URIRef) and isinstance(other, URIRef):
                inverses.setdefault(one, set()).add(other)
                inverses.setdefault(other, set()).add(one)
        symmetric = {p for p in graph.subjects(RDF.type, OWL.SymmetricProperty)}
        return cls(
            children={p: frozenset(c) for p, c in children.items()},
            inverses={p: frozenset(i) for p, i in inverses.items()},
            symmetric=frozenset(p for p in symmetric if isinstance(p, URIRef)),
        )

    @classmethod
    @cache
    def from_ontology(cls) -> PropertySchema:
        """The schema of ``ontology/kg.ttl`` (cached)."""
        return cls.from_graph(ontology_graph())

    @property
    def properties(self) -> frozenset[URIRef]:
        """Every property some axiom mentions."""
        found: set[URIRef] = set(self.symmetric)
        for parent, kids in self.children.items():
            found.add(parent)
            found |= kids
        for prop, others in self.inverses.items():
            found.add(prop)
            found |= others
        return frozenset(found)

    def readings(self, prop: URIRef) -> frozenset[Reading]:
        """Every (property, inverse?) whose stored triples entail ``prop``, itself included.

        >>> from kg.ontology import KG
        >>> schema = PropertySchema.from_ontology()
        >>> (KG.holdsSummit, True) in schema.readings(KG.meets)
        True
        """
        known = self._readings.get(prop)
        if known is not None:
            return known
        found: set[Reading] = {(prop, False)}
        todo = [(prop, False)]
        while todo:
            current, inverse = todo.pop()
            nexts = [(kid, inverse) for kid in self.children.get(current, ())]
            if current in self.symmetric:
                nexts.append((current, not inverse))
            nexts += [(other, not inverse) for other in self.inverses.get(current, ())]
            for reading in nexts:
                if reading not in found:
                    found.add(reading)
                    todo.append(reading)
        result = frozenset(found)
        self._readings[prop] = result
        return result

    def expands(self, prop: URIRef) -> bool:
        """Whether inference adds anything to ``prop``."""
        return len(self.readings(prop)) > 1

    def path_text(self, prop: URIRef) -> str:
        """The SPARQL property path of every reading of ``prop``, parenthesised.

        >>> from kg.ontology import KG
        >>> PropertySchema.from_ontology().path_text(KG.atWarWith)
        '(<https://w3id.org/kg-geo/ontology#atWarWith>|^<https://w3id.org/kg-geo/ontology#atWarWith>)'
        """
        ordered = sorted(self.readings(prop), key=lambda r: (r[1], r[0] != prop, str(r[0])))
        return "(" + "|".join(("^" if inv else "") + f"<{p}>" for p, inv in ordered) + ")"


# --- reading the query ----------------------------------------------------------------

# Terminals of the SPARQL 1.1 grammar (§19.8), enough to find every IRI in a query and to
# never mistake a string, a comment or a blank node label for one.
_BASE_CHARS = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U_CHARS = _BASE_CHARS + "_"
_CHARS = _U_CHARS + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
      | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
      | '(?:[^'\\\n\r]|\\.)*'
      | "(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][{_U_CHARS}0-9][{_U_CHARS}0-9\u00b7\u0300-\u036f\u203f-\u2040]*)
  | (?P<bnode>_:[{_U_CHARS}0-9](?:[{_CHARS}.]*[{_CHARS}])?)
  | (?P<pname>(?P<prefix>[{_BASE_CHARS}](?:[{_CHARS}.]*[{_CHARS}])?)?:
      (?P<local>(?:[{_U_CHARS}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?)?)
  | (?P<word>[{_CHARS}]+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class _Token:
    kind: str
    start: int
    end: int
    text: str
    prefix: str | None = None
    local: str | None = None


def _tokens(sparql: str) -> list[_Token]:
    """The significant tokens of a query (no white space, no comments)."""
    tokens: list[_Token] = []
    pos = 0
    while pos < len(sparql):
        match = _TOKEN.match(sparql, pos)
        assert match is not None  # `other` matches any character
        kind = match.lastgroup
        if kind in ("prefix", "local"):  # a named group inside `pname`
            kind = "pname"
        if kind not in ("ws", "comment"):
            tokens.append(
                _Token(
                    kind or "other",
                    match.start(),
                    match.end(),
                    match.group(),
                    match.group("prefix") if kind == "pname" else None,
                    match.group("local") if kind == "pname" else None,
                )
            )
        pos = match.end()
    return tokens


def _iri_tokens(sparql: str, namespaces: Mapping[str, str]) -> Iterator[tuple[_Token, URIRef]]:
    """Each IRI written in the query outside the prologue, with the IRI it stands for."""
    tokens = _tokens(sparql)
    prefixes = {name: str(iri) for name, iri in namespaces.items()}
    base: str | None = None
    declared: set[int] = set()
    for i, token in enumerate(tokens):
        keyword = token.text.upper() if token.kind == "word" else ""
        if keyword == "PREFIX" and i + 2 < len(tokens):
            name, iri = tokens[i + 1], tokens[i + 2]
            if name.kind == "pname" and not name.local and iri.kind == "iri":
                prefixes[name.prefix or ""] = _resolve(iri.text[1:-1], base)
                declared.update((i + 1, i + 2))
        elif keyword == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = _resolve(tokens[i + 1].text[1:-1], base)
            declared.add(i + 1)
    for i, token in enumerate(tokens):
        if i in declared:
            continue
        if token.kind == "iri":
            yield token, URIRef(_resolve(token.text[1:-1], base))
        elif token.kind == "pname" and (token.prefix or "") in prefixes:
            local = _LOCAL_ESCAPE.sub(r"\1", token.local or "")
            yield token, URIRef(prefixes[token.prefix or ""] + local)


def _resolve(iri: str, base: str | None) -> str:
    return iri if base is None or _ABSOLUTE.match(iri) else urljoin(base, iri)


# --- where IRIs stand as properties ---------------------------------------------------


def _path_iris(path: Any, found: set[URIRef]) -> None:
    """The IRIs a predicate or property path steps along (negated sets excluded)."""
    if isinstance(path, URIRef):
        found.add(path)
    elif isinstance(path, NegatedPath):
        return  # `!p` means every property but p: its IRIs are not steps
    elif isinstance(path, InvPath):
        _path_iris(path.arg, found)
    elif isinstance(path, MulPath):
        _path_iris(path.path, found)
    elif isinstance(path, (AlternativePath, SequencePath)):
        for arg in path.args:
            _path_iris(arg, found)


@dataclass
class _Usage:
    """Where a parsed query uses terms: as properties of its patterns and in templates.

    A pattern whose property is open (a variable or a negated property set) can match any
    predicate: ``anchors`` collects the constant subjects and objects of such patterns,
    and ``unanchored`` says one of them has none (or steps more than once). A zero-length
    path (``p*``, ``p?``) matches every node of the graph.
    """

    properties: set[URIRef] = field(default_factory=set)
    template: set[URIRef] = field(default_factory=set)
    open_predicate: bool = False
    anchors: set[Identifier] = field(default_factory=set)
    unanchored: bool = False
    zero_length: bool = False
    describe: bool = False
    construct_where: bool = False


def _triples_of(value: Any) -> Iterator[tuple[Any, Any, Any]]:
    # BGPs hold (s, p, o) tuples; untranslated TriplesBlocks (inside EXISTS) hold flat
    # lists of s, p, o, s, p, o, ….
    for item in value or ():
        if isinstance(item, tuple) and len(item) == 3:
            yield item
        elif isinstance(item, list):
            for k in range(0, len(item) - 2, 3):
                yield item[k], item[k + 1], item[k + 2]


def _walk(node: Any, usage: _Usage) -> None:
    if isinstance(node, CompValue):
        if node.name == "DescribeQuery":
            usage.describe = True
        if node.name == "ConstructQuery" and node.get("template") is None:
            usage.construct_where = True  # the pattern is also the template
        for key, value in node.items():
            if key == "triples":
                for subject, predicate, obj in _triples_of(value):
                    if isinstance(predicate, Variable) or _has_negation(predicate):
                        usage.open_predicate = True
                        ends = [t for t in (subject, obj) if not isinstance(t, (Variable, BNode))]
                        usage.anchors.update(ends)
                        usage.unanchored |= not ends or not _one_step(predicate)
                    usage.zero_length |= _has_zero_length(predicate)
                    _path_iris(predicate, usage.properties)
            elif key == "template":
                for _, predicate, _ in _triples_of(value):
                    _path_iris(predicate, usage.template)
            else:
                _walk(value, usage)
    elif isinstance(node, (list, tuple, set)):
        for item in node:
            _walk(item, usage)


def _one_step(path: Any) -> bool:
    """Whether every match of ``path`` is a single triple."""
    if isinstance(path, InvPath):
        return _one_step(path.arg)
    if isinstance(path, AlternativePath):
        return all(_one_step(a) for a in path.args)
    return not isinstance(path, (SequencePath, MulPath))


def _has_zero_length(path: Any) -> bool:
    if isinstance(path, MulPath):
        return bool(getattr(path, "zero", False)) or _has_zero_length(path.path)
    if isinstance(path, InvPath):
        return _has_zero_length(path.arg)
    if isinstance(path, (AlternativePath, SequencePath)):
        return any(_has_zero_length(a) for a in path.args)
    return False


def _has_negation(path: Any) -> bool:
    if isinstance(path, NegatedPath):
        return True
    if isinstance(path, InvPath):
        return _has_negation(path.arg)
    if isinstance(path, MulPath):
        return _has_negation(path.path)
    if isinstance(path, (AlternativePath, SequencePath)):
        return any(_has_negation(a) for a in path.args)
    return False


def _usage(sparql: str, namespaces: Mapping[str, str]) -> _Usage:
    """Parse ``sparql`` with rdflib and report how it uses terms."""
    query = translateQuery(parseQuery(sparql), initNs=dict(namespaces))
    usage = _Usage()
    _walk(query.algebra, usage)
    return usage


_MARKER = "urn:x-kg-infer:"


def rewrite_query(
    sparql: str,
    namespaces: Mapping[str, str] | None = None,
    schema: PropertySchema | None = None,
) -> str:
    """The query with every relation IRI in a property position replaced by the path of
    its readings; a query that has none comes back as it is.

    Positions are found by the parser, not by pattern matching: each candidate IRI is
    swapped for a unique marker IRI, the marked query is parsed, and only the markers
    that turn up as predicates or path steps (outside negated property sets) are
    rewritten; IRIs in objects, ``VALUES``, ``FILTER``, ``GRAPH`` and ``CONSTRUCT``
    templates stay. ``namespaces`` are the predeclared prefixes (default: kg's).

    >>> text = rewrite_query("SELECT * { ?x kg:atWarWith ?y FILTER(?x != kg:atWarWith) }")
    >>> print(text.replace("https://w3id.org/kg-geo/ontology#", "…#"))
    SELECT * { ?x (<…#atWarWith>|^<…#atWarWith>) ?y FILTER(?x != kg:atWarWith) }
    >>> rewrite_query("SELECT * { ?c rdf:predicate kg:atWarWith }")
    'SELECT * { ?c rdf:predicate kg:atWarWith }'
    """
    schema = schema or PropertySchema.from_ontology()
    namespaces = _namespaces(namespaces)
    candidates = [(t, iri) for t, iri in _iri_tokens(sparql, namespaces) if schema.expands(iri)]
    if not candidates:
        return sparql
    marked = _splice(
        sparql,
        [
            # A space keeps `?a<kg:meets` (less than) from reading as `<<`.
            (t, (" " if sparql[t.start - 1 : t.start] == "<" else "") + f"<{_MARKER}{n}>")
            for n, (t, _) in enumerate(candidates)
        ],
    )
    try:
        usage = _usage(marked, namespaces)
    except Exception:
        # Let the store report a malformed query in its own words; a query that parses
        # only without markers would be a bug here, so say so.
        try:
            _usage(sparql, namespaces)
        except Exception:
            return sparql
        raise QueryError(
            "--infer could not rewrite this query; try --infer-method materialise"
        ) from None
    edits: list[tuple[_Token, str]] = []
    for n, (token, iri) in enumerate(candidates):
        marker = URIRef(f"{_MARKER}{n}")
        in_template = marker in usage.template or usage.construct_where
        if in_template and marker in usage.properties:
            raise QueryError(
                "--infer cannot rewrite CONSTRUCT WHERE { … }: write the template out "
                "(CONSTRUCT { … } WHERE { … }) or use --infer-method materialise"
            )
        if marker in usage.properties:
            edits.append((token, schema.path_text(iri)))
    return _splice(sparql, edits) if edits else sparql


def _splice(text: str, edits: Iterable[tuple[_Token, str]]) -> str:
    parts: list[str] = []
    pos = 0
    for token, replacement in sorted(edits, key=lambda e: e[0].start):
        parts += [text[pos : token.start], replacement]
        pos = token.end
    parts.append(text[pos:])
    return "".join(parts)


def _namespaces(namespaces: Mapping[str, Any] | None) -> dict[str, str]:
    if namespaces is None:
        namespaces = dict(bind_namespaces(Graph()).namespaces())
    return {prefix: str(iri) for prefix, iri in namespaces.items()}


# --- materialisation ------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The triples a query can match once entailed triples are added: every triple of
    ``predicates``, and every triple that has one of ``anchors`` as subject or object
    (for patterns such as ``wd:Q159 ?p ?o``, whose predicate is open).
    """

    predicates: frozenset[URIRef]
    anchors: frozenset[Identifier] = frozenset()

    def covers(self, other: Scope) -> bool:
        """Whether a copy of this scope holds everything ``other`` needs."""
        return other.predicates <= self.predicates and other.anchors <= self.anchors


def query_scope(
    sparql: str, namespaces: Mapping[str, str] | None = None, schema: PropertySchema | None = None
) -> Scope | None:
    """What :func:`materialise` must copy for ``sparql``: ``None`` when any triple may
    matter (an open predicate with no constant end, a zero-length path, DESCRIBE)."""
    return _plan(sparql, _namespaces(namespaces), schema or PropertySchema.from_ontology())[1]


def _plan(
    sparql: str, namespaces: Mapping[str, str], schema: PropertySchema
) -> tuple[bool, Scope | None]:
    """Whether entailed triples can change the answer to ``sparql``, and what to copy.

    They cannot when no pattern has an open predicate or one the axioms mention: the
    entailed triples use only such predicates and join nodes the graph already has.
    """
    try:
        usage = _usage(sparql, namespaces)
    except Exception:
        return True, None  # the store will say what is wrong with it
    needed = set(usage.properties)
    for prop in usage.properties:
        needed |= {p for p, _ in schema.readings(prop)}
    affected = usage.open_predicate or usage.describe or bool(needed & schema.properties)
    if usage.describe or usage.unanchored or usage.zero_length:
        return affected, None
    return affected, Scope(frozenset(needed), frozenset(usage.anchors))


def _copy(store: Store, target: ox.Store, scope: Scope | None) -> None:
    from kg.store import _ox  # the store module's term converter

    source = getattr(store, "oxigraph", None)
    if scope is None and isinstance(source, ox.Store):
        target.bulk_extend(source.quads_for_pattern(None, None, None, None))
        return
    if scope is None:
        buffer: BinaryIO = io.BytesIO()
        store.export(buffer, "nq")
        target.bulk_load(buffer.getvalue(), ox.RdfFormat.N_QUADS)
        return
    patterns: list[tuple[Node | None, Node | None, Node | None]] = [
        (None, p, None) for p in sorted(scope.predicates)
    ]
    for anchor in sorted(scope.anchors, key=str):
        if not isinstance(anchor, RdfLiteral):
            patterns.append((anchor, None, None))
        patterns.append((None, None, anchor))
    for s, p, o in patterns:
        if isinstance(source, ox.Store):
            target.bulk_extend(
                source.quads_for_pattern(*(None if t is None else _ox(t) for t in (s, p, o)))
            )
        else:
            target.bulk_extend(
                ox.Quad(_ox(qs), _ox(qp), _ox(qo), _graph_name(g))
                for qs, qp, qo, g in store.dataset.quads((s, p, o, None))
            )


def _graph_name(graph: Any) -> ox.NamedNode | ox.BlankNode | ox.DefaultGraph:
    identifier = getattr(graph, "identifier", graph)
    if identifier is None or str(identifier) == "urn:x-rdflib:default":
        return ox.DefaultGraph()
    if isinstance(identifier, URIRef):
        return ox.NamedNode(str(identifier))
    return ox.BlankNode(str(identifier))


def _entailment_update(schema: PropertySchema, scope: Scope | None) -> str:
    """One SPARQL Update that adds every entailed triple not already stated."""
    targets = schema.properties
    if scope is not None and not scope.anchors:
        targets = targets & scope.predicates
    forward: list[str] = []
    backward: list[str] = []
    for target in sorted(targets):
        for source, inverse in sorted(schema.readings(target)):
            if (source, inverse) == (target, False):
                continue
            (backward if inverse else forward).append(f"(<{target}> <{source}>)")
    if not forward and not backward:
        return ""
    branches = []
    for rows, pattern in ((forward, "?x ?q ?y"), (backward, "?y ?q ?x")):
        if rows:
            branches.append(
                f"{{ VALUES (?p ?q) {{ {' '.join(rows)} }} "
                f"{{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }} }} }}"
            )
    return (
        f"INSERT {{ GRAPH <{INFERRED_GRAPH}> {{ ?x ?p ?y }} }}\nWHERE {{\n  "
        + "\n  UNION\n  ".join(branches)
        + "\n  FILTER NOT EXISTS { { ?x ?p ?y } UNION { GRAPH ?h { ?x ?p ?y } } }\n}"
    )


def materialise(
    store: Store, scope: Scope | None = None, schema: PropertySchema | None = None
) -> ox.Store:
    """An in-memory Oxigraph copy of ``store`` with every entailed relation triple added.

    Only the triples of ``scope`` are copied (see :func:`query_scope`; ``None``: all of
    them), graphs kept. Entailed triples go into the graph :data:`INFERRED_GRAPH`, and
    only those no graph states already, so a query over the union sees each fact at least
    once.
    """
    schema = schema or PropertySchema.from_ontology()
    memory = ox.Store()
    _copy(store, memory, scope)
    update = _entailment_update(schema, scope)
    if update:
        memory.update(update)
    return memory


# --- a store that infers --------------------------------------------------------------


class InferenceStore(Store):
    """A read-only view of ``base`` whose queries see entailed relation triples.

    Every query (those of :meth:`Store.claims`, the saved queries, ``kg query``) goes
    through ``method``: ``"rewrite"`` sends the rewritten query to ``base``;
    ``"materialise"`` answers from an in-memory copy with the entailed triples, built once
    per set of predicates the queries need and kept while this object lives.

    >>> from kg.store import open_store
    >>> with open_store("memory:") as base:
    ...     len(InferenceStore(base, "materialise").query("SELECT * { ?s kg:meets ?o }"))
    0
    """

    scheme = "infer"

    def __init__(self, base: Store, method: str = DEFAULT_METHOD) -> None:
        if method not in METHODS:
            raise StoreError(f"unknown inference method {method!r}; choose from {METHODS}")
        super().__init__(f"{base.location} (inference: {method})", read_only=True)
        self.base = base
        self.method = method
        self.dataset = base.dataset
        self.schema = PropertySchema.from_ontology()
        self._copies: dict[Scope | None, Dataset] = {}

    def namespaces(self) -> dict[str, str]:
        """The prefixes every query may use without declaring them."""
        try:
            return _namespaces(dict(self.base.dataset.namespaces()))
        except Exception:  # a backend without an rdflib dataset: kg's own prefixes
            return _namespaces(None)

    def _query(self, sparql: str, bindings: Mapping[str, Identifier]) -> Result:
        namespaces = self.namespaces()
        if self.method == "rewrite":
            rewritten = rewrite_query(sparql, namespaces, self.schema)
            if rewritten != sparql:
                logger.debug("rewritten for inference:\n%s", rewritten)
            return self.base._query(rewritten, bindings)
        affected, scope = _plan(sparql, namespaces, self.schema)
        if not affected:
            # Nothing entailed can change the answer: skip the copy.
            return self.base._query(sparql, bindings)
        dataset = self._materialised(scope)
        try:
            return dataset.query(sparql, initBindings=bindings)
        except Exception as error:
            # As in OxigraphStore: Oxigraph binds only projected variables.
            if bindings and "does not contains variable" in str(error):
                return dataset.query(sparql, initBindings=bindings, use_store_provided=False)
            raise

    def _materialised(self, scope: Scope | None) -> Dataset:
        for known, dataset in self._copies.items():
            if known is None or (scope is not None and known.covers(scope)):
                return dataset
        from oxrdflib import OxigraphStore as _RdflibOxigraph

        memory = materialise(self.base, scope, self.schema)
        dataset = bind_namespaces(Dataset(store=_RdflibOxigraph(store=memory), default_union=True))
        for prefix, iri in self.base.dataset.namespaces():
            dataset.bind(prefix, iri, override=False)
        self._copies[scope] = dataset
        return dataset

    # The rest reads through to the base store; writes are refused.

    def _replace(self, graph: URIRef, triples: Any, actors: Any, actor_triples: Any) -> None:
        self._check_writable()

    def _drop(self, graph: URIRef) -> None:
        self._check_writable()

    def _load(self, path: Any, fmt: str, to_graph: URIRef | None) -> None:
        self._check_writable()

    def _triples(self, graph: URIRef, subject: Node | None = None) -> Iterable[Any]:
        return self.base._triples(graph, subject)

    def _dump(self, output: BinaryIO, fmt: str) -> None:
        self.base._dump(output, fmt)

    def __len__(self) -> int:
        return len(self.base)

    def close(self) -> None:
        """Drop the in-memory copies; the base store stays open (its owner closes it)."""
        self._copies.clear()
