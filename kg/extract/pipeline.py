"""Extractor: Document → claims, one spaCy pass per document, batched.

>>> from kg.extract import Extractor
>>> from kg.model import Document
>>> claims = Extractor().extract(Document("Russia invaded Ukraine in 2022.", name="x"))
>>> [(c.subject.label, c.relation.label, c.object.label) for c in claims]
[('Russia', 'ATTACKS', 'Ukraine')]
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import multiprocessing
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from typing import Any

from spacy.tokens import Doc, Span, Token

from kg.extract.actors import DocActors
from kg.extract.gazetteer import load_gazetteer
from kg.extract.modality import announced, modality_of, reporter_of, threatened
from kg.extract.nlp import load_nlp
from kg.extract.relations import Candidate, find_candidates, relation_lexicon
from kg.extract.timex import event_date
from kg.model import Actor, Claim, Document, InputProblem, Modality
from kg.ontology import relation

__all__ = ["Extractor", "merge_claims"]

log = logging.getLogger(__name__)

# Confidence of a claim: where its actors come from and how far the trigger reaches.
_BASE_CONFIDENCE = 0.9
_REPORTED_PENALTY = 0.05
# Coercive acts whose announcement is a threat.
_COERCION = frozenset({"SANCTIONS", "ATTACKS"})
# Relations a speaker performs by stating them about itself.
_SPEECH_ACTS = frozenset({"CRITICIZES", "THREATENS", "SUPPORTS", "MEMBER_OF"})


class Extractor:
    """Finds claims in documents. Load once, call many times (the model loads lazily)."""

    def __init__(self, *, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self._nlp = None

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = load_nlp()
            relation_lexicon()  # validate the lexicon against the ontology up front
        return self._nlp

    def extract(self, document: Document) -> list[Claim]:
        """Claims of one document."""
        return self.claims_of(document, self.nlp(document.text))

    def extract_many(
        self, documents: Iterable[Document], *, n_process: int = 1
    ) -> Iterator[tuple[Document, list[Claim] | InputProblem]]:
        """Claims of each document, streaming, in input order.

        A document whose rules fail, or that is longer than the parser accepts
        (``nlp.max_length``), yields an :class:`InputProblem` instead of claims, so one odd
        article never stops a batch. With ``n_process`` > 1 whole documents (parse and
        rules) go to worker processes that each load the model once; at most a few
        batches are in flight, so memory stays flat however long the stream.
        """
        if n_process > 1:
            yield from self._extract_in_workers(documents, n_process)
            return
        limit = self.nlp.max_length
        # An over-long text would make spaCy raise and lose the batch: parse "" instead.
        pairs = ((doc.text if len(doc.text) <= limit else "", doc) for doc in documents)
        for parsed, document in self.nlp.pipe(pairs, as_tuples=True, batch_size=self.batch_size):
            if len(document.text) > limit:
                where = document.origin or document.name
                reason = f"too long to parse: {len(document.text):,} characters (at most {limit:,})"
                yield document, InputProblem(where, reason)
                continue
            yield document, self._claims_or_problem(document, parsed)

    def _claims_or_problem(self, document: Document, parsed: Doc) -> list[Claim] | InputProblem:
        try:
            return self.claims_of(document, parsed)
        except Exception as err:  # a bug in a rule must not lose the batch
            log.exception("extraction failed on %s", document.origin or document.name)
            where = document.origin or document.name
            return InputProblem(where, f"extraction failed: {err!r}")

    def _extract_in_workers(
        self, documents: Iterable[Document], n_process: int
    ) -> Iterator[tuple[Document, list[Claim] | InputProblem]]:
        context = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
        in_flight: deque[Future] = deque()
        batches = _batched(documents, self.batch_size)
        pool = ProcessPoolExecutor(
            n_process, mp_context=context, initializer=_worker_start, initargs=(self.batch_size,)
        )
        try:
            for batch in batches:
                in_flight.append(pool.submit(_worker_extract, batch))
                if len(in_flight) >= 2 * n_process:
                    yield from in_flight.popleft().result()
            while in_flight:
                yield from in_flight.popleft().result()
        finally:
            # Also when the caller stops early (closing this generator): batches not yet
            # started are dropped, and the workers end before the caller goes on.
            pool.shutdown(wait=True, cancel_futures=True)

    def claims_of(self, document: Document, parsed: Doc) -> list[Claim]:
        """Claims from an already parsed document."""
        actors = DocActors(parsed, load_gazetteer(), document.date)
        numbers = {sent.start: n for n, sent in enumerate(parsed.sents)}
        claims: list[Claim] = []
        for official in actors.officials:
            claims.append(
                Claim(
                    subject=official.person,
                    relation=relation("officialOf"),
                    object=official.serves,
                    modality=Modality.ASSERTED if official.current else Modality.NEGATED,
                    document=document.doc_id,
                    confidence=_BASE_CONFIDENCE,
                    trigger=official.title,
                    **_evidence(parsed[official.sentence_start].sent, numbers),
                )
            )
        for cand in find_candidates(actors):
            claim = self._claim(document, numbers, actors, cand)
            threat = _threat_of(claim, cand.trigger)
            if threat is not None:
                claims.append(threat)
                if threatened(cand.trigger):
                    continue  # "threatened to intervene": only the threat is stated
            claims.append(claim)
        return _with_surface_names(merge_claims(claims), actors)

    def _claim(
        self, document: Document, numbers: dict[int, int], actors: DocActors, cand: Candidate
    ) -> Claim:
        modality = modality_of(cand.trigger, cand.forced, cand.relation.label, local=cand.local)
        speakers = _speakers(actors, cand)
        speaker = speakers[0] if speakers else None  # a joint statement: the first named
        if cand.subject in speakers and cand.relation.label in _SPEECH_ACTS:
            # Saying it is doing it: an actor that urges, warns, backs or announces it is
            # leaving performs the act; the claim is not merely its own (gold rule 12).
            speaker = None
        confidence = _confidence(actors, cand, modality, speaker is not None)
        return Claim(
            subject=cand.subject,
            relation=cand.relation,
            object=cand.object,
            modality=modality,
            document=document.doc_id,
            confidence=confidence,
            attributed_to=speaker,
            event_date=_event_date(cand.trigger, document),
            trigger=cand.trigger.text,
            **_evidence(cand.trigger.sent, numbers),
        )


def _evidence(sent: Span, numbers: dict[int, int]) -> dict[str, Any]:
    """Where a claim is stated: the sentence's text, number and character offsets."""
    return {
        "evidence": sent.text.strip(),
        "sentence": numbers[sent.start],
        "start": sent.start_char,
        "end": sent.end_char,
    }


