"""Properties that must hold for any input, checked with Hypothesis.

- extraction never fails, whatever the text, and every claim points at its own evidence;
- a claim survives Claim → RDF → Claim unchanged, and a store survives export → import;
- a saved query's parameter, whatever the string, is one value: the query keeps its shape
  and returns only data that matches it.

The runs are derandomized (the same examples every time, so CI is not flaky) and keep no
example database; to explore further, raise ``max_examples`` or drop ``derandomize`` in
:func:`_settings` locally.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Literal, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

import kg
from kg.errors import KgError
from kg.extract.gazetteer import load_gazetteer
from kg.model import Actor, Claim, Document, Modality
from kg.ontology import relations
from kg.rdf import claims_from_graph, claims_to_dataset
from kg.saved import SavedQueryError, render, run_saved
from kg.store import Store


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- strategies -----------------------------------------------------------------------


def _stable_actor(actor: Actor) -> Actor:
    # RDF holds aliases as a set: they come back sorted and without duplicates.
    return dataclasses.replace(actor, aliases=tuple(sorted(set(actor.aliases))))


ACTORS = [_stable_actor(a) for _, a in sorted(load_gazetteer().actors.items())]
RELATIONS = [r for _, r in sorted(relations().items())]

actors = st.sampled_from(ACTORS)
# Anything Python calls text, control characters and all (no lone surrogates: those are
# not text, and the readers refuse them).
any_text = st.text(max_size=300)
optional_text = st.none() | st.text(max_size=80)


@st.composite
def claims_of(draw: st.DrawFn, document: str) -> Claim:
    """A claim of ``document``: gazetteer actors, an ontology relation, any modality, date
    and confidence (three places, as stored), evidence and trigger of any text."""
    evidence = draw(any_text)
    start = draw(st.integers(0, 2**31))
    return Claim(
        subject=draw(actors),
        relation=draw(st.sampled_from(RELATIONS)),
        object=draw(actors),
        modality=draw(st.sampled_from(list(Modality))),
        document=document,
        evidence=evidence,
        sentence=draw(st.integers(0, 10**6)),
        start=start,
        end=start + len(evidence),
        confidence=draw(st.integers(0, 1000)) / 1000,
        attributed_to=draw(st.none() | actors),
        event_date=draw(st.none() | st.dates()),
        trigger=draw(optional_text),
    )


urls = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.builds(lambda path: "https://example.org/" + path, st.text(max_size=40)),
)


@st.composite
def documents_with_claims(draw: st.DrawFn) -> tuple[Document, list[Claim]]:
    """A document with any metadata and a few claims of distinct keys."""
    doc = Document(
        text=draw(st.text(min_size=1, max_size=200)),
        name=draw(st.text(min_size=1, max_size=60)),
        title=draw(optional_text),
        date=draw(st.none() | st.dates()),
        url=draw(urls),
        source=draw(optional_text),
    )
    claims = draw(st.lists(claims_of(doc.doc_id), max_size=5, unique_by=lambda c: c.key))
    return doc, claims


def by_key(claims: list[Claim]) -> list[Claim]:
    return sorted(claims, key=lambda c: c.key)


# --- (a) extraction never crashes -----------------------------------------------------

WORDS = [
    *(a.label for a in ACTORS[::7]),
    "attacked", "condemned", "denied", "said", "would", "not", "sent troops to", "met",
    "signed a trade agreement with", "according to", "allegedly", "sanctions on", "and",
    ",", ".", "!", "?", "\n\n", "“", "”", "'s", "(", ")", "—", "\t", "\x00", "\r\n",
]  # fmt: skip

# One token each, however long; a run of emoji is one token per emoji, so it stays short.
long_words = st.one_of(
    st.builds(lambda c, n: c * n, st.sampled_from("xЖ字ء"), st.integers(1_000, 20_000)),
    st.builds(lambda n: "🙂" * n, st.integers(50, 300)),
)
news_like = st.lists(
    st.one_of(st.sampled_from(WORDS), st.text(max_size=12), long_words), max_size=30
).map(" ".join)


@pytest.fixture(scope="module")
def extractor() -> kg.Extractor:
    return kg.Extractor()


@_settings(examples=200)
@given(text=st.one_of(st.text(max_size=500), news_like))
def test_extraction_never_fails(extractor: kg.Extractor, text: str) -> None:
    document = Document(text, name="fuzz.txt")
    claims = extractor.extract(document)
    assert isinstance(claims, list)
    known = set(RELATIONS)
    for claim in claims:
        assert isinstance(claim, Claim)
        assert claim.document == document.doc_id
        assert claim.relation in known
        assert 0.0 <= claim.confidence <= 1.0
        assert 0 <= claim.start <= claim.end <= len(text)
        # The offsets point at the evidence sentence in the text.
        assert text[claim.start : claim.end].strip() == claim.evidence


def test_extraction_fuzz_is_not_vacuous(extractor: kg.Extractor) -> None:
    """The word list does make claims, so the property above exercises the rules."""
    text = " ".join(["Russia", "attacked", "Ukraine", ".", "\x00", "France", "condemned", "Iran"])
    assert len(extractor.extract(Document(text, name="words.txt"))) >= 2


# --- (b) claims and stores round-trip -------------------------------------------------


@_settings(examples=300)
@given(pair=documents_with_claims())
def test_claims_survive_rdf(pair: tuple[Document, list[Claim]]) -> None:
    doc, claims = pair
    assert by_key(claims_from_graph(claims_to_dataset(doc, claims))) == by_key(claims)


@pytest.fixture(scope="module")
def store_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Store, Path]]:
    """Two embedded stores, emptied by each example: a source and a restore target."""
    root = tmp_path_factory.mktemp("round-trip")
    with kg.open_store(str(root / "source")) as source, kg.open_store(str(root / "copy")) as copy:
        yield source, copy, root / "backup.nq"


def _quads(path: Path) -> set[ox.Quad]:
    return set(ox.parse(path=path, format=ox.RdfFormat.N_QUADS))


@_settings(examples=150)
@given(pair=documents_with_claims())
def test_store_survives_export_and_import(
    store_pair: tuple[Store, Store, Path], pair: tuple[Document, list[Claim]]
) -> None:
    source, copy, backup = store_pair
    doc, claims = pair
    for store in (source, copy):
        store.oxigraph.clear()  # type: ignore[attr-defined]
    assert source.replace_document(doc, claims)

    source.export(backup, "nq")
    assert copy.import_file(backup) == len(source)

    again = backup.with_name("again.nq")
    copy.export(again, "nq")
    assert _quads(again) == _quads(backup)
    assert by_key(copy.claims()) == by_key(claims)
    (stored,) = copy.documents()
    assert stored == source.documents()[0]
    assert (stored["id"], stored["name"], stored["title"], stored["source"]) == (
        doc.doc_id,
        doc.name,
        doc.title,
        doc.source,
    )
    assert stored["url"] == doc.url
    assert stored["date"] == (doc.date.isoformat() if doc.date else None)


# --- (c) saved-query parameters are values, never query text --------------------------

# One saved query per parameter type, the parameter, other values it needs, and a value
# that is accepted (the reference shape).
TARGETS: dict[str, tuple[str, str, dict[str, str], str]] = {
    "actor": ("arms-suppliers-of", "actor", {}, "Russia"),
    "string": ("claims-by-source", "source", {}, "Reuters"),
    "relation": ("relation-claims", "relation", {}, "ATTACKS"),
    "modality": ("relation-claims", "modality", {"relation": "ATTACKS"}, "hedged"),
    "date": ("new-relations-since", "since", {}, "2024-01-01"),
    "integer": ("most-attacked", "limit", {}, "3"),
}

SOURCES = ("Reuters", "Yonhap News", 'Ev"il } Source\n\\')
FRAGMENTS = [
    '"', "'", '"""', "}", "{", "\\", "#", "\n", "\r", "<", ">", "^^", "@en", "?s", ".", ";",
    " UNION { ?s ?p ?o }", "SELECT * WHERE", "DROP ALL", "DELETE WHERE { ?s ?p ?o }",
    "<http://www.wikidata.org/entity/Q159>", "Q159", "Russia", "Reuters", "ev\"il", "2024-01-01",
    "hedged", "ATTACKS", "sendsTroops", "1", "-7", "\\u0022", "%22", "\x00",
]  # fmt: skip
parameter_values = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=8).map("".join),
    # Lone surrogates: not text at all, refused before anything is built.
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
)


