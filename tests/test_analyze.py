"""Tests for kg.analyze: the networkx projection of claims and the summary counts."""

from __future__ import annotations

import datetime as dt

import networkx as nx
import pytest

from kg.analyze import claims_graph, summary
from kg.model import Actor, ActorType, Claim, Modality
from kg.ontology import relation

KP = Actor("KP", "North Korea", ActorType.STATE, qid="Q423")
RU = Actor("RU", "Russia", ActorType.STATE, qid="Q159")
KR = Actor("KR", "South Korea", ActorType.STATE, qid="Q884")
NATO = Actor("NATO", "NATO", ActorType.ORGANIZATION, qid="Q7184")
PERSON = Actor("person:kim-yong-bok", "Kim Yong Bok", ActorType.PERSON)


def make_claim(
    subject: Actor,
    rel: str,
    obj: Actor,
    modality: Modality = Modality.ASSERTED,
    *,
    document: str = "doc-a",
    evidence: str | None = None,
    start: int = 0,
    attributed_to: Actor | None = None,
    date: dt.date | None = None,
    confidence: float = 0.9,
) -> Claim:
    evidence = evidence or f"{subject.label} {rel} {obj.label}."
    return Claim(
        subject=subject,
        relation=relation(rel),
        object=obj,
        modality=modality,
        document=document,
        evidence=evidence,
        sentence=0,
        start=start,
        end=start + len(evidence),
        confidence=confidence,
        attributed_to=attributed_to,
        event_date=date,
    )


def test_nodes_carry_actor_attributes() -> None:
    graph = claims_graph([make_claim(KP, "militaryAid", RU), make_claim(PERSON, "visits", RU)])
    assert isinstance(graph, nx.MultiDiGraph)
    assert sorted(graph.nodes) == ["Q159", "Q423", "person:kim-yong-bok"]
    assert graph.nodes["Q423"] == {"label": "North Korea", "type": "State", "qid": "Q423"}
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