_worker: Extractor | None = None


def _worker_start(batch_size: int) -> None:
    global _worker  # one extractor per worker process, loaded once
    _worker = Extractor(batch_size=batch_size)
    _worker.nlp  # noqa: B018 - load the model now, not inside the first batch


def _worker_extract(batch: list[Document]) -> list[tuple[Document, list[Claim] | InputProblem]]:
    assert _worker is not None
    return list(_worker.extract_many(batch))


def _batched(items: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _threat_of(claim: Claim, trigger: Token) -> Claim | None:
    """An announced coercive act is also a threat: "Trump said he would raise tariffs on
    India" is a hedged sanction and an asserted threat, made by the one who announces it."""
    if claim.relation.label not in _COERCION or claim.modality is not Modality.HEDGED:
        return None
    if not announced(trigger):
        return None  # "accused of attacking" is a suspicion, not a threat
    if claim.attributed_to not in (None, claim.subject):
        return None  # a third party's guess about X's plans is no threat by X
    return replace(
        claim, relation=relation("threatens"), modality=Modality.ASSERTED, attributed_to=None
    )


def _event_date(trigger: Token, document: Document) -> dt.date | None:
    """The date the sentence gives the event ("on Thursday", "in June"), resolved against
    the publication date."""
    found = event_date(trigger.sent, document.date, trigger)
    return found.date if found is not None else None


def _speakers(actors: DocActors, cand: Candidate) -> list[Actor]:
    """Who reports the trigger's clause, lifted to their state; all of a joint statement."""
    token = reporter_of(cand.trigger)
    if token is None or token.lower_ in {"it", "this", "that"}:
        return []  # "…, it said": a statement or an agency, not an actor we can name
    return actors.resolve(token) or _author_of(actors, token)


# Documents that speak for whoever wrote them: "the report shows", "the analysis found".
_REPORT_NOUNS = {
    "report",
    "analysis",
    "study",
    "assessment",
    "review",
    "survey",
    "estimate",
    "readout",
    "statement",
    "memo",
    "document",
    "paper",
    "briefing",
}


def _author_of(actors: DocActors, token: Token) -> list[Actor]:
    """The author of a report named as the speaker: its own owner ("the Pentagon's
    report", "an analysis by the US Energy Information Administration"), else, for "the
    report", the author of the report the text named last before it."""
    if token.lemma_.lower() not in _REPORT_NOUNS:
        return []
    found = actors.owners(token)
    if found or not any(c.lower_ in {"the", "this", "that"} for c in token.children):
        return found
    for earlier in reversed(token.doc[: token.i]):
        if earlier.lemma_.lower() in _REPORT_NOUNS and earlier.pos_ == "NOUN":
            found = actors.owners(earlier)
            if found:
                return found
    return []


# How much a way of naming an actor is worth as evidence (gold rule 2 readings are
# reliable but less so than a name; a pronoun or "the bloc" less still).
_MENTION_WEIGHT = {"name": 1.0, "person": 0.95, "capital": 0.9, "seat": 0.9, "demonym": 0.85}
_UNNAMED_WEIGHT = 0.75  # the actor is not named in the sentence: coreference or lifting


def _confidence(actors: DocActors, cand: Candidate, modality: Modality, reported: bool) -> float:
    """A 0–1 score from the evidence: how each actor is named in the sentence, how far
    its mention is from the trigger in the parse, and how sure the statement is."""
    sent = cand.trigger.sent
    score = _BASE_CONFIDENCE
    for actor in (cand.subject, cand.object):
        best = _UNNAMED_WEIGHT
        for tok in sent:
            mention = actors.mention_at(tok)
            if mention is None or tok.i != mention.start:
                continue
            named = mention.actor == actor or actors.lift(mention.actor) == actor
            if named:
                weight = _MENTION_WEIGHT.get(mention.kind, 0.8)
                hops = _tree_distance(cand.trigger, tok)
                best = max(best, weight * max(0.6, 1.0 - 0.04 * max(hops - 1, 0)))
        score *= best
    if reported:
        score *= 1.0 - _REPORTED_PENALTY
    if modality is not Modality.ASSERTED:
        score *= 0.95
    return round(score, 3)


def _tree_distance(a: Token, b: Token) -> int:
    """Number of dependency arcs between two tokens of one sentence."""
    above_a = [a, *a.ancestors]
    depth = {tok.i: n for n, tok in enumerate(above_a)}
    for n, tok in enumerate([b, *b.ancestors]):
        if tok.i in depth:
            return depth[tok.i] + n
    return len(above_a) + n


def _with_surface_names(claims: list[Claim], actors: DocActors) -> list[Claim]:
    """Claims whose people also carry the names the text gave them as aliases.

    The gazetteer knows "Shehbaz Sharif"; an article may call him "Muhammad Shehbaz
    Sharif". Keeping the article's form lets a reader (or a scorer) find him by it.
    """
    names: dict[str, list[str]] = {}
    for mention in actors.mentions:
        if mention.kind != "person":
            continue
        text = actors.doc[mention.start : mention.end].text.strip()
        known = names.setdefault(mention.actor.key, [])
        if text != mention.actor.label and text not in mention.actor.aliases and text not in known:
            known.append(text)
    if not any(names.values()):
        return claims

    def named(actor: Actor | None) -> Actor | None:
        extra = names.get(actor.key) if actor is not None else None
        return replace(actor, names=tuple(extra)) if extra else actor

    return [
        replace(
            c,
            subject=named(c.subject),
            object=named(c.object),
            attributed_to=named(c.attributed_to),
        )
        for c in claims
    ]


def merge_claims(claims: Iterable[Claim]) -> list[Claim]:
    """One claim per (subject, relation, object, source), the strongest modality kept.

    Gold rule 4; rule 12 — a relation the narrator also states in its own voice is not
    attributed — is honoured by listing the narrator's own claims first, so a reader that
    keeps one claim per relation keeps the unattributed one.
    """
    best: dict[tuple, Claim] = {}
    for claim in claims:
        subject, obj = claim.subject.iri_key, claim.object.iri_key
        if claim.relation.symmetric and obj < subject:
            subject, obj = obj, subject
        source = claim.attributed_to.iri_key if claim.attributed_to else ""
        key = (subject, claim.relation.label, obj, source)
        kept = best.get(key)
        if kept is None or claim.modality.rank > kept.modality.rank:
            best[key] = claim
    return sorted(best.values(), key=lambda c: (c.attributed_to is not None, c.start))
