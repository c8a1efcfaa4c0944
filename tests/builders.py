"""Claims and actors built by hand, for tests that need no spaCy parse."""

from __future__ import annotations

import datetime as dt

from kg.model import Actor, ActorType, Claim, Modality
from kg.ontology import relation

KP = Actor("KP", "North Korea", ActorType.STATE, qid="Q423")
RU = Actor("RU", "Russia", ActorType.STATE, qid="Q159")
KR = Actor("KR", "South Korea", ActorType.STATE, qid="Q884")
NATO = Actor("NATO", "NATO", ActorType.ORGANIZATION, qid="Q7184")


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
    """A claim of relation property ``rel`` whose evidence, unless given, names it."""
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