def shape(node: Any, param: str) -> Any:
    """The parsed query's algebra as plain data, with the parameter's bound value (and
    only it) replaced by a marker; blank-node names, which the parser makes up, too."""
    if isinstance(node, CompValue):
        return (node.name, tuple((key, shape(value, param)) for key, value in node.items()))
    if isinstance(node, dict):  # one row of a VALUES block: variable → term
        return tuple(
            sorted(
                (str(var), "<param>" if str(var) == param else shape(term, param))
                for var, term in node.items()
            )
        )
    if isinstance(node, (list, tuple)):
        return tuple(shape(item, param) for item in node)
    if isinstance(node, (set, frozenset)):
        return tuple(sorted(str(item) for item in node))
    if isinstance(node, BNode):
        return "<bnode>"
    if isinstance(node, (Literal, Variable)) or hasattr(node, "n3"):
        return (type(node).__name__, node.n3())
    return repr(node)


def _claim(doc: Document, subject: Actor, rel: str, obj: Actor, n: int) -> Claim:
    evidence = f"{subject.label} {rel} {obj.label}."
    return Claim(
        subject, relations()[rel], obj, Modality.ASSERTED, doc.doc_id, evidence,
        n, n * 50, n * 50 + len(evidence), 0.8, event_date=dt.date(2024, 6, n + 1),
    )  # fmt: skip


