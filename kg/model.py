"""The data model: actors, documents and the claims an article makes about them.

Everything else in ``kg`` is a view of :class:`Claim` objects: RDF for SPARQL, a networkx
graph for analysis, an HTML page for people, JSON Lines for scoring.

>>> from kg.model import Actor, ActorType
>>> Actor("RU", "Russia", ActorType.STATE, qid="Q159").iri_key
'Q159'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "Actor",
    "ActorType",
    "Claim",
    "Document",
    "InputProblem",
    "Modality",
    "Relation",
    "normalise_text",
]


class Modality(StrEnum):
    """How surely the source states a claim."""

    ASSERTED = "asserted"
    HEDGED = "hedged"
    NEGATED = "negated"

    @property
    def rank(self) -> int:
        """Strength for "the strongest modality wins": asserted > hedged > negated."""
        return {"asserted": 3, "hedged": 2, "negated": 1}[self.value]


class ActorType(StrEnum):
    """Kinds of actor; the values are the local names of the ontology classes."""

    STATE = "State"
    ORGANIZATION = "InternationalOrganization"
    GROUP = "NonStateGroup"
    PERSON = "Person"
    OTHER = "Actor"

    @property
    def gold_type(self) -> str:
        """The entity type used by the gold files (COUNTRY, ORG, GROUP, PERSON, OTHER)."""
        return {
            "State": "COUNTRY",
            "InternationalOrganization": "ORG",
            "NonStateGroup": "GROUP",
            "Person": "PERSON",
            "Actor": "OTHER",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Actor:
    """A state, organisation, non-state group or person.

    ``key`` is stable and unique: the gazetteer key for known actors (``"RU"``, ``"NATO"``),
    ``"person:<slug>"`` for people found in text.
    """

    key: str
    label: str
    type: ActorType
    qid: str | None = None
    iso2: str | None = None
    iso3: str | None = None
    aliases: tuple[str, ...] = ()
    # Other names one article gave the actor ("Muhammad Shehbaz Sharif"): reported with
    # its claims, never part of its identity or of its stored description.
    names: tuple[str, ...] = field(default=(), compare=False)

    @property
    def iri_key(self) -> str:
        """What the actor's IRI is made from: its Wikidata QID, else its key."""
        return self.qid or self.key

    def ref(self) -> dict[str, object]:
        """The entity reference of the scoring contract: label, QID and known aliases."""
        aliases = list(dict.fromkeys([*self.aliases, *self.names]))
        return {"label": self.label, "wikidata": self.qid, "aliases": aliases}


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation property of the ontology (``kg:militaryAid``, ``kg:sendsTroops``…).

    ``label`` is the scoring label of its top-level ancestor (``"MILITARY_AID"``).
    """

    name: str
    label: str
    iri: str
    symmetric: bool = False
    quad_class: str | None = None
    parent: str | None = None

    @property
    def directed(self) -> bool:
        return not self.symmetric


def normalise_text(text: str) -> str:
    """Unicode NFC, unified newlines, runs of blanks collapsed, ends stripped.

    Two copies of an article that differ only in such noise get the same document id.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[ \t\f\v\u00a0]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


@dataclass(frozen=True, slots=True)
class Document:
    """One article. ``doc_id`` is the SHA-256 of its normalised text.

    ``name`` is how users and the scorer refer to it: the input's own ``id`` when it has
    one, else its file name. ``origin`` says where it was read (``file.jsonl:12``).
    """

    text: str
    name: str
    title: str | None = None
    date: dt.date | None = None
    url: str | None = None
    source: str | None = None
    origin: str | None = None
    doc_id: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.doc_id:
            digest = hashlib.sha256(normalise_text(self.text).encode("utf-8")).hexdigest()
            object.__setattr__(self, "doc_id", digest)


@dataclass(frozen=True, slots=True)
class InputProblem:
    """An input that could not be read: where (file, line) and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Claim:
    """One relation between two actors as a source states it.

    ``start``/``end`` are character offsets of the evidence sentence in the document text;
    ``sentence`` is its index. ``attributed_to`` is who makes the claim, when the article
    attributes it to someone other than its narrator.
    """

    subject: Actor
    relation: Relation
    object: Actor
    modality: Modality
    document: str
    evidence: str
    sentence: int
    start: int
    end: int
    confidence: float
    attributed_to: Actor | None = None
    event_date: dt.date | None = None
    trigger: str | None = None

    @property
    def key(self) -> str:
        """A stable identity: the same claim from the same sentence has the same key."""
        subject, obj = self.subject.iri_key, self.object.iri_key
        if self.relation.symmetric and obj < subject:
            subject, obj = obj, subject
        parts = [
            self.document,
            subject,
            self.relation.name,
            obj,
            self.modality.value,
            self.attributed_to.iri_key if self.attributed_to else "",
            str(self.start),
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
