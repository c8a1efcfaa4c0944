"""The actor gazetteer: coverage, well-formed rows, and QIDs that agree with the gold."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kg.extract.gazetteer import load_gazetteer
from kg.model import ActorType

ROOT = Path(__file__).resolve().parents[1]
GOLD_FILES = [
    ROOT / "tests" / "data" / "samples_gold.jsonl",
    ROOT.parent / "shared" / "eval" / "dev.jsonl",
]


def test_coverage_of_states_organisations_and_groups() -> None:
    gaz = load_gazetteer()
    counts = {kind: 0 for kind in ActorType}
    for actor in gaz.actors.values():
        counts[actor.type] += 1
    # Every UN member (193) and observer (2), plus Taiwan and Kosovo.
    assert counts[ActorType.STATE] >= 197
    assert counts[ActorType.ORGANIZATION] >= 40
    assert counts[ActorType.GROUP] >= 40
    for key in ("TW", "XK", "PS", "VA", "KP", "KR"):
        assert gaz.actors[key].type is ActorType.STATE
    for org in ("NATO", "UN", "EU", "ASEAN", "ECOWAS", "BRICS", "G7", "G20", "IP4", "QUAD"):
        assert any(a.key.upper() == f"ORG:{org}" for a in gaz.actors.values()), org


def test_rows_are_well_formed() -> None:
    gaz = load_gazetteer()
    for actor in gaz.actors.values():
        assert actor.label.strip() == actor.label and actor.label
        if actor.qid is not None:
            assert re.fullmatch(r"Q[1-9][0-9]*", actor.qid), actor
        if actor.type is ActorType.STATE:
            assert actor.iso2 and re.fullmatch(r"[A-Z]{2}", actor.iso2), actor
    qids = [a.qid for a in gaz.actors.values() if a.qid]
    assert len(qids) == len(set(qids)), "two actors share a QID"


def test_surface_forms_resolve_to_the_expected_actor() -> None:
    forms = load_gazetteer().forms
    expected = {
        "North Korea": ("KP", "name"),
        "DPRK": ("KP", "name"),
        "Pyongyang": ("KP", "capital"),
        "Kremlin": ("RU", "seat"),
        "Russian": ("RU", "demonym"),
        "NATO": ("org:NATO", "name"),
    }
    for form, (key, kind) in expected.items():
        assert (forms[form].key, forms[form].kind) == (key, kind), form


@pytest.mark.parametrize("gold", GOLD_FILES, ids=lambda p: p.name)
def test_qids_agree_with_the_gold_entities(gold: Path) -> None:
    if not gold.exists():
        pytest.skip(f"{gold} is not present")
    gaz = load_gazetteer()
    by_form = {form.casefold(): known.key for form, known in gaz.forms.items()}
    disagreements = []
    for line in gold.read_text("utf-8").splitlines():
        for entity in json.loads(line)["entities"]:
            if not entity.get("wikidata"):
                continue
            names = [entity["label"], *entity.get("aliases", [])]
            key = next((by_form[n.casefold()] for n in names if n.casefold() in by_form), None)
            if key is None:
                continue
            ours = gaz.actors[key].qid
            if ours is not None and ours != entity["wikidata"]:
                disagreements.append((entity["label"], entity["wikidata"], ours))
    assert not disagreements
