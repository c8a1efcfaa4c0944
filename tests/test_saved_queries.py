"""Saved queries (data/queries/*.rq): every one runs on a hand-made store with the expected
answers; parameters are typed, validated and bound as RDF terms, never pasted as text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

import kg
from kg.errors import KgError
from kg.model import Actor, ActorType, Claim, Document, Modality
from kg.ontology import relation
from kg.query import QueryResult
from kg.saved import (
    PARAM_TYPES,
    QUERIES_DIR,
    SavedQueryError,
    bind_params,
    load_saved,
    render,
    resolve_actor,
    run_saved,
    saved_queries,
)
from kg.store import Store

RU = Actor("RU", "Russia", ActorType.STATE, qid="Q159", aliases=("Moscow", "Russian Federation"))
KP = Actor("KP", "North Korea", ActorType.STATE, qid="Q423",
           aliases=("DPRK", "Pyongyang", "Korea"))  # fmt: skip
KR = Actor("KR", "South Korea", ActorType.STATE, qid="Q884", aliases=("Seoul", "Korea"))
UA = Actor("UA", "Ukraine", ActorType.STATE, qid="Q212", aliases=("Kyiv",))
US = Actor("US", "United States", ActorType.STATE, qid="Q30", aliases=("Washington",))
IR = Actor("IR", "Iran", ActorType.STATE, qid="Q794")
FI = Actor("FI", "Finland", ActorType.STATE, qid="Q33")
NATO = Actor("NATO", "NATO", ActorType.ORGANIZATION, qid="Q7184",
             aliases=("North Atlantic Treaty Organization",))  # fmt: skip
KIM = Actor("person:kim-jong-un", "Kim Jong Un", ActorType.PERSON)
PUTIN = Actor("person:vladimir-putin", "Vladimir Putin", ActorType.PERSON)

EVIL_SOURCE = 'Ev"il } Source\n\\'  # stored as a real source: quotes must match literally

A = Document("Article A.", "a.txt", title="Troops", date=dt.date(2024, 10, 18), source="Reuters")
B = Document("Article B.", "b.txt", title="Summit", date=dt.date(2024, 11, 5),
             source="Yonhap News")  # fmt: skip
C = Document("Article C.", "c.txt", title="Denial", date=dt.date(2024, 12, 1), source="TASS")
D = Document("Article D.", "d.txt", title="Odd", date=dt.date(2024, 12, 2), source=EVIL_SOURCE)


def claim(doc: Document, subject: Actor, rel: str, obj: Actor, modality: str = "asserted",
          *, by: Actor | None = None, on: dt.date | None = None, n: int = 0) -> Claim:  # fmt: skip
    return Claim(subject, relation(rel), obj, Modality(modality), doc.doc_id,
                 f"{subject.label} {rel} {obj.label}.", n, n * 10, n * 10 + 9, 0.8,
                 attributed_to=by, event_date=on)  # fmt: skip


CLAIMS: dict[Document, list[Claim]] = {
    A: [
        claim(A, KP, "sendsTroops", RU, by=KR, on=dt.date(2024, 10, 1), n=0),
        claim(A, KP, "militaryAid", RU, "hedged", by=US, n=1),
        claim(A, IR, "suppliesWeapons", RU, "negated", n=2),
        claim(A, RU, "invades", UA, on=dt.date(2022, 2, 24), n=3),
        claim(A, RU, "launchesStrike", UA, n=4),
    ],
    B: [
        claim(B, KR, "condemns", KP, n=0),
        claim(B, RU, "holdsSummit", KP, n=1),
        claim(B, KIM, "headOfStateOf", KP, n=2),
        claim(B, FI, "joins", NATO, on=dt.date(2023, 4, 4), n=3),
        claim(B, US, "memberOf", NATO, n=4),
        claim(B, UA, "memberOf", NATO, "negated", n=5),
        claim(B, KP, "launchesStrike", KR, "hedged", n=6),
    ],
    C: [
        claim(C, KP, "sendsTroops", RU, "negated", by=RU, n=0),
        claim(C, PUTIN, "headOfStateOf", RU, n=1),
        claim(C, US, "suppliesWeapons", UA, n=2),
        claim(C, RU, "shells", UA, n=3),
        claim(C, IR, "cyberAttacks", US, n=4),
    ],
    D: [claim(D, US, "tradeDeal", KR, n=0)],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with kg.open_store(tmp_path_factory.mktemp("saved") / "s") as opened:
        for doc, claims in CLAIMS.items():
            opened.replace_document(doc, claims)
        yield opened


def rows(result: QueryResult, *columns: str) -> list[tuple[str, ...]]:
    """The named columns of every row, as plain strings ("" when unbound)."""
    index = [result.variables.index(c) for c in columns]
    return [tuple("" if row[i] is None else str(row[i]) for i in index) for row in result.rows]


# --- the catalogue --------------------------------------------------------------------

WANTED = {
    "relations-of-actor", "arms-suppliers-of", "allies-and-adversaries", "members-of",
    "officials-of", "claims-by-source", "hedged-or-disputed-about", "dyad-timeline",
    "most-attacked", "new-relations-since", "claims-attributed-to", "documents",
    "military-aid", "relation-claims",
}  # fmt: skip


def test_catalogue_lists_every_query_with_purpose_and_documented_params() -> None:
    queries = saved_queries()
    assert len(queries) >= 12
    assert {q.name for q in queries} == WANTED
    for query in queries:
        assert query.path.parent == QUERIES_DIR
        assert len(query.purpose) > 20 and not query.purpose.startswith("@"), query.name
        for param in query.params:
            assert param.type in PARAM_TYPES, (query.name, param)
            assert len(param.description) > 5, (query.name, param)
            assert re.search(rf"\?{param.name}\b", query.text), (query.name, param)
        # Every @param line was understood (none silently became a note).
        assert "@param" not in query.notes, query.name


def test_readme_documents_every_query() -> None:
    readme = (QUERIES_DIR / "README.md").read_text("utf-8")
    for query in saved_queries():
        assert f"`{query.name}`" in readme, query.name


def test_unknown_query_lists_the_names() -> None:
    with pytest.raises(SavedQueryError, match=r"choose from .*arms-suppliers-of") as info:
        load_saved("arms-supliers-of")
    assert isinstance(info.value, KgError)
    for name in ("../queries/documents", "/etc/passwd", "documents.rq", ""):
        with pytest.raises(SavedQueryError):
            load_saved(name)


def test_header_format_is_checked(tmp_path: Path) -> None:
    (tmp_path / "good.rq").write_text(
        "# Purpose.\n# @param who actor? someone\n# @param n integer = 3 count\n"
        '# @param s string = "two words" text\n'
        "SELECT ?who ?n ?s WHERE { #@values\n }\n"
    )
    good = load_saved("good", tmp_path)
    assert [(p.name, p.type, p.default, p.optional, p.required) for p in good.params] == [
        ("who", "actor", None, True, False),
        ("n", "integer", "3", False, False),
        ("s", "string", "two words", False, False),
    ]
    for bad in (
        "# Purpose.\n# @param x colour a colour\nSELECT ?x WHERE { }\n",  # unknown type
        "# Purpose.\n# @param x actor\nSELECT ?x WHERE { }\n",  # no description
        "# Purpose.\n# @param x actor someone\nSELECT ?y WHERE { }\n",  # unused
        "# @param x actor someone\nSELECT ?x WHERE { }\n",  # no purpose
    ):
        (tmp_path / "bad.rq").write_text(bad)
        with pytest.raises(SavedQueryError):
            load_saved("bad", tmp_path)
    result = run_saved(kg.open_store("memory:"), "good", {"n": "5"}, directory=tmp_path)
    assert rows(result, "who", "n", "s") == [("", "5", "two words")]


# --- every query, concrete answers ----------------------------------------------------


def test_arms_suppliers_of(store: Store) -> None:
    result = run_saved(store, "arms-suppliers-of", {"actor": "Russia"})
    # Iran's negated claim does not count; North Korea's fine and top-level ones do.
    assert rows(result, "supplierLabel", "property", "modality", "claims") == [
        ("North Korea", "militaryAid", "hedged", "1"),
        ("North Korea", "sendsTroops", "asserted", "1"),
    ]
    ukraine = run_saved(store, "arms-suppliers-of", {"actor": "Q212"})
    assert rows(ukraine, "supplierLabel", "property") == [("United States", "suppliesWeapons")]


NAMES_OF_NORTH_KOREA = ["North Korea", "north korea", "DPRK", "Pyongyang", "Q423", "KP",
                        "http://www.wikidata.org/entity/Q423", " dprk "]  # fmt: skip


@pytest.mark.parametrize("name", NAMES_OF_NORTH_KOREA)
def test_actor_by_label_alias_qid_key_or_iri(store: Store, name: str) -> None:
    by_label = run_saved(store, "officials-of", {"state": "North Korea"})
    assert rows(by_label, "officialLabel", "role") == [("Kim Jong Un", "headOfStateOf")]
    assert run_saved(store, "officials-of", {"state": name}).rows == by_label.rows
    assert resolve_actor(store, name) == URIRef("http://www.wikidata.org/entity/Q423")


def test_unknown_and_ambiguous_actors(store: Store) -> None:
    with pytest.raises(SavedQueryError, match="no actor 'Atlantis'"):
        run_saved(store, "officials-of", {"state": "Atlantis"})
    with pytest.raises(SavedQueryError, match=r"several actors.*North Korea.*South Korea"):
        run_saved(store, "officials-of", {"state": "Korea"})
    with pytest.raises(SavedQueryError, match="state:"):
        run_saved(store, "officials-of", {"state": ""})


def test_relations_of_actor(store: Store) -> None:
    result = run_saved(store, "relations-of-actor", {"actor": "Kim Jong Un"})
    assert rows(result, "subjectLabel", "property", "objectLabel", "status") == [
        ("Kim Jong Un", "headOfStateOf", "North Korea", "asserted")
    ]
    attacks = run_saved(store, "relations-of-actor", {"actor": "Moscow", "relation": "ATTACKS"})
    assert rows(attacks, "property", "objectLabel", "date") == [
        ("invades", "Ukraine", "2022-02-24"),
        ("launchesStrike", "Ukraine", "2024-10-18"),
        ("shells", "Ukraine", "2024-12-01"),
    ]
    everything = run_saved(store, "relations-of-actor", {"actor": "Russia"})
    assert len(everything) == 9  # 5 claims in A, 1 in B, 3 in C
    negated = run_saved(store, "relations-of-actor", {"actor": "Russia", "modality": "negated"})
    assert rows(negated, "subjectLabel", "property", "title") == [
        ("Iran", "suppliesWeapons", "Troops"),
        ("North Korea", "sendsTroops", "Denial"),
    ]
    fine = {"actor": "Russia", "relation": "sendsTroops", "modality": "ASSERTED"}
    assert rows(run_saved(store, "relations-of-actor", fine), "date") == [("2024-10-01",)]


def test_allies_and_adversaries(store: Store) -> None:
    result = run_saved(store, "allies-and-adversaries", {"actor": "North Korea"})
    assert sorted(rows(result, "otherLabel", "cooperation", "conflict", "stance")) == [
        ("Kim Jong Un", "1", "0", "ally"),
        ("Russia", "3", "0", "ally"),  # troops, hedged military aid, summit; not the denial
        ("South Korea", "0", "2", "adversary"),  # condemnation, hedged strike
    ]
    assert rows(result, "otherLabel")[0] == ("Russia",)  # most cooperative first


def test_members_of(store: Store) -> None:
    result = run_saved(store, "members-of", {"organisation": "North Atlantic Treaty Organization"})
    # Ukraine's membership is negated.
    assert rows(result, "memberLabel", "relations") == [
        ("Finland", "joins"),
        ("United States", "memberOf"),
    ]


def test_officials_of(store: Store) -> None:
    result = run_saved(store, "officials-of", {"state": "Russian Federation"})
    assert rows(result, "officialLabel", "role", "modality") == [
        ("Vladimir Putin", "headOfStateOf", "asserted")
    ]


def test_claims_by_source(store: Store) -> None:
    result = run_saved(store, "claims-by-source", {"source": "yonhap"})
    assert {r[0] for r in rows(result, "sourceName")} == {"Yonhap News"}
    assert len(result) == 7
    assert ("Finland", "joins", "NATO") in rows(result, "subjectLabel", "property", "objectLabel")
    assert len(run_saved(store, "claims-by-source", {"source": "TASS"})) == 5
    assert len(run_saved(store, "claims-by-source", {"source": "Associated Press"})) == 0
    # A value full of SPARQL syntax is only ever a literal: it matches the source that
    # really has that name, and nothing else.
    odd = run_saved(store, "claims-by-source", {"source": EVIL_SOURCE})
    assert rows(odd, "sourceName", "property") == [(EVIL_SOURCE, "tradeDeal")]


def test_hedged_or_disputed_about(store: Store) -> None:
    result = run_saved(store, "hedged-or-disputed-about", {"actor": "Russia"})
    assert rows(result, "subjectLabel", "property", "modality", "disputed") == [
        ("Iran", "suppliesWeapons", "negated", "false"),
        ("North Korea", "militaryAid", "hedged", "true"),
        ("North Korea", "sendsTroops", "asserted", "true"),
        ("North Korea", "sendsTroops", "negated", "true"),
    ]
    # Nothing about Finland is hedged or contradicted.
    assert run_saved(store, "hedged-or-disputed-about", {"actor": "Finland"}).rows == []


def test_dyad_timeline(store: Store) -> None:
    forward = run_saved(store, "dyad-timeline", {"actor": "DPRK", "other": "Moscow"})
    assert rows(forward, "date", "subjectLabel", "property", "modality") == [
        ("2024-10-01", "North Korea", "sendsTroops", "asserted"),
        ("2024-10-18", "North Korea", "militaryAid", "hedged"),
        ("2024-11-05", "Russia", "holdsSummit", "asserted"),
        ("2024-12-01", "North Korea", "sendsTroops", "negated"),
    ]
    backward = run_saved(store, "dyad-timeline", {"actor": "Russia", "other": "North Korea"})
    assert backward.rows == forward.rows
    with pytest.raises(SavedQueryError, match="needs --param other"):
        run_saved(store, "dyad-timeline", {"actor": "Russia"})


def test_most_attacked(store: Store) -> None:
    default = run_saved(store, "most-attacked", {})
    assert rows(default, "rank", "targetLabel", "attacks") == [
        ("1", "Ukraine", "3"),
        ("2", "South Korea", "1"),
        ("2", "United States", "1"),
    ]
    assert rows(run_saved(store, "most-attacked", {"limit": "1"}), "targetLabel") == [("Ukraine",)]
    # Ties at the cut are kept.
    assert len(run_saved(store, "most-attacked", {"limit": "2"})) == 3
    assert run_saved(store, "most-attacked", {"limit": "0"}).rows == []


def test_new_relations_since(store: Store) -> None:
    result = run_saved(store, "new-relations-since", {"since": "2024-11-01"})
    assert rows(result, "subjectLabel", "relation", "objectLabel", "firstSeen") == [
        ("Kim Jong Un", "OFFICIAL_OF", "North Korea", "2024-11-05"),
        ("North Korea", "ATTACKS", "South Korea", "2024-11-05"),
        ("Russia", "MEETS", "North Korea", "2024-11-05"),
        ("South Korea", "CRITICIZES", "North Korea", "2024-11-05"),
        ("United States", "MEMBER_OF", "NATO", "2024-11-05"),
        ("Iran", "ATTACKS", "United States", "2024-12-01"),
        ("United States", "MILITARY_AID", "Ukraine", "2024-12-01"),
        ("Vladimir Putin", "OFFICIAL_OF", "Russia", "2024-12-01"),
        ("United States", "TRADE", "South Korea", "2024-12-02"),
    ]
    # Russia attacked Ukraine long before (the invasion, 2022), Finland joined NATO in 2023.
    assert len(run_saved(store, "new-relations-since", {"since": "2030-01-01"})) == 0
    assert len(run_saved(store, "new-relations-since", {"since": "2000-01-01"})) == 12


def test_claims_attributed_to(store: Store) -> None:
    seoul = run_saved(store, "claims-attributed-to", {"actor": "Seoul"})
    assert rows(seoul, "subjectLabel", "property", "objectLabel", "modality") == [
        ("North Korea", "sendsTroops", "Russia", "asserted")
    ]
    russia = run_saved(store, "claims-attributed-to", {"actor": "Q159"})
    assert rows(russia, "property", "modality", "title") == [("sendsTroops", "negated", "Denial")]
    assert run_saved(store, "claims-attributed-to", {"actor": "Finland"}).rows == []


def test_documents(store: Store) -> None:
    result = run_saved(store, "documents")
    columns = ("name", "source", "claims", "assertedClaims", "hedgedClaims", "negatedClaims")
    assert rows(result, *columns) == [
        ("a.txt", "Reuters", "5", "3", "1", "1"),
        ("b.txt", "Yonhap News", "7", "5", "1", "1"),
        ("c.txt", "TASS", "5", "4", "0", "1"),
        ("d.txt", EVIL_SOURCE, "1", "1", "0", "0"),
    ]
    # North Korea, Russia, Iran and Ukraine; South Korea and the US only attribute claims.
    assert rows(result, "actors")[0] == ("4",)


def test_military_aid(store: Store) -> None:
    result = run_saved(store, "military-aid")
    assert sorted(set(rows(result, "provider", "recipient", "modality", "claimedBy"))) == [
        ("Iran", "Russia", "negated", ""),
        ("North Korea", "Russia", "asserted", "South Korea"),
        ("North Korea", "Russia", "hedged", "United States"),
        ("North Korea", "Russia", "negated", "Russia"),
        ("United States", "Ukraine", "asserted", ""),
    ]


def test_relation_claims(store: Store) -> None:
    by_label = run_saved(store, "relation-claims", {"relation": "MILITARY_AID"})
    assert len(by_label) == 5
    negated = run_saved(
        store, "relation-claims", {"relation": "military_aid", "modality": "negated"}
    )
    assert rows(negated, "subjectLabel", "property") == [
        ("Iran", "suppliesWeapons"),
        ("North Korea", "sendsTroops"),
    ]
    fine = run_saved(store, "relation-claims", {"relation": "sendsTroops"})
    assert rows(fine, "status") == [("asserted",), ("negated",)]
    iri = run_saved(store, "relation-claims", {"relation": relation("sendsTroops").iri})
    assert iri.rows == fine.rows


def test_every_query_runs_on_an_empty_store() -> None:
    empty = kg.open_store("memory:")
    for query in saved_queries():
        values = {p.name: "Russia" if p.type == "actor" else _example(p.type)
                  for p in query.params}  # fmt: skip
        if any(p.type == "actor" for p in query.params):
            with pytest.raises(SavedQueryError, match="no actor"):
                run_saved(empty, query.name, values)
        else:
            assert run_saved(empty, query.name, values).rows == [], query.name


def _example(kind: str) -> str:
    return {"relation": "ATTACKS", "date": "2024-01-01", "string": "x", "integer": "3",
            "modality": "hedged"}[kind]  # fmt: skip


def test_every_query_gives_the_same_answer_on_both_backends(store: Store) -> None:
    memory = kg.open_store("memory:")
    for doc, claims in CLAIMS.items():
        memory.replace_document(doc, claims)
    for query in saved_queries():
        values = {p.name: "Russia" if p.type == "actor" else _example(p.type)
                  for p in query.params}  # fmt: skip
        if query.name == "dyad-timeline":
            values["other"] = "North Korea"
        if query.name == "claims-by-source":
            values["source"] = "e"
        expected = run_saved(store, query.name, values)
        got = run_saved(memory, query.name, values)
        assert sorted(map(str, got.rows)) == sorted(map(str, expected.rows)), query.name


# --- parameters are values, never query text ------------------------------------------

INJECTIONS = [
    '"} ; DROP ALL ; #',
    "Russia> } UNION { ?s ?p ?o",
    '\\" ) } #',
    '" . } } SELECT * WHERE { ?s ?p ?o } #',
    "Russia\n} ; DELETE WHERE { ?s ?p ?o } #",
    "'\"\"\" } #\r\n''' ; CLEAR ALL",
    "<http://www.wikidata.org/entity/Q159> } UNION { ?s ?p ?o",
    "Q159 } UNION { ?s ?p ?o }",
    '2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date> } UNION { ?s ?p ?o } #',
    "1 } UNION { ?s ?p ?o }",
    "asserted } UNION { ?s ?p ?o",
    "MILITARY_AID> } UNION { ?s ?p ?o",
    "x\x00y",
    "\ud800",
    "",
]

# One query per parameter type that accepts a string.
TARGETS = {
    "actor": ("arms-suppliers-of", "actor", {}),
    "string": ("claims-by-source", "source", {}),
    "relation": ("relation-claims", "relation", {}),
    "modality": ("relation-claims", "modality", {"relation": "ATTACKS"}),
    "date": ("new-relations-since", "since", {}),
    "integer": ("most-attacked", "limit", {}),
}


def test_targets_cover_every_param_type() -> None:
    assert set(TARGETS) == set(PARAM_TYPES)
    for query, param, _ in TARGETS.values():
        assert load_saved(query).param(param).type in TARGETS


@pytest.mark.parametrize("kind", sorted(TARGETS))
@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_changes_nothing_and_returns_nothing(store: Store, kind: str, value: str) -> None:
    query, param, others = TARGETS[kind]
    before = len(store)
    try:
        result = run_saved(store, query, {**others, param: value})
    except KgError as error:
        assert isinstance(error, SavedQueryError)  # a bad value, not a broken query
    else:
        # Only a free-text value gets this far, and it matches no source.
        assert kind == "string", (kind, value)
        assert result.rows == []
    assert len(store) == before
    assert len(run_saved(store, "documents")) == 4


def test_injected_values_stay_inside_one_literal(store: Store) -> None:
    empty = kg.open_store("memory:")
    for value in INJECTIONS[:-2]:
        text = render(store, "claims-by-source", {"source": value})
        assert text.count("VALUES") == 1
        # The generated text is one VALUES block on one line, whatever the value holds…
        block = re.search(r"^  VALUES \?source \{ [^\n]* \}$", text, re.MULTILINE)
        assert block is not None, value
        # …and that block, run on its own, yields exactly the value as one literal.
        alone = empty.query(f"SELECT ?source WHERE {{ {block.group(0)} }}")
        assert [str(row.source) for row in alone] == [value]


def test_parameter_names_are_checked(store: Store) -> None:
    with pytest.raises(SavedQueryError, match="no parameter 'actor} ; DROP ALL ; #'"):
        run_saved(store, "documents", {"actor} ; DROP ALL ; #": "Russia"})
    with pytest.raises(SavedQueryError, match="needs --param actor"):
        run_saved(store, "arms-suppliers-of", {})
    with pytest.raises(SavedQueryError, match=r"has no parameter 'who'.*takes actor"):
        run_saved(store, "arms-suppliers-of", {"who": "Russia"})


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("date", "2024-02-30", "not a date"),
        ("date", "18/10/2024", "not a date"),
        ("integer", "3.5", "not a whole number"),
        ("integer", "1e3", "not a whole number"),
        ("modality", "maybe", "unknown modality"),
        ("relation", "LOVES", "unknown relation"),
        ("actor", "Narnia", "no actor"),
    ],
)
def test_bad_values_say_what_is_wrong(store: Store, kind: str, value: str, message: str) -> None:
    query, param, others = TARGETS[kind]
    with pytest.raises(SavedQueryError, match=message):
        run_saved(store, query, {**others, param: value})


def test_values_become_typed_terms(store: Store) -> None:
    terms = bind_params(
        store, load_saved("relations-of-actor"),
        {"actor": "Kyiv", "relation": "ATTACKS", "modality": "Hedged"},
    )  # fmt: skip
    assert terms == {
        "actor": URIRef("http://www.wikidata.org/entity/Q212"),
        "relation": URIRef(relation("attacks").iri),
        "modality": kg.ontology.KG.Hedged,
    }
    since = bind_params(store, load_saved("new-relations-since"), {"since": " 2024-11-01 "})
    assert since["since"] == Literal(dt.date(2024, 11, 1))