@pytest.fixture(scope="module")
def query_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """An embedded store with one document per source in :data:`SOURCES`."""
    gazetteer = load_gazetteer().actors
    ru, ua, kp, kr = (gazetteer[k] for k in ("RU", "UA", "KP", "KR"))
    with kg.open_store(str(tmp_path_factory.mktemp("queries") / "store")) as store:
        for n, source in enumerate(SOURCES):
            doc = Document(f"Article {n}.", f"{n}.txt", date=dt.date(2024, 6, 1), source=source)
            claims = [
                _claim(doc, ru, "attacks", ua, 0),
                _claim(doc, kp, "sendsTroops", ru, 1),
                _claim(doc, kr, "condemns", kp, 2),
            ]
            store.replace_document(doc, claims)
        yield store


@pytest.fixture(scope="module")
def reference_shapes(query_store: Store) -> dict[str, Any]:
    shapes = {}
    for kind, (name, param, others, good) in TARGETS.items():
        text = render(query_store, name, {**others, param: good})
        shapes[kind] = shape(prepareQuery(text).algebra, param)
    return shapes


@_settings(examples=300)
@given(kind=st.sampled_from(sorted(TARGETS)), value=parameter_values)
@example(kind="string", value='" } UNION { ?s ?p ?o } #')
@example(kind="actor", value="Russia> } UNION { ?s ?p ?o")
@example(kind="actor", value="Q159")
@example(kind="date", value=" 2024-01-01 ")
@example(kind="integer", value="+7")
@example(kind="modality", value="NEGATED")
@example(kind="relation", value="sendsTroops")
def test_any_parameter_value_keeps_the_query_shape(
    query_store: Store, reference_shapes: dict[str, Any], kind: str, value: str
) -> None:
    name, param, others, _ = TARGETS[kind]
    before = len(query_store)
    try:
        text = render(query_store, name, {**others, param: value})
    except KgError as error:
        assert isinstance(error, SavedQueryError), error  # a bad value, not a broken query
        return
    assert shape(prepareQuery(text).algebra, param) == reference_shapes[kind], value
    run_saved(query_store, name, {**others, param: value})
    assert len(query_store) == before


@_settings(examples=300)
@given(value=parameter_values)
@example(value="REUTERS")
@example(value='ev"il } source\n\\')
@example(value="n")
@example(value='"} UNION { ?s ?p ?o } #')
def test_any_source_string_returns_only_matching_claims(query_store: Store, value: str) -> None:
    before = len(query_store)
    try:
        result = run_saved(query_store, "claims-by-source", {"source": value})
    except SavedQueryError:
        assert not value.strip() or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
        return
    assert len(query_store) == before
    wanted = value.lower()
    matching = [s for s in SOURCES if wanted in s.lower()]
    column = result.variables.index("sourceName")
    found = {str(row[column]) for row in result.rows}
    assert found == set(matching), (value, found)
    # Three claims per matching document, nothing else.
    assert len(result.rows) == 3 * len(matching)
