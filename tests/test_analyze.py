"""Tests for kg.analyze: the networkx projection of claims, the summary counts, the
analyses (centrality, communities, path, dyad, balance, disputes) and `kg analyze`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path

import networkx as nx
import pytest
from builders import KP, KR, NATO, RU, make_claim
from click.testing import CliRunner

import kg
from kg.analyze import (
    AnalysisError,
    ClaimFilter,
    DocumentInfo,
    NoPathError,
    UnknownActorError,
    balance,
    centrality,
    claims_graph,
    communities,
    disputes,
    dyad,
    filter_claims,
    find_node,
    path,
    plot_dyad,
    summary,
)
from kg.cli import main
from kg.model import Actor, ActorType, Claim, Document, Modality

PERSON = Actor("person:kim-yong-bok", "Kim Yong Bok", ActorType.PERSON)


def test_nodes_carry_actor_attributes() -> None:
    graph = claims_graph([make_claim(KP, "militaryAid", RU), make_claim(PERSON, "visits", RU)])
    assert isinstance(graph, nx.MultiDiGraph)
    assert sorted(graph.nodes) == ["Q159", "Q423", "person:kim-yong-bok"]
    assert graph.nodes["Q423"] == {
        "label": "North Korea",
        "type": "State",
        "qid": "Q423",
        "key": "KP",
        "aliases": [],
    }
    assert graph.nodes["person:kim-yong-bok"]["qid"] is None
    assert graph.nodes["person:kim-yong-bok"]["type"] == "Person"


def test_claims_with_one_label_aggregate_into_one_edge() -> None:
    claims = [
        make_claim(KP, "militaryAid", RU, Modality.HEDGED, start=0),
        make_claim(
            KP,
            "sendsTroops",
            RU,
            Modality.HEDGED,
            document="doc-b",
            start=10,
            attributed_to=KR,
            date=dt.date(2024, 10, 18),
            confidence=0.7,
        ),
    ]
    graph = claims_graph(claims)
    assert graph.number_of_edges() == 1
    data = graph.edges["Q423", "Q159", "MILITARY_AID"]
    assert data["relation"] == "MILITARY_AID"
    # Two relation names under one label: the edge names the top-level property.
    assert data["name"] == "militaryAid"
    assert data["symmetric"] is False
    assert data["quad_class"] == "MaterialCooperation"
    assert data["modality"] == "hedged"
    assert data["count"] == 2
    assert len(data["claims"]) == 2
    record = next(c for c in data["claims"] if c["document"] == "doc-b")
    assert record["attributed_to"] == "South Korea"
    assert record["date"] == "2024-10-18"
    assert record["modality"] == "hedged"
    assert record["confidence"] == pytest.approx(0.7)
    assert record["evidence"] == claims[1].evidence
    assert {"evidence", "modality", "attributed_to", "document", "date", "confidence"} <= set(
        record
    )


def test_single_relation_name_is_kept() -> None:
    graph = claims_graph([make_claim(KP, "sendsTroops", RU)])
    assert graph.edges["Q423", "Q159", "MILITARY_AID"]["name"] == "sendsTroops"


def test_different_labels_are_parallel_edges() -> None:
    graph = claims_graph([make_claim(KR, "sanctions", KP), make_claim(KR, "condemns", KP)])
    assert sorted(k for _, _, k in graph.edges(keys=True)) == ["CRITICIZES", "SANCTIONS"]
    assert graph.edges["Q884", "Q423", "CRITICIZES"]["quad_class"] == "VerbalConflict"


@pytest.mark.parametrize(
    ("modalities", "expected"),
    [
        ((Modality.HEDGED, Modality.ASSERTED), "asserted"),
        ((Modality.ASSERTED, Modality.HEDGED), "asserted"),
        ((Modality.NEGATED, Modality.HEDGED), "hedged"),
        ((Modality.HEDGED, Modality.NEGATED), "hedged"),
        ((Modality.NEGATED, Modality.NEGATED), "negated"),
    ],
)
def test_strongest_modality_wins(modalities: tuple[Modality, Modality], expected: str) -> None:
    claims = [make_claim(KP, "militaryAid", RU, m, start=i) for i, m in enumerate(modalities)]
    graph = claims_graph(claims, modalities=("asserted", "hedged", "negated"))
    data = graph.edges["Q423", "Q159", "MILITARY_AID"]
    assert data["modality"] == expected
    assert data["count"] == 2


def test_symmetric_relations_are_stored_once_in_canonical_direction() -> None:
    claims = [
        make_claim(RU, "meets", KP, start=0),
        make_claim(KP, "meets", RU, start=50),
        make_claim(KP, "holdsSummit", RU, Modality.HEDGED, start=90),
    ]
    graph = claims_graph(claims)
    assert graph.number_of_edges() == 1
    # "Q159" < "Q423": the smaller key is the source, whoever the sentence put first.
    assert graph.has_edge("Q159", "Q423", key="MEETS")
    assert not graph.has_edge("Q423", "Q159", key="MEETS")
    data = graph.edges["Q159", "Q423", "MEETS"]
    assert data["symmetric"] is True
    assert data["count"] == 3
    assert data["modality"] == "asserted"


def test_directed_relations_keep_both_directions() -> None:
    graph = claims_graph([make_claim(KR, "criticizes", KP), make_claim(KP, "criticizes", KR)])
    assert graph.has_edge("Q884", "Q423", key="CRITICIZES")
    assert graph.has_edge("Q423", "Q884", key="CRITICIZES")


def test_negated_claims_are_left_out_by_default() -> None:
    claims = [
        make_claim(KP, "militaryAid", RU, Modality.NEGATED),
        make_claim(NATO, "criticizes", RU),
    ]
    graph = claims_graph(claims)
    assert graph.number_of_edges() == 1
    assert "Q423" not in graph  # an actor seen only in negated claims is no node
    with_negated = claims_graph(claims, modalities=("asserted", "hedged", "negated"))
    assert with_negated.edges["Q423", "Q159", "MILITARY_AID"]["modality"] == "negated"
    only_negated = claims_graph(claims, modalities=[Modality.NEGATED])
    assert list(only_negated.edges(keys=True)) == [("Q423", "Q159", "MILITARY_AID")]


def test_relation_filter_takes_labels_or_names() -> None:
    claims = [
        make_claim(KP, "sendsTroops", RU),
        make_claim(KR, "condemns", KP),
        make_claim(NATO, "sanctions", RU),
    ]
    by_label = claims_graph(claims, relations={"MILITARY_AID", "SANCTIONS"})
    assert sorted(k for _, _, k in by_label.edges(keys=True)) == ["MILITARY_AID", "SANCTIONS"]
    by_name = claims_graph(claims, relations=["condemns"])
    assert list(by_name.edges(keys=True)) == [("Q884", "Q423", "CRITICIZES")]
    assert claims_graph(claims, relations=[]).number_of_nodes() == 0


def test_the_same_claim_twice_counts_once() -> None:
    claim = make_claim(KP, "militaryAid", RU)
    graph = claims_graph([claim, claim])
    assert graph.edges["Q423", "Q159", "MILITARY_AID"]["count"] == 1


def test_graph_is_independent_of_claim_order() -> None:
    claims = [
        make_claim(KP, "militaryAid", RU, document="d1", start=1),
        make_claim(KP, "militaryAid", RU, Modality.HEDGED, document="d2", start=2),
        make_claim(RU, "meets", KP, document="d3"),
    ]
    forward, backward = claims_graph(claims), claims_graph(reversed(claims))
    assert sorted(forward.edges(keys=True, data="claims")) == sorted(
        backward.edges(keys=True, data="claims")
    )


def test_summary_counts() -> None:
    claims = [
        make_claim(KP, "militaryAid", RU, document="d1"),
        make_claim(KP, "sendsTroops", RU, Modality.HEDGED, document="d1", start=5),
        make_claim(KR, "condemns", KP, Modality.NEGATED, document="d2"),
        make_claim(NATO, "meets", KR, document="d3"),
    ]
    result = summary(claims)
    assert result["documents"] == 3
    assert result["actors"] == 4
    assert result["claims"] == 4
    assert result["relations"] == {"MILITARY_AID": 2, "CRITICIZES": 1, "MEETS": 1}
    assert list(result["relations"]) == ["MILITARY_AID", "CRITICIZES", "MEETS"]
    assert result["modalities"] == {"asserted": 2, "hedged": 1, "negated": 1}


def test_summary_of_nothing() -> None:
    assert summary(iter([])) == {
        "documents": 0,
        "actors": 0,
        "claims": 0,
        "relations": {},
        "modalities": {"asserted": 0, "hedged": 0, "negated": 0},
    }


# --- filters --------------------------------------------------------------------------

UA = Actor("UA", "Ukraine", ActorType.STATE, qid="Q212", aliases=("Ukr",))
US = Actor("US", "United States", ActorType.STATE, qid="Q30", aliases=("USA", "America"))
CN = Actor("CN", "China", ActorType.STATE, qid="Q148")

DOCS = [
    {"id": "d-reuters", "name": "r.txt", "date": "2024-03-10", "source": "Reuters"},
    {"id": "d-ap", "name": "ap.txt", "date": "2024-05-02", "source": "AP"},
    {"id": "d-plain", "name": "plain.txt", "date": None, "source": None},
]


def test_filter_by_relation_label_or_name_any_case() -> None:
    claims = [make_claim(KP, "sendsTroops", RU), make_claim(KR, "condemns", KP)]
    assert filter_claims(claims, ClaimFilter(relations=("military_aid",))) == [claims[0]]
    assert filter_claims(claims, ClaimFilter(relations=("Condemns",))) == [claims[1]]


def test_filter_modalities_default_to_asserted_and_hedged() -> None:
    claims = [
        make_claim(KP, "militaryAid", RU),
        make_claim(KP, "militaryAid", RU, Modality.HEDGED, start=1),
        make_claim(KP, "militaryAid", RU, Modality.NEGATED, start=2),
    ]
    assert filter_claims(claims) == claims[:2]
    assert filter_claims(claims, ClaimFilter(modalities=("negated",))) == claims[2:]
    with pytest.raises(AnalysisError, match="unknown modality"):
        ClaimFilter(modalities=("probable",))


def test_filter_dates_use_event_date_else_document_date() -> None:
    event = make_claim(KP, "militaryAid", RU, document="d-plain", date=dt.date(2024, 1, 5))
    from_doc = make_claim(KR, "condemns", KP, document="d-ap")
    undated = make_claim(NATO, "meets", KR, document="d-plain")
    claims = [event, from_doc, undated]
    assert filter_claims(claims, ClaimFilter(since=dt.date(2024, 2, 1)), DOCS) == [from_doc]
    assert filter_claims(claims, ClaimFilter(until=dt.date(2024, 2, 1)), DOCS) == [event]
    # Without the documents, only event dates are known.
    assert filter_claims(claims, ClaimFilter(since=dt.date(2024, 1, 1))) == [event]
    assert filter_claims(claims, ClaimFilter(), DOCS) == claims
    with pytest.raises(AnalysisError, match="after"):
        ClaimFilter(since=dt.date(2024, 2, 1), until=dt.date(2024, 1, 1))


def test_filter_confidence_actor_types_and_sources() -> None:
    sure = make_claim(KP, "militaryAid", RU, document="d-reuters", confidence=0.9)
    unsure = make_claim(KP, "militaryAid", RU, document="d-ap", start=1, confidence=0.4)
    person = make_claim(PERSON, "visits", RU, document="d-ap")
    org = make_claim(NATO, "criticizes", RU, document="d-reuters")
    claims = [sure, unsure, person, org]
    assert filter_claims(claims, ClaimFilter(min_confidence=0.5), DOCS) == [sure, person, org]
    assert filter_claims(claims, ClaimFilter(actor_types=("COUNTRY",)), DOCS) == [sure, unsure]
    both = ClaimFilter(actor_types=("State", "InternationalOrganization"))
    assert filter_claims(claims, both, DOCS) == [sure, unsure, org]
    assert filter_claims(claims, ClaimFilter(sources=("reuters",)), DOCS) == [sure, org]
    with pytest.raises(AnalysisError, match="unknown actor type"):
        ClaimFilter(actor_types=("planet",))


def test_filter_keeps_each_claim_once() -> None:
    claim = make_claim(KP, "militaryAid", RU)
    assert filter_claims([claim, claim]) == [claim]


# --- centrality and communities -------------------------------------------------------


def _star_and_pair() -> list[Claim]:
    """US is tied to four actors; KP and RU only to each other (often)."""
    return [
        make_claim(US, "supports", UA, start=1),
        make_claim(US, "criticizes", CN, start=2),
        make_claim(US, "meets", KR, start=3),
        make_claim(US, "sanctions", RU, start=4),
        make_claim(KP, "militaryAid", RU, start=5),
        make_claim(KP, "militaryAid", RU, start=6, document="doc-b"),
        make_claim(RU, "meets", KP, start=7),
    ]


def test_centrality_degree_claims_pagerank_betweenness() -> None:
    rows = centrality(claims_graph(_star_and_pair()), top=None)
    by_actor = {r["actor"]: r for r in rows}
    assert by_actor["United States"]["degree"] == 4
    assert by_actor["United States"]["claims"] == 4
    assert by_actor["Russia"]["degree"] == 2
    assert by_actor["Russia"]["claims"] == 4  # 2 military aid + 1 meeting + 1 sanction
    # US and Russia are the only bridges: every other actor has betweenness 0.
    assert by_actor["United States"]["betweenness"] > by_actor["Russia"]["betweenness"] > 0
    assert by_actor["China"]["betweenness"] == 0
    # Russia receives most weight (sanctions, two military-aid claims, a meeting).
    assert rows[0]["actor"] == "Russia"
    assert [r["rank"] for r in rows] == list(range(1, 7))
    assert sum(r["pagerank"] for r in rows) == pytest.approx(1.0, abs=1e-4)


def test_centrality_top_and_empty() -> None:
    assert len(centrality(claims_graph(_star_and_pair()), top=2)) == 2
    assert centrality(claims_graph([])) == []


def test_centrality_samples_betweenness_on_large_graphs(monkeypatch) -> None:
    calls = []
    original = nx.betweenness_centrality

    def spy(graph, *args, **kwargs):
        calls.append(kwargs)
        return original(graph, *args, **kwargs)

    monkeypatch.setattr(nx, "betweenness_centrality", spy)
    ring = nx.MultiDiGraph()
    for i in range(600):
        ring.add_node(i, label=f"a{i}")
        ring.add_edge(i, (i + 1) % 600, key="MEETS", count=1, symmetric=True)
    rows = centrality(ring, top=3)
    assert len(rows) == 3
    assert calls[-1]["k"] == 200
    assert calls[-1]["seed"] is not None
    centrality(claims_graph(_star_and_pair()))
    assert "k" not in calls[-1]


def test_communities_split_two_cliques() -> None:
    first = [US, UA, KR]
    second = [RU, KP, CN]
    claims = []
    for group in (first, second):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                claims += [make_claim(a, "cooperatesWith", b, start=n) for n in range(3)]
    claims.append(make_claim(US, "criticizes", RU))  # one weak tie between the groups
    found = communities(claims_graph(claims))
    assert [c["size"] for c in found] == [3, 3]
    assert sorted(sorted(c["members"]) for c in found) == [
        ["China", "North Korea", "Russia"],
        ["South Korea", "Ukraine", "United States"],
    ]
    assert all(c["claims_within"] == 9 for c in found)
    assert communities(claims_graph(claims)) == found  # fixed seed: the same every time
    assert communities(claims_graph([])) == []


# --- path -----------------------------------------------------------------------------


def test_path_hops_carry_relations_and_evidence() -> None:
    claims = [
        make_claim(KP, "sendsTroops", RU, Modality.HEDGED, evidence="KP may send troops."),
        make_claim(KP, "sendsTroops", RU, evidence="KP sent troops to Russia.", start=9),
        make_claim(RU, "attacks", UA, evidence="Russia struck Kyiv."),
        make_claim(UA, "meets", US, evidence="Kyiv met Washington."),
    ]
    hops = path(claims_graph(claims), "North Korea", "Q212")
    assert [(h["from"], h["to"]) for h in hops] == [
        ("North Korea", "Russia"),
        ("Russia", "Ukraine"),
    ]
    assert hops[0]["relations"] == ["MILITARY_AID →"]
    assert hops[0]["claims"] == 2
    # The asserted claim is the evidence, not the hedged one.
    assert hops[0]["evidence"] == "KP sent troops to Russia."
    assert hops[0]["modality"] == "asserted"
    assert hops[1]["evidence"] == "Russia struck Kyiv."
    back = path(claims_graph(claims), "ukr", "kp")  # alias and key, any case
    assert back[-1]["relations"] == ["MILITARY_AID ←"]
    assert path(claims_graph(claims), "Russia", "russia") == []


def test_path_unknown_actor_and_no_path() -> None:
    graph = claims_graph([make_claim(KP, "meets", RU), make_claim(US, "meets", UA)])
    with pytest.raises(UnknownActorError, match="'Atlantis'"):
        path(graph, "Atlantis", "Russia")
    with pytest.raises(NoPathError, match="not connected"):
        path(graph, "Russia", "Ukraine")
    assert isinstance(UnknownActorError("x"), kg.KgError)


def test_find_node_by_label_alias_qid_key() -> None:
    graph = claims_graph([make_claim(US, "meets", UA)])
    assert find_node(graph, "America") == "Q30"
    assert find_node(graph, "q30") == "Q30"
    assert find_node(graph, "US") == "Q30"
    assert find_node(graph, " united states ") == "Q30"
    with pytest.raises(UnknownActorError):
        find_node(graph, "Canada")


# --- dyad -----------------------------------------------------------------------------


def test_dyad_orders_claims_and_scores_months() -> None:
    claims = [
        # March: material cooperation +1, verbal cooperation +0.5 → 1.5
        make_claim(KP, "sendsTroops", RU, date=dt.date(2024, 3, 20)),
        make_claim(RU, "praises", KP, date=dt.date(2024, 3, 2)),
        # April: nothing. May: verbal conflict −0.5, material conflict −1 → −1.5,
        # a negated attack scores 0.
        make_claim(KP, "criticizes", RU, document="d-ap"),  # dated by its document
        make_claim(RU, "attacks", KP, date=dt.date(2024, 5, 9)),
        make_claim(RU, "attacks", KP, Modality.NEGATED, date=dt.date(2024, 5, 10)),
        make_claim(KP, "meets", RU, document="d-plain"),  # undated
        make_claim(KP, "meets", UA, date=dt.date(2024, 4, 1)),  # another dyad
    ]
    result = dyad(claims, "North Korea", "Russia", DOCS)
    assert (result.a, result.b) == ("North Korea", "Russia")
    assert [c["date"] for c in result.claims] == [
        "2024-03-02",
        "2024-03-20",
        "2024-05-02",
        "2024-05-09",
        "2024-05-10",
        None,
    ]
    assert result.undated == 1
    assert [(m["month"], m["claims"], m["score"]) for m in result.months] == [
        ("2024-03", 2, 1.5),
        ("2024-04", 0, 0.0),
        ("2024-05", 3, -1.5),
    ]
    assert result.months[0]["cooperation"] == 1.5
    assert result.months[2]["conflict"] == -1.5
    assert result.claims[0]["relation"] == "SUPPORTS"
    assert result.claims[0]["weight"] == 0.5
    assert result.claims[4]["weight"] == 0.0
    data = result.to_dict()
    assert data["weights"]["MaterialConflict"] == -1.0
    json.dumps(data)


def test_dyad_months_cross_a_year() -> None:
    claims = [
        make_claim(KP, "meets", RU, date=dt.date(2023, 11, 30)),
        make_claim(KP, "meets", RU, date=dt.date(2024, 1, 1), start=5),
    ]
    months = [m["month"] for m in dyad(claims, "KP", "RU").months]
    assert months == ["2023-11", "2023-12", "2024-01"]


def test_dyad_unknown_actor() -> None:
    with pytest.raises(UnknownActorError, match="Narnia"):
        dyad([make_claim(KP, "meets", RU)], "Narnia", "Russia")


def _matplotlib_or_skip() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("matplotlib is not installed (required in CI)")


def test_plot_dyad_writes_a_png(tmp_path: Path) -> None:
    _matplotlib_or_skip()
    claims = [
        make_claim(KP, "sendsTroops", RU, date=dt.date(2024, 3, 20)),
        make_claim(RU, "attacks", KP, date=dt.date(2024, 6, 9)),
    ]
    written = plot_dyad(dyad(claims, "KP", "RU"), tmp_path / "plots" / "dyad.png")
    assert written.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert written.stat().st_size > 2000


def test_plot_dyad_without_dated_claims_says_so(tmp_path: Path) -> None:
    result = dyad([make_claim(KP, "meets", RU)], "KP", "RU")
    with pytest.raises(AnalysisError, match="no dated claims"):
        plot_dyad(result, tmp_path / "d.png")


# --- balance --------------------------------------------------------------------------


def test_balance_counts_triads_and_lists_the_unbalanced() -> None:
    claims = [
        # Balanced: KP+RU, both against UA ("the enemy of my friend is my enemy").
        make_claim(KP, "alliedWith", RU),
        make_claim(RU, "attacks", UA),
        make_claim(KP, "threatens", UA),
        # Unbalanced: US+UA, US+CN, but CN against UA.
        make_claim(US, "supports", UA),
        make_claim(US, "tradeDeal", CN),
        make_claim(CN, "criticizes", UA),
        # Majority rules: two cooperation claims beat one conflict → +.
        make_claim(KR, "meets", NATO),
        make_claim(KR, "cooperatesWith", NATO),
        make_claim(KR, "criticizes", NATO),
    ]
    result = balance(claims_graph(claims))
    assert result.triads == 2
    assert result.balanced == 1
    assert result.share == 0.5
    assert result.positive == 4  # KP–RU, US–UA, US–CN, KR–NATO
    assert result.negative == 3  # RU–UA, KP–UA, CN–UA
    assert result.unbalanced == [
        {
            "actors": ["China", "Ukraine", "United States"],
            "signs": {
                "China–Ukraine": "−",
                "Ukraine–United States": "+",
                "China–United States": "+",
            },
        }
    ]
    assert result.to_dict()["share_balanced"] == 0.5


def test_balance_ties_give_no_sign() -> None:
    claims = [
        make_claim(KP, "meets", RU),
        make_claim(KP, "criticizes", RU),
        make_claim(RU, "attacks", UA),
        make_claim(KP, "attacks", UA),
    ]
    result = balance(claims_graph(claims))
    assert result.triads == 0
    assert result.share is None
    assert (result.positive, result.negative) == (0, 2)


# --- disputes -------------------------------------------------------------------------


def test_disputes_between_two_sources() -> None:
    claims = [
        make_claim(
            KP,
            "sendsTroops",
            RU,
            document="d-reuters",
            attributed_to=KR,
            evidence="Seoul says Pyongyang sent troops.",
        ),
        make_claim(
            KP,
            "militaryAid",
            RU,
            Modality.NEGATED,
            document="d-ap",
            attributed_to=KP,
            evidence="Pyongyang denied sending troops.",
        ),
        # The same source hedging its own claim is no dispute.
        make_claim(
            KP,
            "militaryAid",
            RU,
            Modality.HEDGED,
            document="d-reuters",
            start=40,
            attributed_to=KR,
            evidence="Seoul thinks more may follow.",
        ),
        # A narrator (the document's source) hedging it is.
        make_claim(
            KP,
            "militaryAid",
            RU,
            Modality.HEDGED,
            document="d-ap",
            start=80,
            evidence="Troops may have been sent.",
        ),
        # Agreement is no dispute.
        make_claim(US, "sanctions", RU, document="d-reuters"),
        make_claim(US, "sanctions", RU, document="d-ap"),
    ]
    rows = disputes(claims, DOCS)
    assert [(r["asserted_by"], r["disputed_by"], r["disputed_modality"]) for r in rows] == [
        ("South Korea", "AP", "hedged"),
        ("South Korea", "North Korea", "negated"),
    ]
    negated = rows[1]
    assert negated["subject"] == "North Korea"
    assert negated["relation"] == "MILITARY_AID"
    assert negated["object"] == "Russia"
    assert negated["asserted_evidence"] == "Seoul says Pyongyang sent troops."
    assert negated["disputed_evidence"] == "Pyongyang denied sending troops."
    assert (negated["asserted_document"], negated["disputed_document"]) == ("d-reuters", "d-ap")


def test_disputes_match_symmetric_relations_in_either_direction() -> None:
    claims = [
        make_claim(KP, "meets", RU, document="d-reuters"),
        make_claim(RU, "meets", KP, Modality.NEGATED, document="d-plain"),
    ]
    rows = disputes(claims, DOCS)
    assert [(r["asserted_by"], r["disputed_by"]) for r in rows] == [("Reuters", "plain.txt")]
    # Without document rows the narrator is the document id.
    assert disputes(claims)[0]["disputed_by"] == "d-plain"


def test_document_info_from_store_rows() -> None:
    info = DocumentInfo.from_row({"id": "x", "name": "n", "date": "2024-02-03T00:00:00"})
    assert info.date == dt.date(2024, 2, 3)
    assert info.narrator == "n"
    assert DocumentInfo.from_row({"id": "x", "date": "someday"}).date is None


# --- the CLI --------------------------------------------------------------------------


def _document(name: str, date: dt.date | None, source: str | None) -> Document:
    return Document(f"Text of {name}.", name, title=name, date=date, source=source)


@pytest.fixture
def store_uri(tmp_path: Path) -> str:
    """An embedded store with three articles from two sources, filled without spaCy."""
    reuters = _document("reuters-1", dt.date(2024, 3, 10), "Reuters")
    ap = _document("ap-1", dt.date(2024, 5, 2), "AP")
    later = _document("reuters-2", dt.date(2024, 6, 15), "Reuters")

    def claim(doc: Document, *args, **kwargs) -> Claim:
        return make_claim(*args, document=doc.doc_id, **kwargs)

    by_doc = {
        reuters: [
            claim(
                reuters,
                KP,
                "sendsTroops",
                RU,
                attributed_to=KR,
                evidence="Seoul says Pyongyang sent troops to Russia.",
            ),
            claim(reuters, RU, "attacks", UA, evidence="Russia struck Kyiv.", start=50),
            claim(reuters, US, "supports", UA, evidence="Washington backs Kyiv.", start=80),
            claim(reuters, US, "tradeDeal", CN, evidence="A trade deal with Beijing.", start=120),
        ],
        ap: [
            claim(
                ap,
                KP,
                "militaryAid",
                RU,
                Modality.NEGATED,
                attributed_to=KP,
                evidence="Pyongyang denied sending troops.",
            ),
            claim(ap, CN, "criticizes", UA, evidence="Beijing criticised Kyiv.", start=40),
            claim(ap, KP, "threatens", UA, evidence="Pyongyang threatened Kyiv.", start=70),
        ],
        later: [
            claim(later, RU, "attacks", KP, evidence="An odd strike.", confidence=0.3),
            claim(later, KP, "alliedWith", RU, evidence="The two are allies.", start=30),
        ],
    }
    uri = str(tmp_path / "store")
    with kg.open_store(uri) as store:
        for doc, claims in by_doc.items():
            store.replace_document(doc, claims)
    return uri


def run(*args: str) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def run_failing(*args: str) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code != 0
    return result.output


@pytest.mark.parametrize(
    "command",
    ["centrality", "communities", "path", "dyad", "balance", "disputes"],
)
def test_every_analyze_command_has_help_with_an_example(command: str) -> None:
    text = run("analyze", command, "--help")
    assert "Example:" in text
    for option in (
        "--relation",
        "--modality",
        "--since",
        "--until",
        "--min-confidence",
        "--actor-type",
        "--source",
        "--format",
        "--store",
    ):
        assert option in text


def test_cli_centrality_formats(store_uri: str) -> None:
    table = run("analyze", "centrality", "--store", store_uri)
    assert table.splitlines()[0].split() == [
        "rank",
        "actor",
        "type",
        "degree",
        "claims",
        "pagerank",
        "betweenness",
    ]
    assert "Ukraine" in table
    rows = list(
        csv.DictReader(
            io.StringIO(run("analyze", "centrality", "--store", store_uri, "--format", "csv"))
        )
    )
    by_actor = {r["actor"]: r for r in rows}
    assert by_actor["Ukraine"]["degree"] == "4"  # RU, US, CN, KP
    data = json.loads(
        run("analyze", "centrality", "--store", store_uri, "--format", "json", "--top", "2")
    )
    assert len(data) == 2
    assert {"rank", "actor", "pagerank", "betweenness"} <= set(data[0])


def test_cli_filters_change_the_result(store_uri: str) -> None:
    def actors(*extra: str) -> set[str]:
        out = run("analyze", "centrality", "--store", store_uri, "--format", "json", *extra)
        return {r["actor"] for r in json.loads(out)}

    everyone = {"North Korea", "Russia", "Ukraine", "United States", "China"}
    assert actors() == everyone
    assert actors("--relation", "TRADE") == {"United States", "China"}
    assert actors("--relation", "tradeDeal", "--relation", "criticizes") == {
        "United States",
        "China",
        "Ukraine",
    }
    assert actors("--source", "AP") == {"China", "Ukraine", "North Korea"}
    assert actors("--since", "2024-06-01") == {"North Korea", "Russia"}
    assert actors("--until", "2024-04-01") == everyone
    assert actors("--since", "2024-04-01", "--until", "2024-05-31") == {
        "China",
        "Ukraine",
        "North Korea",
    }
    assert actors("--modality", "negated") == {"North Korea", "Russia"}
    assert actors("--actor-type", "Person") == set()
    output = run_failing("analyze", "centrality", "--store", store_uri, "--relation", "HUGS")
    assert "unknown relation" in output
    output = run_failing("analyze", "centrality", "--store", store_uri, "--actor-type", "x")
    assert "unknown actor type" in output


def test_cli_min_confidence(store_uri: str) -> None:
    def score(*extra: str) -> float:
        out = run("analyze", "dyad", "KP", "RU", "--store", store_uri, "--format", "json", *extra)
        return sum(m["score"] for m in json.loads(out)["months"])

    assert score() == 1.0  # +1 troops, −1 the odd strike, +1 allies
    assert score("--min-confidence", "0.5") == 2.0


def test_cli_communities_formats(store_uri: str) -> None:
    table = run("analyze", "communities", "--store", store_uri)
    assert "members" in table.splitlines()[0]
    rows = list(
        csv.DictReader(
            io.StringIO(run("analyze", "communities", "--store", store_uri, "--format", "csv"))
        )
    )
    members = [m for r in rows for m in r["members"].split("; ")]
    assert sorted(members) == ["China", "North Korea", "Russia", "Ukraine", "United States"]
    data = json.loads(run("analyze", "communities", "--store", store_uri, "--format", "json"))
    assert sum(c["size"] for c in data) == 5


def test_cli_path_formats_and_errors(store_uri: str) -> None:
    table = run(
        "analyze", "path", "North Korea", "China", "--store", store_uri, "--modality", "asserted"
    )
    assert "Pyongyang threatened Kyiv." in table
    assert "Beijing criticised Kyiv." in table
    rows = list(
        csv.DictReader(
            io.StringIO(
                run("analyze", "path", "Q423", "Q148", "--store", store_uri, "--format", "csv")
            )
        )
    )
    assert [(r["from"], r["to"]) for r in rows] == [
        ("North Korea", "Ukraine"),
        ("Ukraine", "China"),
    ]
    assert rows[0]["relations"] == "THREATENS →"
    data = json.loads(run("analyze", "path", "KP", "CN", "--store", store_uri, "--format", "json"))
    assert data[1]["evidence"] == "Beijing criticised Kyiv."
    assert "no actor called 'Narnia'" in run_failing(
        "analyze", "path", "Narnia", "China", "--store", store_uri
    )
    assert "not connected" in run_failing(
        "analyze",
        "path",
        "KP",
        "China",
        "--store",
        store_uri,
        "--relation",
        "MILITARY_AID",
        "--relation",
        "TRADE",
    )


def test_cli_dyad_formats_and_plot(store_uri: str, tmp_path: Path) -> None:
    table = run("analyze", "dyad", "North Korea", "Russia", "--store", store_uri)
    assert "North Korea – Russia: 3 claims" in table
    assert "2024-03" in table and "2024-06" in table
    rows = list(
        csv.DictReader(
            io.StringIO(run("analyze", "dyad", "KP", "RU", "--store", store_uri, "--format", "csv"))
        )
    )
    assert [(r["month"], r["relation"], r["weight"]) for r in rows] == [
        ("2024-03", "MILITARY_AID", "1"),
        ("2024-06", "ATTACKS", "-1"),
        ("2024-06", "ALLIED_WITH", "1"),
    ]
    assert rows[0]["source"] == "South Korea"
    data = json.loads(run("analyze", "dyad", "KP", "RU", "--store", store_uri, "--format", "json"))
    assert [(m["month"], m["score"]) for m in data["months"]] == [
        ("2024-03", 1.0),
        ("2024-04", 0.0),
        ("2024-05", 0.0),
        ("2024-06", 0.0),
    ]
    _matplotlib_or_skip()
    plot = tmp_path / "dyad.png"
    run("analyze", "dyad", "KP", "RU", "--store", store_uri, "--plot", plot)
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_cli_balance_formats(store_uri: str) -> None:
    table = run("analyze", "balance", "--store", store_uri)
    # Triads: KP–RU–UA (+ allied, − attack, − threat: balanced) and
    # US–UA–CN (+, +, −: unbalanced); KP–RU is + (2 cooperation vs 1 attack).
    assert "2 signed triads, 1 balanced (50%)" in table
    assert "unbalanced triads:" in table
    rows = list(
        csv.DictReader(
            io.StringIO(run("analyze", "balance", "--store", store_uri, "--format", "csv"))
        )
    )
    assert rows == [
        {
            "actor_a": "China",
            "actor_b": "Ukraine",
            "actor_c": "United States",
            "a_b": "−",
            "b_c": "+",
            "a_c": "+",
        }
    ]
    data = json.loads(run("analyze", "balance", "--store", store_uri, "--format", "json"))
    assert data["triads"] == 2
    assert data["share_balanced"] == 0.5


def test_cli_disputes_formats(store_uri: str) -> None:
    table = run("analyze", "disputes", "--store", store_uri)
    assert "North Korea –MILITARY_AID→ Russia" in table
    assert "asserted by South Korea" in table
    assert "negated by North Korea" in table
    assert "1 disputed claims" in table
    rows = list(
        csv.DictReader(
            io.StringIO(run("analyze", "disputes", "--store", store_uri, "--format", "csv"))
        )
    )
    assert len(rows) == 1
    assert rows[0]["disputed_evidence"] == "Pyongyang denied sending troops."
    data = json.loads(run("analyze", "disputes", "--store", store_uri, "--format", "json"))
    assert data[0]["asserted_by"] == "South Korea"
    # Reading asserted claims only leaves nothing to dispute.
    assert (
        json.loads(
            run(
                "analyze",
                "disputes",
                "--store",
                store_uri,
                "--format",
                "json",
                "--modality",
                "asserted",
            )
        )
        == []
    )


def test_viz_takes_the_shared_filters(store_uri: str, tmp_path: Path) -> None:
    out = run("viz", "--store", store_uri, "-o", tmp_path / "all.html")
    assert out.startswith("5 actors, ")
    out = run("viz", "--store", store_uri, "-o", tmp_path / "t.html", "--relation", "TRADE")
    assert out.startswith("2 actors, 1 relations")
    out = run(
        "viz",
        "--store",
        store_uri,
        "-o",
        tmp_path / "s.html",
        "--since",
        "2024-06-01",
        "--min-confidence",
        "0.5",
    )
    assert out.startswith("2 actors, 1 relations")
    out = run(
        "viz", "--store", store_uri, "-o", tmp_path / "n.html", "--show-negated", "--source", "AP"
    )
    assert out.startswith("4 actors, 3 relations")
    assert (tmp_path / "n.html").is_file()
