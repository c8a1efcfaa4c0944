"""kg.evaluate and ``kg eval``: the scoring contract of shared/eval/README.md.

The unit tests score hand-made predictions against tests/data/eval_small.jsonl, five
short passages written and annotated for these tests. One test checks that the headline
numbers on the shared dev set equal those of the reference scorer.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kg.errors import BadInputError
from kg.evaluate import (
    GoldPassage,
    fold_name,
    format_report,
    load_gold,
    load_predictions,
    score,
)

DATA = Path(__file__).parent / "data"
SMALL = DATA / "eval_small.jsonl"
SHARED_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


@pytest.fixture(scope="module")
def gold() -> list[GoldPassage]:
    return load_gold(SMALL)


def pred(
    doc: str,
    subject: Any,
    relation: str,
    obj: Any,
    modality: str = "asserted",
    attributed_to: Any = None,
    evidence: str = "",
) -> dict[str, Any]:
    """A prediction record; a bare string stands for ``{"label": ..., "wikidata": None}``."""

    def ref(value: Any) -> Any:
        return {"label": value, "wikidata": None} if isinstance(value, str) else value

    return {
        "doc": doc,
        "subject": ref(subject),
        "relation": relation,
        "object": ref(obj),
        "modality": modality,
        "attributed_to": ref(attributed_to),
        "evidence": evidence,
    }


def perfect_predictions(gold: list[GoldPassage]) -> list[dict[str, Any]]:
    """Every gold relation restated as a prediction, by entity label."""
    out = []
    for passage in gold:
        for rel in passage.relations:
            source = passage.name(rel.attributed_to) if rel.attributed_to else None
            out.append(
                pred(
                    passage.id,
                    passage.name(rel.subject),
                    rel.relation,
                    passage.name(rel.object),
                    rel.modality,
                    source,
                )
            )
    return out


# ---------------------------------------------------------------- gold reading


def test_load_gold_reads_passages_and_keeps_strongest_duplicate(gold):
    assert [p.id for p in gold] == ["small-01", "small-02", "small-03", "small-04", "small-05"]
    assert sum(len(p.relations) for p in gold) == 17
    # small-02 states Iran → Russia military aid twice: hedged (Ukraine) and negated (Iran).
    (aid,) = [r for r in gold[1].relations if r.relation == "MILITARY_AID"]
    assert (aid.modality, aid.attributed_to) == ("hedged", "e1")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "JSON object"),
        ('{"id": "x", "text": "t", "entities": [], "relations": [1]}', "must be an object"),
        (
            '{"id": "x", "text": "t", "entities": [{"id": "e1", "label": "A"}],'
            ' "relations": [{"subject": "e1", "relation": "LIKES", "object": "e1"}]}',
            "unknown relation label",
        ),
        (
            '{"id": "x", "text": "t", "entities": [{"id": "e1", "label": "A"}],'
            ' "relations": [{"subject": "e1", "relation": "MEETS", "object": "e9"}]}',
            "'e9' is not an entity id",
        ),
        (
            '{"id": "x", "text": "t", "entities": [{"id": "e1", "label": "A"}],'
            ' "relations": [{"subject": "e1", "relation": "MEETS", "object": "e1",'
            ' "modality": "probably"}]}',
            "modality must be one of",
        ),
        ('{"id": "small-01", "text": "again"}', "already used on line 1"),
    ],
)
def test_malformed_gold_names_file_and_line(tmp_path, line, reason):
    path = tmp_path / "gold.jsonl"
    first = SMALL.read_text("utf-8").splitlines()[0]
    path.write_text(f"{first}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        load_gold(path)
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{path}:3: ")
    assert reason in str(caught.value)


def test_fold_name_drops_case_accents_punctuation_and_leading_the():
    assert fold_name("The U.S.") == fold_name("u s") == "u s"
    assert fold_name("Türkiye") == "turkiye"
    assert fold_name("Theodore") == "theodore"


# ---------------------------------------------------------------- scoring


def test_perfect_predictions_score_one(gold):
    report = score(gold, perfect_predictions(gold))
    assert (report.tp, report.fp, report.fn) == (17, 0, 0)
    assert report.f1 == report.precision == report.recall == 1.0
    assert report.modality_accuracy == 1.0
    assert report.attribution_accuracy == 1.0
    assert report.attribution_total == 4
    assert all(not p.misses and not p.false_alarms for p in report.passages)


def test_no_predictions_score_zero_with_every_gold_relation_missed(gold):
    report = score(gold, [])
    assert (report.tp, report.fp, report.fn) == (0, 0, 17)
    assert report.f1 == 0.0
    assert sum(len(p.misses) for p in report.passages) == 17


def test_swapped_symmetric_pair_still_matches(gold):
    # Gold writes Finland MEETS Estonia and India TRADE Brazil; predict the other order.
    report = score(
        gold,
        [
            pred("small-01", "Estonia", "MEETS", "Finland"),
            pred("small-05", "Brazil", "TRADE", "India"),
        ],
    )
    assert (report.tp, report.fp) == (2, 0)
    assert report.labels["MEETS"].tp == report.labels["TRADE"].tp == 1


def test_swapped_directed_pair_does_not_match(gold):
    report = score(gold, [pred("small-02", "Russia", "MILITARY_AID", "Iran", "hedged")])
    assert (report.tp, report.fp) == (0, 1)
    assert report.labels["MILITARY_AID"].fp == 1
    assert report.labels["MILITARY_AID"].fn == 2  # small-02 and small-03
    assert [m.relation for m in report.passages[1].misses] == [
        "Ukraine ATTACKS Russia [asserted]",
        "Iran MILITARY_AID Russia [hedged]",
    ]
    alarms = report.passages[1].false_alarms
    assert [a.relation for a in alarms] == ["Russia MILITARY_AID Iran [hedged]"]


def test_unresolvable_entity_is_a_false_alarm(gold):
    report = score(
        gold,
        [
            pred("small-04", "Vietnam", "CRITICIZES", "Philippines", evidence="Hanoi protested."),
            pred("small-04", "China", "CRITICIZES", "Philippines"),
        ],
    )
    assert (report.tp, report.fp) == (1, 1)
    assert report.labels["CRITICIZES"].fp == 1
    (alarm,) = report.passages[3].false_alarms
    assert alarm.relation.startswith("Vietnam CRITICIZES Philippines")
    assert "subject" in alarm.note
    assert alarm.evidence == "Hanoi protested."


def test_entities_match_by_qid_first_then_folded_label_or_alias(gold):
    report = score(
        gold,
        [
            # A QID of the passage wins over a label it does not know.
            pred("small-03", {"label": "America", "wikidata": "Q30"}, "SANCTIONS", "Iran"),
            # Accent and punctuation folded, leading "the" dropped, aliases both ways.
            pred("small-03", "the U.S", "MILITARY_AID", "Turkiye", "negated", "US"),
            pred(
                "small-04",
                {"label": "PRC", "wikidata": None, "aliases": ["Beijing"]},
                "CRITICIZES",
                "The Philippines",
            ),
        ],
    )
    assert (report.tp, report.fp) == (3, 0)
    assert report.attribution_accuracy == 1.0


def test_duplicate_predictions_count_once_with_strongest_modality(gold):
    # Gold: Iran MILITARY_AID Russia, hedged. Negated then hedged, in both orders.
    for order in ((("negated", "hedged")), ("hedged", "negated")):
        report = score(gold, [pred("small-02", "Iran", "MILITARY_AID", "Russia", m) for m in order])
        assert (report.tp, report.fp) == (1, 0)
        assert report.modality_accuracy == 1.0
    # Asserted beats hedged, so the kept prediction now has the wrong modality.
    report = score(
        gold,
        [
            pred("small-02", "Iran", "MILITARY_AID", "Russia", "hedged"),
            pred("small-02", "Tehran", "MILITARY_AID", "Moscow", "asserted"),
        ],
    )
    assert (report.tp, report.fp, report.modality_correct) == (1, 0, 0)


def test_modality_and_attribution_accuracy_count_matches_only(gold):
    report = score(
        gold,
        [
            # Match, right modality, wrong attribution (gold: Ukraine).
            pred("small-02", "Iran", "MILITARY_AID", "Russia", "hedged", "Iran"),
            # Match, wrong modality (gold: negated), right attribution.
            pred("small-03", "United States", "MILITARY_AID", "Türkiye", "asserted", "US"),
            # Match without gold attribution: counts for modality only.
            pred("small-04", "China", "CRITICIZES", "Philippines", "hedged"),
            # False alarms: their modality and attribution are not judged.
            pred("small-04", "Japan", "CRITICIZES", "China", "asserted", "Japan"),
            pred("small-05", "South Africa", "AID", "India", "asserted", "Nobody"),
        ],
    )
    assert (report.tp, report.fp) == (3, 2)
    assert (report.modality_correct, report.modality_accuracy) == (1, pytest.approx(1 / 3))
    assert (report.attribution_correct, report.attribution_total) == (1, 2)
    assert report.attribution_accuracy == 0.5
    notes = [m.note for p in report.passages for m in p.mismatches]
    assert "attributed to Iran, gold Ukraine" in notes
    assert "modality asserted, gold negated" in notes


def test_per_label_counts_and_scores(gold):
    report = score(
        gold,
        [
            pred("small-05", "Brazil", "MEETS", "India"),
            pred("small-05", "India", "MEETS", "South Africa"),
            pred("small-05", "Brazil", "MEETS", "Brasília"),  # gold has no such meeting
            pred("small-01", "Estonia", "ATTACKS", "Finland"),
            pred("small-01", "Estonia", "ATTACKS", "Latvia"),  # unresolved, still ATTACKS
        ],
    )
    meets, attacks = report.labels["MEETS"], report.labels["ATTACKS"]
    assert (meets.tp, meets.fp, meets.fn) == (2, 1, 2)  # gold: 4 meetings (3 + 1)
    assert meets.precision == pytest.approx(2 / 3)
    assert meets.recall == 0.5
    assert meets.f1 == pytest.approx(4 / 7)
    assert (attacks.tp, attacks.fp, attacks.fn) == (0, 2, 1)
    assert report.labels["SANCTIONS"].fn == 1
    assert (report.tp, report.fp, report.fn) == (2, 3, 15)


def test_unknown_passage_is_ignored_and_unknown_label_is_false(gold):
    report = score(
        gold,
        [
            pred("no-such-passage", "Estonia", "MEETS", "Finland"),
            pred("small-01", "Estonia", "LIKES", "Finland"),
        ],
    )
    assert (report.tp, report.fp) == (0, 1)
    assert sum(s.fp for s in report.labels.values()) == 0
    assert sum(report.ignored.values()) == 2


def test_format_report_ends_with_headline_and_verbose_shows_evidence(gold):
    predictions = [
        pred("small-01", "Estonia", "MEETS", "Finland"),
        pred("small-01", "Estonia", "SANCTIONS", "Finland", evidence="Tallinn expelled envoys."),
    ]
    report = score(gold, predictions)
    text = format_report(report)
    assert text.splitlines()[-1] == "relations F1 0.105 P 0.500 R 0.059"
    assert "MEETS" in text and "Tallinn expelled envoys." not in text
    verbose = format_report(report, verbose=True)
    assert verbose.splitlines()[-1] == text.splitlines()[-1]
    assert "“Tallinn expelled envoys.”" in verbose  # predicted evidence of a false alarm
    assert "“Tehran denied sending any weapons to Moscow.”" not in verbose  # weaker dup
    assert "Ukraine said on Monday that Iran may be supplying Russia" in verbose  # miss
    data = json.loads(report.to_json())
    assert (data["tp"], data["fp"], data["fn"]) == (1, 1, 16)
    assert data["labels"]["SANCTIONS"]["fp"] == 1


def test_load_predictions_names_bad_line(tmp_path):
    path = tmp_path / "pred.jsonl"
    path.write_text('{"doc": "a"}\n\n[1]\n', encoding="utf-8")
    with pytest.raises(BadInputError, match=r"pred\.jsonl:3: "):
        load_predictions(path)


# ---------------------------------------------------------------- end to end


def test_cli_eval_extracts_and_reports(cli):
    result = cli("eval", SMALL)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("relations F1 ")
    assert lines[0].split() == ["label", "tp", "fp", "fn", "P", "R", "F1"]

    result = cli("eval", SMALL, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["gold"] == 17 and data["passages"] == 5
    assert 0.0 <= data["f1"] <= 1.0


def test_cli_eval_scores_a_predictions_file(cli, tmp_path, gold):
    path = tmp_path / "pred.jsonl"
    path.write_text(
        "".join(json.dumps(p) + "\n" for p in perfect_predictions(gold)), encoding="utf-8"
    )
    result = cli("eval", SMALL, "--predictions", path, "--verbose")
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == "relations F1 1.000 P 1.000 R 1.000"


def test_cli_eval_rejects_malformed_gold(cli, tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "x", "text": "t", "entities": "none"}\n', encoding="utf-8")
    result = cli("eval", path, "--predictions", path)
    assert result.exit_code == 1
    assert f"{path}:1:" in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_EVAL / "dev.jsonl").is_file(), reason="no shared dev set")
def test_dev_headline_equals_reference_scorer(tmp_path):
    from kg.api import extract_records

    gold_path = SHARED_EVAL / "dev.jsonl"
    pred_path = tmp_path / "pred.jsonl"
    buffer = io.StringIO()
    extract_records([gold_path], buffer)
    pred_path.write_text(buffer.getvalue(), encoding="utf-8")
    assert buffer.getvalue().strip(), "extraction produced no predictions to compare"

    def reference(*extra: str) -> str:
        done = subprocess.run(
            [sys.executable, str(SHARED_EVAL / "score.py"), str(gold_path), str(pred_path), *extra],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return done.stdout

    theirs = json.loads(reference("--json"))
    ours = score(load_gold(gold_path), load_predictions(pred_path))
    assert (ours.tp, ours.fp, ours.fn) == (theirs["tp"], theirs["fp"], theirs["fn"])
    assert ours.f1 == pytest.approx(theirs["f1"])
    assert ours.modality_accuracy == pytest.approx(theirs["modality_accuracy"])
    assert ours.attribution_accuracy == pytest.approx(theirs["attribution_accuracy"])
    for label, counts in theirs["labels"].items():
        mine = ours.labels[label]
        assert (mine.tp, mine.fp, mine.fn) == (counts["tp"], counts["fp"], counts["fn"]), label
    headline = reference().strip().splitlines()[-1]
    assert format_report(ours).splitlines()[-1] == headline
