"""Synthetic actors, documents and claims of kg's own shape, for the benchmarks.

Deterministic for a seed, so a benchmark's subprocesses rebuild exactly the same data.
The mix follows what extraction produces: most actors are states, organisations and
groups with Wikidata ids, labels and aliases, a fair share are people without one; a
claim is asserted, hedged or negated, sometimes attributed and dated, always with an
evidence sentence and a trigger word.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator

from kg.model import Actor, ActorType, Claim, Document, Modality, Relation
from kg.ontology import relations

_TYPES = [ActorType.STATE] * 5 + [ActorType.ORGANIZATION] * 2 + [ActorType.GROUP, ActorType.PERSON]
_MODALITIES = [Modality.ASSERTED] * 7 + [Modality.HEDGED] * 2 + [Modality.NEGATED]
_SOURCES = ["Reuters", "AP", "AFP", "Xinhua", "TASS", "Al Jazeera", "BBC", "Yonhap"]
_DAY0 = dt.date(2024, 1, 1)


def make_actors(count: int, seed: int = 7) -> list[Actor]:
    """``count`` distinct actors; people have no QID, the others do."""
    rng = random.Random(seed)
    actors = []
    for i in range(count):
        kind = rng.choice(_TYPES)
        if kind is ActorType.PERSON:
            actors.append(Actor(f"person:person-{i}", f"Person {i}", kind))
            continue
        actors.append(
            Actor(
                f"A{i}",
                f"Actor {i}",
                kind,
                qid=f"Q{9_000_000 + i}",
                iso2=_letters(i, 2) if kind is ActorType.STATE else None,
                iso3=_letters(i, 3) if kind is ActorType.STATE else None,
                aliases=tuple(f"Actor {i} alias {j}" for j in range(rng.randint(0, 2))),
            )
        )
    return actors


def _letters(i: int, width: int) -> str:
    return "".join(chr(65 + (i // 26**k) % 26) for k in range(width))


def _claim(rng: random.Random, actors: list[Actor], rels: list[Relation], doc_id: str) -> Claim:
    subject, obj = rng.sample(actors, 2)
    rel = rng.choice(rels)
    start = rng.randrange(0, 4000)
    evidence = (
        f"{subject.label} {rel.name} {obj.label} on day {rng.randrange(365)}, "
        f"according to officials quoted by the agency."
    )
    return Claim(
        subject=subject,
        relation=rel,
        object=obj,
        modality=rng.choice(_MODALITIES),
        document=doc_id,
        evidence=evidence,
        sentence=rng.randrange(40),
        start=start,
        end=start + len(evidence),
        confidence=round(rng.uniform(0.5, 0.95), 3),
        attributed_to=rng.choice(actors) if rng.random() < 0.3 else None,
        event_date=_DAY0 + dt.timedelta(days=rng.randrange(700)) if rng.random() < 0.4 else None,
        trigger=rel.name.lower()[:12],
    )


def documents(
    actors: list[Actor], *, claims_per_doc: int = 10, seed: int = 11
) -> Iterator[tuple[Document, list[Claim]]]:
    """An endless stream of documents, each with ``claims_per_doc`` claims (±50 %)."""
    rng = random.Random(seed)
    rels = sorted(relations().values(), key=lambda r: r.name)
    for i in itertools.count():
        doc = Document(
            f"Synthetic article {i}.",
            name=f"doc-{i:07d}.txt",
            title=f"Article {i}",
            date=_DAY0 + dt.timedelta(days=i % 700),
            source=_SOURCES[i % len(_SOURCES)],
        )
        n = rng.randint(max(claims_per_doc // 2, 1), claims_per_doc + claims_per_doc // 2)
        yield doc, [_claim(rng, actors, rels, doc.doc_id) for _ in range(n)]


def claims(actors: list[Actor], count: int, seed: int = 13) -> list[Claim]:
    """``count`` claims between the actors, spread over documents of ten claims."""
    rng = random.Random(seed)
    rels = sorted(relations().values(), key=lambda r: r.name)
    return [_claim(rng, actors, rels, f"doc-{i // 10}") for i in range(count)]
