"""The actor gazetteer of ``data/actors/``: names, aliases, demonyms, capitals, seats.

>>> from kg.extract.gazetteer import load_gazetteer
>>> load_gazetteer().actors["KP"].label
'North Korea'
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from kg.model import Actor, ActorType

__all__ = ["DATA_DIR", "Gazetteer", "Known", "Person", "load_gazetteer", "load_lexicon", "slug"]

_PACKAGE_DIR = Path(__file__).resolve().parents[1]
DATA_DIR = next(
    (p for p in (_PACKAGE_DIR / "_data", _PACKAGE_DIR.parent / "data") if p.exists()),
    _PACKAGE_DIR.parent / "data",
)


class _WordsLoader(yaml.SafeLoader):
    """YAML without YAML 1.1 booleans: in a word list "on" and "no" are words."""


_WordsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_lexicon(name: str) -> dict:
    """A YAML file of ``data/lexicon/`` (``"relations"``, ``"modality"``, ``"officials"``)."""
    path = DATA_DIR / "lexicon" / f"{name}.yaml"
    return yaml.load(path.read_text("utf-8"), Loader=_WordsLoader)


def slug(text: str) -> str:
    """ASCII, lowercase, hyphen-separated form of a name (``"Kim Jong-un"`` → ``kim-jong-un``)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


@dataclass(frozen=True, slots=True)
class Known:
    """How a surface form refers to an actor: by ``name``, ``capital``, ``seat`` or ``demonym``."""

    key: str
    kind: str


@dataclass(frozen=True, slots=True)
class Person:
    """A person of ``people.tsv``: whom they serve, in what role, and when."""

    actor: Actor
    serves: str
    role: str
    start: int | None
    end: int | None

    def serves_on(self, date: dt.date | None) -> bool:
        if date is None:
            return True
        return (self.start is None or self.start <= date.year) and (
            self.end is None or date.year <= self.end
        )


@dataclass
class Gazetteer:
    """Every known actor by key, and every surface form that names one."""

    actors: dict[str, Actor] = field(default_factory=dict)
    people: dict[str, list[Person]] = field(default_factory=dict)
    forms: dict[str, Known] = field(default_factory=dict)
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    org_kinds: dict[str, str] = field(default_factory=dict)  # "org:NATO" → "alliance"

    def add_form(self, form: str, key: str, kind: str) -> None:
        form = form.strip()
        if not form:
            return
        # The first claim on a form wins: names beat capitals beat demonyms, in load order.
        self.forms.setdefault(form, Known(key, kind))

    def person(self, key: str, date: dt.date | None = None) -> Person | None:
        """The role of person ``key`` on ``date`` (the latest role if undated)."""
        roles = self.people.get(key, [])
        for role in sorted(roles, key=lambda r: r.start or 0, reverse=True):
            if role.serves_on(date):
                return role
        return None


def _cells(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)


def _year(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value[:4]) if value[:4].isdigit() else None


def _actor(row: dict[str, str], key: str, kind: ActorType) -> Actor:
    """An actor from one gazetteer row (every table shares these columns)."""
    return Actor(
        key=key,
        label=row["label"].strip(),
        type=kind,
        qid=row.get("qid") or None,
        iso2=row.get("iso2") or None,
        iso3=row.get("iso3") or None,
        aliases=tuple(_cells(row.get("aliases"))),
    )


@cache
def load_gazetteer(directory: Path | None = None) -> Gazetteer:
    """Read ``states.tsv``, ``organizations.tsv``, ``groups.tsv`` and ``people.tsv``.

    Names and aliases claim a surface form first, then capitals and seats of power, then
    demonyms, so "Georgia" the state is never taken for a demonym.
    """
    directory = directory or DATA_DIR / "actors"
    gaz = Gazetteer()
    demonyms: list[tuple[str, str]] = []
    places: list[tuple[str, str, str]] = []
    tables = (
        ("states.tsv", "", ActorType.STATE),
        ("organizations.tsv", "org:", ActorType.ORGANIZATION),
        ("groups.tsv", "group:", ActorType.GROUP),
    )
    for file_name, prefix, kind in tables:
        for row in _rows(directory / file_name):
            actor = _actor(row, prefix + row["key"].strip(), kind)
            gaz.actors[actor.key] = actor
            # An organisation's key is how the press writes it ("NATO", "ASEAN").
            short = [row["key"].strip()] if kind is ActorType.ORGANIZATION else []
            for form in [actor.label, *short, *actor.aliases]:
                gaz.add_form(form, actor.key, "name")
            demonyms += [(d, actor.key) for d in _cells(row.get("demonyms"))]
            places += [(c, actor.key, "capital") for c in _cells(row.get("capitals"))]
            places += [(c, actor.key, "seat") for c in _cells(row.get("seats"))]
            if row.get("kind"):
                gaz.org_kinds[actor.key] = row["kind"].strip()
            if _cells(row.get("members")):
                gaz.members[actor.key] = tuple(_cells(row.get("members")))
    for form, key, kind in places:
        gaz.add_form(form, key, kind)
    for form, key in demonyms:
        gaz.add_form(form, key, "demonym")
    people = directory / "people.tsv"
    if people.exists():
        for row in _rows(people):
            serves = row.get("actor", "").strip()
            serves = serves if serves in gaz.actors else _org_or_group(gaz, serves)
            if serves is None:
                continue
            person = gaz.actors.setdefault(
                "person:" + row["key"].strip(),
                _actor(row, "person:" + row["key"].strip(), ActorType.PERSON),
            )
            gaz.people.setdefault(person.key, []).append(
                Person(
                    person,
                    serves,
                    row.get("role", "").strip(),
                    _year(row.get("start")),
                    _year(row.get("end")),
                )
            )
            for form in [person.label, *person.aliases]:
                gaz.add_form(form, person.key, "person")
    return gaz


def _org_or_group(gaz: Gazetteer, key: str) -> str | None:
    for prefix in ("org:", "group:"):
        if prefix + key in gaz.actors:
            return prefix + key
    return None
