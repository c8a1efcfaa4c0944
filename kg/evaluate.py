"""Score extracted relations against hand-annotated gold passages (``kg eval``).

The contract is the one of ``shared/eval/README.md``: a predicted relation is a record
``{"doc", "subject", "relation", "object", "modality", "attributed_to"}``; it is a hit
when its passage has a gold relation with the same label between the same gold entities.
Entities are resolved by Wikidata QID first, then by label and aliases, compared
case-, accent- and punctuation-folded with a leading "the" dropped. One relation counts
per (subject, label, object) and passage, with the strongest modality (rule 4); the
symmetric labels match in either order (rule 5). A predicted relation whose subject or
object names no gold entity of its passage is a false alarm.

>>> from kg.evaluate import load_gold, score, format_report
>>> gold = load_gold("tests/data/eval_small.jsonl")              # doctest: +SKIP
>>> report = score(gold, [{"doc": "small-01", "subject": {"label": "Estonia"},
...     "relation": "MEETS", "object": {"label": "Finland"}}])  # doctest: +SKIP
>>> print(format_report(report).splitlines()[-1])                # doctest: +SKIP
relations F1 0.111 P 1.000 R 0.059
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import BadInputError
from kg.ontology import SCORING_LABELS

__all__ = [
    "LABELS",
    "MODALITIES",
    "SYMMETRIC_LABELS",
    "EvalReport",
    "Finding",
    "GoldEntity",
    "GoldPassage",
    "GoldRelation",
    "LabelScore",
    "PassageResult",
    "evaluate",
    "fold_name",
    "format_report",
    "load_gold",
    "load_predictions",
    "score",
]

PathLike = str | os.PathLike[str]
Key = tuple[str, str, str]
"""(subject entity id, label, object entity id); symmetric labels in sorted id order."""

LABELS: frozenset[str] = frozenset(SCORING_LABELS)
"""The fifteen relation labels of the scoring contract."""

SYMMETRIC_LABELS: frozenset[str] = frozenset(
    {"ALLIED_WITH", "AT_WAR_WITH", "AGREEMENT_WITH", "MEETS", "COOPERATES_WITH", "TRADE"}
)
"""Labels written once in the gold and matched in either direction (rule 5)."""

MODALITIES: tuple[str, ...] = ("asserted", "hedged", "negated")
_STRENGTH = {"asserted": 3, "hedged": 2, "negated": 1}
_ENTITY_TYPES = frozenset({"COUNTRY", "ORG", "PERSON", "GROUP", "OTHER"})

_NOT_WORD = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


def fold_name(name: str | None) -> str:
    """A name as the scorer compares it: no case, accents, punctuation or leading "the".

    >>> fold_name("The Kremlin"), fold_name("Türkiye"), fold_name("U.S.")
    ('kremlin', 'turkiye', 'u s')
    """
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = _SPACES.sub(" ", _NOT_WORD.sub(" ", plain)).strip()
    return plain.removeprefix("the ")


def _strength(modality: Any) -> int:
    """Rank of a modality for "strongest wins"; unknown values rank below negated."""
    return _STRENGTH.get(modality, 0) if isinstance(modality, str) else 0


def _key(subject: str, label: str, obj: str) -> Key:
    if label in SYMMETRIC_LABELS and obj < subject:
        subject, obj = obj, subject
    return (subject, label, obj)


# --------------------------------------------------------------------------- gold


@dataclass(frozen=True, slots=True)
class GoldEntity:
    """An annotated entity of one passage."""

    id: str
    label: str
    type: str
    wikidata: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GoldRelation:
    """An annotated relation; ``subject``, ``object``, ``attributed_to`` are entity ids."""

    subject: str
    relation: str
    object: str
    modality: str = "asserted"
    attributed_to: str | None = None
    evidence: str = ""

    @property
    def key(self) -> Key:
        """The (subject, label, object) it is counted under, order-free when symmetric."""
        return _key(self.subject, self.relation, self.object)


@dataclass(frozen=True)
class GoldPassage:
    """One gold passage: its text, entities and relations (one per key, rule 4).

    ``resolve`` maps a predicted entity reference to the id of a gold entity.

    >>> p = GoldPassage("d1", "…", (GoldEntity("e1", "United States", "COUNTRY", "Q30",
    ...     ("US", "Washington")),), ())
    >>> p.resolve({"label": "the US"}), p.resolve({"label": "x", "wikidata": "Q30"})
    ('e1', 'e1')
    """

    id: str
    text: str
    entities: tuple[GoldEntity, ...]
    relations: tuple[GoldRelation, ...]
    _by_qid: dict[str, str] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_qid: dict[str, str] = {}
        by_name: dict[str, str] = {}
        for entity in self.entities:
            if entity.wikidata:
                by_qid[entity.wikidata] = entity.id  # a repeated QID: the last entity wins
            for name in (entity.label, *entity.aliases):
                folded = fold_name(name)
                if folded:
                    by_name.setdefault(folded, entity.id)
        object.__setattr__(self, "_by_qid", by_qid)
        object.__setattr__(self, "_by_name", by_name)

    @property
    def by_key(self) -> dict[Key, GoldRelation]:
        """The relations indexed by their counting key."""
        return {rel.key: rel for rel in self.relations}

    def entity(self, entity_id: str) -> GoldEntity | None:
        """The entity with this id, if any."""
        return next((e for e in self.entities if e.id == entity_id), None)

    def name(self, entity_id: str | None) -> str:
        """The display label of an entity id."""
        entity = self.entity(entity_id) if entity_id else None
        return entity.label if entity else str(entity_id)

    def resolve(self, ref: Any) -> str | None:
        """Gold entity id for a predicted reference (a mapping or a bare label), or None.

        The QID decides when it names an entity of the passage; otherwise the label and
        then the predicted aliases are looked up among the gold labels and aliases.
        """
        if not ref:
            return None
        if isinstance(ref, str):
            ref = {"label": ref}
        if not isinstance(ref, Mapping):
            return None
        qid = ref.get("wikidata")
        if isinstance(qid, str) and qid in self._by_qid:
            return self._by_qid[qid]
        aliases = ref.get("aliases") or ()
        if isinstance(aliases, str):
            aliases = (aliases,)
        for name in (ref.get("label"), *aliases):
            if isinstance(name, str):
                hit = self._by_name.get(fold_name(name))
                if hit:
                    return hit
        return None


def load_gold(path: PathLike) -> list[GoldPassage]:
    """Read a gold JSONL file (format of ``shared/eval/README.md``).

    Duplicate relations of one key keep the strongest modality (rule 4).

    >>> passages = load_gold("tests/data/eval_small.jsonl")  # doctest: +SKIP
    >>> passages[0].id, len(passages[0].relations)            # doctest: +SKIP
    ('small-01', 5)

    Raises :class:`~kg.errors.BadInputError` naming the file and line of the first
    malformed passage (bad JSON, missing field, unknown label or entity id, …).
    """
    where = str(path)
    try:
        handle = open(path, encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as err:
        raise BadInputError(where, f"cannot read gold file: {err.strerror or err}") from err
    passages: list[GoldPassage] = []
    seen: dict[str, int] = {}
    with handle:
        try:
            for lineno, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                passage = _parse_passage(where, lineno, line)
                if passage.id in seen:
                    raise BadInputError(
                        where,
                        f"passage id {passage.id!r} already used on line {seen[passage.id]}",
                        lineno,
                    )
                seen[passage.id] = lineno
                passages.append(passage)
        except UnicodeDecodeError as err:
            raise BadInputError(where, f"not UTF-8 text: {err.reason}") from err
    if not passages:
        raise BadInputError(where, "gold file holds no passages")
    return passages


def _parse_passage(path: str, lineno: int, line: str) -> GoldPassage:
    def bad(reason: str) -> BadInputError:
        return BadInputError(path, reason, lineno)

    try:
        row = json.loads(line)
    except json.JSONDecodeError as err:
        raise bad(f"not valid JSON: {err.msg} (col {err.colno})") from err
    if not isinstance(row, dict):
        raise bad("a gold passage must be a JSON object")
    raw_id = row.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
        raise bad("field 'id' must be a non-empty string")
    passage_id = str(raw_id).strip()  # as kg.ingest names the document
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad(f"{passage_id}: field 'text' must be a non-empty string")
    entities = _parse_entities(row.get("entities", []), passage_id, bad)
    ids = {e.id for e in entities}
    relations: dict[Key, GoldRelation] = {}
    raw_relations = row.get("relations", [])
    if not isinstance(raw_relations, list):
        raise bad(f"{passage_id}: field 'relations' must be a list")
    for number, raw in enumerate(raw_relations, 1):
        what = f"{passage_id}: relation {number}"
        if not isinstance(raw, dict):
            raise bad(f"{what} must be an object")
        label = raw.get("relation")
        if label not in LABELS:
            raise bad(f"{what}: unknown relation label {label!r}")
        for role in ("subject", "object"):
            if raw.get(role) not in ids:
                raise bad(f"{what}: {role} {raw.get(role)!r} is not an entity id of the passage")
        attributed = raw.get("attributed_to")
        if attributed is not None and attributed not in ids:
            raise bad(f"{what}: attributed_to {attributed!r} is not an entity id of the passage")
        modality = raw.get("modality") or "asserted"
        if modality not in _STRENGTH:
            raise bad(f"{what}: modality must be one of {', '.join(MODALITIES)}, not {modality!r}")
        evidence = raw.get("evidence") or ""
        if not isinstance(evidence, str):
            raise bad(f"{what}: evidence must be a string")
        rel = GoldRelation(raw["subject"], label, raw["object"], modality, attributed, evidence)
        kept = relations.get(rel.key)
        if kept is None or _strength(modality) > _strength(kept.modality):
            relations[rel.key] = rel
    return GoldPassage(passage_id, text, entities, tuple(relations.values()))


def _parse_entities(raw_entities: Any, passage_id: str, bad: Any) -> tuple[GoldEntity, ...]:
    if not isinstance(raw_entities, list):
        raise bad(f"{passage_id}: field 'entities' must be a list")
    entities: list[GoldEntity] = []
    for number, raw in enumerate(raw_entities, 1):
        what = f"{passage_id}: entity {number}"
        if not isinstance(raw, dict):
            raise bad(f"{what} must be an object")
        entity_id, label = raw.get("id"), raw.get("label")
        if not isinstance(entity_id, str) or not entity_id:
            raise bad(f"{what}: field 'id' must be a non-empty string")
        if any(e.id == entity_id for e in entities):
            raise bad(f"{what}: entity id {entity_id!r} used twice")
        if not isinstance(label, str) or not label.strip():
            raise bad(f"{what} ({entity_id}): field 'label' must be a non-empty string")
        kind = raw.get("type", "OTHER")
        if kind not in _ENTITY_TYPES:
            raise bad(f"{what} ({entity_id}): unknown type {kind!r}")
        qid = raw.get("wikidata")
        if qid is not None and not (isinstance(qid, str) and re.fullmatch(r"Q\d+", qid)):
            raise bad(f"{what} ({entity_id}): wikidata must be a QID like Q159 or null")
        aliases = raw.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise bad(f"{what} ({entity_id}): aliases must be a list of strings")
        entities.append(GoldEntity(entity_id, label, kind, qid, tuple(aliases)))
    return tuple(entities)


# --------------------------------------------------------------------------- report


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class LabelScore:
    """True positives, false positives and false negatives of one label."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class Finding:
    """One miss, false alarm or mismatch: the relation as text, with its evidence."""

    relation: str
    evidence: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"relation": self.relation, "evidence": self.evidence, "note": self.note}


@dataclass
class PassageResult:
    """What went wrong in one passage.

    ``misses`` carry the gold evidence, ``false_alarms`` the predicted one;
    ``mismatches`` are hits with the wrong modality or attribution.
    """

    id: str
    tp: int = 0
    misses: list[Finding] = field(default_factory=list)
    false_alarms: list[Finding] = field(default_factory=list)
    mismatches: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tp": self.tp,
            "misses": [f.to_dict() for f in self.misses],
            "false_alarms": [f.to_dict() for f in self.false_alarms],
            "mismatches": [f.to_dict() for f in self.mismatches],
        }


@dataclass
class EvalReport(LabelScore):
    """Scores of predictions against a gold set.

    ``fp`` includes predictions that name no gold entity or an unknown label;
    predictions for a passage the gold set lacks are left out and counted in ``ignored``.
    """

    labels: dict[str, LabelScore] = field(
        default_factory=lambda: {label: LabelScore() for label in sorted(LABELS)}
    )
    modality_correct: int = 0
    attribution_correct: int = 0
    attribution_total: int = 0
    pair_hits: int = 0
    pair_total: int = 0
    passages: list[PassageResult] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def modality_accuracy(self) -> float:
        """Share of matched relations whose predicted modality equals the gold one."""
        return _ratio(self.modality_correct, self.tp)

    @property
    def attribution_accuracy(self) -> float:
        """Share of matched, gold-attributed relations attributed to the same entity."""
        return _ratio(self.attribution_correct, self.attribution_total)

    @property
    def entity_pair_precision(self) -> float:
        """Share of resolved predictions whose entity pair is related in the gold, any label."""
        return _ratio(self.pair_hits, self.pair_total)

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain JSON-ready values."""
        return {
            "passages": len(self.passages),
            "gold": self.tp + self.fn,
            "predicted": self.tp + self.fp,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "modality_accuracy": self.modality_accuracy,
            "attribution_accuracy": self.attribution_accuracy,
            "attribution_total": self.attribution_total,
            "entity_pair_precision": self.entity_pair_precision,
            "labels": {label: s.to_dict() for label, s in self.labels.items()},
            "ignored": dict(self.ignored),
            "problems": list(self.problems),
            "per_passage": [p.to_dict() for p in self.passages],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as a JSON document (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


# --------------------------------------------------------------------------- scoring


def _ref_text(ref: Any) -> str:
    if isinstance(ref, Mapping):
        return str(ref.get("label") or ref.get("wikidata") or "?")
    return "nobody" if ref is None else str(ref)


def score(gold: Sequence[GoldPassage], predictions: Iterable[Mapping[str, Any]]) -> EvalReport:
    """Compare prediction records with the gold passages.

    >>> gold = [GoldPassage("d1", "Russia invaded Ukraine.", (
    ...     GoldEntity("e1", "Russia", "COUNTRY", "Q159"),
    ...     GoldEntity("e2", "Ukraine", "COUNTRY", "Q212")),
    ...     (GoldRelation("e1", "ATTACKS", "e2"),))]
    >>> report = score(gold, [{"doc": "d1", "subject": {"label": "Moscow", "wikidata": "Q159"},
    ...     "relation": "ATTACKS", "object": "Ukraine", "modality": "asserted"}])
    >>> report.tp, report.fp, report.fn, report.f1
    (1, 0, 0, 1.0)
    """
    passages = {p.id: p for p in gold}
    chosen: dict[str, dict[Key, Mapping[str, Any]]] = defaultdict(dict)
    unresolved: dict[str, list[tuple[Mapping[str, Any], str]]] = defaultdict(list)
    ignored: Counter[str] = Counter()
    for record in predictions:
        passage = passages.get(str(record.get("doc")))
        if passage is None:
            ignored["predictions for a passage not in the gold set"] += 1
            continue
        label = record.get("relation")
        if label not in LABELS:
            ignored[f"predictions with unknown relation {label!r} (counted as false)"] += 1
            unresolved[passage.id].append((record, "unknown label"))
            continue
        subject = passage.resolve(record.get("subject"))
        obj = passage.resolve(record.get("object"))
        if subject is None or obj is None:
            sides = [side for side, hit in (("subject", subject), ("object", obj)) if hit is None]
            unresolved[passage.id].append((record, f"no gold entity for {' and '.join(sides)}"))
            continue
        key = _key(subject, label, obj)
        kept = chosen[passage.id].get(key)
        if kept is None or _strength(record.get("modality", "asserted")) > _strength(
            kept.get("modality", "asserted")
        ):
            chosen[passage.id][key] = record

    report = EvalReport(ignored=dict(ignored))
    for passage in gold:
        report.passages.append(
            _score_passage(passage, chosen[passage.id], unresolved[passage.id], report)
        )
    return report


def _score_passage(
    passage: GoldPassage,
    predicted: dict[Key, Mapping[str, Any]],
    unresolved: list[tuple[Mapping[str, Any], str]],
    report: EvalReport,
) -> PassageResult:
    expected = passage.by_key
    result = PassageResult(passage.id)

    def text(key: Key, modality: Any) -> str:
        subject, label, obj = key
        return f"{passage.name(subject)} {label} {passage.name(obj)} [{modality}]"

    for key in sorted(expected.keys() & predicted.keys()):
        want, got = expected[key], predicted[key]
        report.labels[key[1]].tp += 1
        result.tp += 1
        notes = []
        got_modality = got.get("modality", "asserted")
        if got_modality == want.modality:
            report.modality_correct += 1
        else:
            notes.append(f"modality {got_modality}, gold {want.modality}")
        if want.attributed_to:
            report.attribution_total += 1
            got_source = passage.resolve(got.get("attributed_to"))
            if got_source == want.attributed_to:
                report.attribution_correct += 1
            else:
                notes.append(
                    f"attributed to {_ref_text(got.get('attributed_to'))}, "
                    f"gold {passage.name(want.attributed_to)}"
                )
        if notes:
            result.mismatches.append(
                Finding(text(key, want.modality), want.evidence, "; ".join(notes))
            )
    for key in sorted(expected.keys() - predicted.keys()):
        report.labels[key[1]].fn += 1
        result.misses.append(Finding(text(key, expected[key].modality), expected[key].evidence))
    for key in sorted(predicted.keys() - expected.keys()):
        report.labels[key[1]].fp += 1
        record = predicted[key]
        result.false_alarms.append(
            Finding(text(key, record.get("modality", "asserted")), _evidence(record))
        )
    for record, why in unresolved:
        label = record.get("relation")
        if label in LABELS:
            report.labels[label].fp += 1
        shown = (
            f"{_ref_text(record.get('subject'))} {label} {_ref_text(record.get('object'))} "
            f"[{record.get('modality', 'asserted')}]"
        )
        result.false_alarms.append(Finding(shown, _evidence(record), why))
    tp = result.tp
    report.tp += tp
    report.fn += len(result.misses)
    report.fp += len(predicted) - tp + len(unresolved)
    related = {(s, o) for s, _, o in expected} | {(o, s) for s, _, o in expected}
    report.pair_hits += sum(1 for s, _, o in predicted if (s, o) in related)
    report.pair_total += len(predicted)
    return result


def _evidence(record: Mapping[str, Any]) -> str:
    evidence = record.get("evidence") or record.get("sentence") or ""
    return evidence if isinstance(evidence, str) else ""


# --------------------------------------------------------------------------- running


def evaluate(gold_path: PathLike, extractor: Any = None, jobs: int = 1) -> EvalReport:
    """Extract claims from the gold file's passages and score them.

    ``extractor`` is a :class:`kg.extract.Extractor` (a fresh one by default); ``jobs``
    is the number of extraction processes. Passages the extractor fails on are scored
    with no predictions and listed in ``report.problems``.

    >>> report = evaluate("tests/data/eval_small.jsonl")  # doctest: +SKIP
    >>> print(format_report(report).splitlines()[-1])      # doctest: +SKIP
    relations F1 0.938 P 1.000 R 0.882
    """
    gold = load_gold(gold_path)
    problems: list[str] = []
    records = list(_extracted_records(gold_path, extractor, jobs, problems))
    report = score(gold, records)
    report.problems.extend(problems)
    return report


def _extracted_records(
    gold_path: PathLike, extractor: Any, jobs: int, problems: list[str]
) -> Iterator[dict[str, Any]]:
    from kg.api import claim_record
    from kg.extract import Extractor
    from kg.ingest import read_documents
    from kg.model import InputProblem

    extractor = extractor or Extractor()

    def documents() -> Iterator[Any]:
        for item in read_documents([gold_path]):
            if isinstance(item, InputProblem):
                problems.append(str(item))
            else:
                yield item

    for document, result in extractor.extract_many(documents(), n_process=jobs):
        if isinstance(result, InputProblem):
            problems.append(str(result))
            continue
        for claim in result:
            yield claim_record(claim, document)


def load_predictions(path: PathLike) -> list[dict[str, Any]]:
    """Prediction records from a JSONL file (``kg extract`` output).

    Raises :class:`~kg.errors.BadInputError` naming the file and line of a bad record.
    """
    where = str(path)
    records: list[dict[str, Any]] = []
    try:
        with Path(path).open(encoding="utf-8-sig") as handle:
            for lineno, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    raise BadInputError(where, f"not valid JSON: {err.msg}", lineno) from err
                if not isinstance(record, dict):
                    raise BadInputError(where, "a prediction must be a JSON object", lineno)
                records.append(record)
    except OSError as err:
        raise BadInputError(where, f"cannot read predictions: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise BadInputError(where, f"not UTF-8 text: {err.reason}") from err
    return records


# --------------------------------------------------------------------------- text


def format_report(report: EvalReport, verbose: bool = False) -> str:
    """The report as text; the last line is ``relations F1 <f1> P <p> R <r>``.

    A table of the labels that occur (gold or predicted), then modality and attribution
    accuracy; ``verbose`` adds, before the headline, each passage's misses (with the
    gold evidence), false alarms (with the predicted evidence) and mismatches.
    """
    lines = [f"{'label':16} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>6} {'R':>6} {'F1':>6}"]
    for label, s in report.labels.items():
        if s.tp + s.fp + s.fn:
            lines.append(
                f"{label:16} {s.tp:4} {s.fp:4} {s.fn:4} "
                f"{s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}"
            )
    lines.append(
        f"{'all':16} {report.tp:4} {report.fp:4} {report.fn:4} "
        f"{report.precision:6.3f} {report.recall:6.3f} {report.f1:6.3f}"
    )
    lines.append("")
    lines.append(
        f"passages {len(report.passages)}  gold {report.tp + report.fn}  "
        f"predicted {report.tp + report.fp}"
    )
    lines.append(
        f"modality accuracy {report.modality_accuracy:.3f} ({report.modality_correct}/"
        f"{report.tp} matched)  attribution accuracy {report.attribution_accuracy:.3f} "
        f"({report.attribution_correct}/{report.attribution_total} matched and attributed)  "
        f"entity-pair precision {report.entity_pair_precision:.3f}"
    )
    for what, count in sorted(report.ignored.items()):
        lines.append(f"note: {count} {what}")
    for problem in report.problems:
        lines.append(f"problem: {problem}")
    if verbose:
        lines.extend(_details(report))
    lines.append(f"relations F1 {report.f1:.3f} P {report.precision:.3f} R {report.recall:.3f}")
    return "\n".join(lines)


def _details(report: EvalReport) -> Iterator[str]:
    for passage in report.passages:
        if not (passage.misses or passage.false_alarms or passage.mismatches):
            continue
        yield ""
        yield f"== {passage.id}"
        for kind, findings in (
            ("miss ", passage.misses),
            ("false", passage.false_alarms),
            ("wrong", passage.mismatches),
        ):
            for finding in findings:
                note = f"  ({finding.note})" if finding.note else ""
                yield f"  {kind} {finding.relation}{note}"
                if finding.evidence:
                    yield f"        “{_one_line(finding.evidence)}”"
    yield ""


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
