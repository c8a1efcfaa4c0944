"""Who a phrase stands for: gazetteer mentions, metonyms, demonyms, officials, coreference.

:class:`DocActors` is built once per parsed document. It answers "which actors does the
noun phrase headed by this token denote?" (``resolve``), lifting people to the state or
organisation they serve (gold rule 1) and reading capitals, seats of power and
demonyms as their state (rule 2).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import cache

from spacy.tokens import Doc, Span, Token

from kg.extract.gazetteer import Gazetteer, load_lexicon, slug
from kg.extract.modality import modality_lexicon
from kg.extract.nlp import MENTION_LABELS
from kg.model import Actor, ActorType

__all__ = [
    "PLACE_NOUNS",
    "DocActors",
    "Mention",
    "Official",
    "OfficialsLexicon",
    "officials_lexicon",
]

_KIND_OF_LABEL = {label: kind for kind, label in MENTION_LABELS.items()}
_COLLECTIVE = {
    "armed group": {
        "militia",
        "rebel",
        "militant",
        "insurgent",
        "movement",
        "faction",
        "fighter",
        "insurgency",
        "guerrilla",
        "jihadist",
    },
    "org": {
        "bloc",
        "alliance",
        "organisation",
        "organization",
        "union",
        "group",
        "body",
        "grouping",
        "coalition",
        "pact",
        "club",
        "forum",
    },
    "state": {
        "country",
        "nation",
        "state",
        "regime",
        "government",
        "kingdom",
        "republic",
        "island",
        "peninsula",
        "leader",
        "junta",
        "side",
        "neighbour",
        "neighbor",
        "capital",
    },
}
_NUMBERS = {"two": 2, "both": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# "people in Sudan": aid to a country's population is aid to the country.
_POPULATION = {"people", "population", "civilian", "refugee", "resident", "citizen", "victim"}
_GOODS = {"import", "export", "good", "product", "shipment", "steel", "car", "oil"}
# Places inside a state stand for it as targets: "villages in Afghanistan's Paktika
# province", "camps on the outskirts of El Fasher" (in Sudan), "Israeli cities".
PLACE_NOUNS = {
    "village",
    "town",
    "city",
    "camp",
    "province",
    "region",
    "area",
    "district",
    "territory",
    "base",
    "port",
    "infrastructure",
    "facility",
    "site",
    "outskirts",
    "waters",
    "coast",
    "border",
    "settlement",
    "neighbourhood",
    "neighborhood",
}
_FIRST_PERSON = {"we", "us", "our", "ours"}
# Numbers and measures in front of what they count: "a dozen Houthi targets".
_QUANTITIES = {
    "dozen",
    "hundred",
    "thousand",
    "number",
    "series",
    "wave",
    "barrage",
    "couple",
    "handful",
    "batch",
    "host",
    "range",
    "set",
    "round",
    "million",
}
_PERSON_PRONOUNS = {"he", "she", "him", "her", "his"}
_THING_PRONOUNS = {"it", "its"}


@dataclass(frozen=True, slots=True)
class OfficialsLexicon:
    """Title words (``data/lexicon/officials.yaml``) split into single-word sets."""

    heads: frozenset[str]
    modifiers: frozenset[str]
    excluded: frozenset[str]
    agent_nouns: frozenset[str]
    past_markers: frozenset[str]
    ousting_verbs: frozenset[str]


@cache
def officials_lexicon() -> OfficialsLexicon:
    data = load_lexicon("officials")
    words = {w for title in data["titles"] for w in title.replace("-", " ").split()}
    modifiers = set(data["title_modifiers"])
    # A head word makes a phrase a title by itself ("minister", "envoy"); the words that
    # only qualify one ("secretary *of state*", "*prime* minister") do not.
    heads = words - (modifiers - {"minister", "general", "chief", "secretary", "head"})
    return OfficialsLexicon(
        heads=frozenset(heads),
        modifiers=frozenset((modifiers - heads) | {"-", "general"}),
        excluded=frozenset(data["excluded_titles"]),
        agent_nouns=frozenset(w for n in data["agent_nouns"] for w in n.split()),
        past_markers=frozenset(data["past_markers"]),
        ousting_verbs=frozenset(data["ousting_verbs"]),
    )


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of text that names an actor directly."""

    start: int
    end: int
    actor: Actor
    kind: str  # name | capital | seat | demonym | person


@dataclass(frozen=True, slots=True)
class Official:
    """A person the text names with an office of ``serves`` (gold rule 1)."""

    person: Actor
    serves: Actor
    title: str
    sentence_start: int  # token index of the sentence that states the office
    current: bool = True  # False for "former President X", "overthrew President X"


class DocActors:
    """Actor mentions of one parsed document and the rules that resolve phrases to actors."""

    def __init__(self, doc: Doc, gaz: Gazetteer, date: dt.date | None = None) -> None:
        self.doc = doc
        self.gaz = gaz
        self.date = date
        self.lexicon = officials_lexicon()
        self.mentions: list[Mention] = []
        self.by_token: dict[int, Mention] = {}
        self.serves: dict[str, Actor | None] = {}
        self.officials: list[Official] = []
        self._short_mentions: Counter[str] = Counter()  # "Kim" said… → whose surname
        self._collect_mentions()
        self._find_officials()

    # ------------------------------------------------------------------ mentions
    def _collect_mentions(self) -> None:
        full_names: list[tuple[int, Actor]] = []  # (token index, person) for surname coref
        ents = list(self.doc.ents)
        for n, ent in enumerate(ents):
            kind = _KIND_OF_LABEL.get(ent.label_)
            following = ents[n + 1] if n + 1 < len(ents) else None
            if (
                ent.label_ == "PERSON"
                and following is not None
                and following.start == ent.end
                and _KIND_OF_LABEL.get(following.label_) == "person"
            ):
                continue  # "Muhammad" + known "Shehbaz Sharif": one person, named in full
            if kind is not None:
                actor = self.gaz.actors.get(ent.ent_id_)
                if actor is None or (kind in {"capital", "seat"} and _dateline(ent)):
                    continue
                if kind == "person":
                    full_names.append((ent.start, actor))
                    previous = ents[n - 1] if n > 0 else None
                    if (
                        previous is not None
                        and previous.label_ == "PERSON"
                        and (previous.end == ent.start)
                    ):
                        ent = self.doc[previous.start : ent.end]
            elif ent.label_ == "PERSON":
                span = _trim_person(ent)
                if span is None:
                    continue
                kind = "person"
                actor = self._person_from_span(span, full_names)
                ent = span
            else:
                continue
            self._add(Mention(ent.start, ent.end, actor, kind))
        for span in self._untagged_names():
            self._add(
                Mention(span.start, span.end, self._person_from_span(span, full_names), "person")
            )
        self.mentions.sort(key=lambda m: m.start)

    def _add(self, mention: Mention) -> None:
        self.mentions.append(mention)
        for i in range(mention.start, mention.end):
            self.by_token[i] = mention

    def _untagged_names(self) -> list[Span]:
        """Names spaCy missed right after a title: "Minister of Trade Ville Tavio"."""
        spans = []
        doc = self.doc
        i = 0
        while i < len(doc):
            tok = doc[i]
            if tok.lower_ not in self.lexicon.heads or i + 2 > len(doc):
                i += 1
                continue
            j = i + 1
            # The rest of the title: "Minister of Foreign Trade and Development",
            # "minister of Belgium".
            while j < len(doc) and (
                doc[j].lower_ in self.lexicon.heads
                or doc[j].lower_ in self.lexicon.modifiers
                or (j in self.by_token and self.by_token[j].kind != "person")
            ):
                j += 1
            if j < len(doc) and doc[j].text == ",":
                j += 1
            k = j
            while (
                k < len(doc)
                and k - j < 4
                and doc[k].pos_ == "PROPN"
                and (doc[k].is_title or doc[k].text in {"-", "bin", "al", "de", "van", "von"})
                and k not in self.by_token
                and not doc[k].ent_type_
                and doc[k].lower_ not in self.lexicon.heads
                and doc[k].lower_ not in self.lexicon.modifiers
            ):
                k += 1
            if k - j >= 2:
                spans.append(doc[j:k])
            i = max(k, i + 1)
        return spans

    def _person_from_span(self, span: Span, earlier: list[tuple[int, Actor]]) -> Actor:
        words = [t.text for t in span if t.text not in {"-", "‐"}]
        if len(words) == 1:
            # "Kim said": of the people named in full whose first or last name it is, the
            # one the article has spoken of most (news introduces a second Kim by full name
            # and keeps the bare surname for its main one); on a tie, the latest.
            candidates = [person for _, person in earlier if words[0] in _name_parts(person.label)]
            if candidates:
                counts = Counter(p.key for p in candidates) + self._short_mentions
                chosen = max(reversed(candidates), key=lambda p: counts[p.key])
                self._short_mentions[chosen.key] += 1
                return chosen
        name = span.text.strip()
        person = Actor(f"person:{slug(name)}", name, ActorType.PERSON)
        earlier.append((span.start, person))
        return person

    # ------------------------------------------------------------------ officials
    def _find_officials(self) -> None:
        for mention in self.mentions:
            if mention.kind != "person":
                continue
            person = mention.actor
            found = self._title_before(mention) or self._title_after(mention)
            if found is None:
                continue
            serves, title = found
            if serves is None:
                known = self.gaz.person(person.key, self.date)
                if known is not None:
                    serves = self.gaz.actors[known.serves]
                else:
                    # "Foreign Ministry Spokesperson Wang Wenbin said…" right after
                    # "China has reacted…": the office belongs to the state in focus.
                    serves = self._state_in_focus(mention.start)
                if serves is None:
                    continue
            if all(o.person.key != person.key for o in self.officials):
                sent = self.doc[mention.start].sent
                current = self._in_office(mention)
                self.officials.append(Official(person, serves, title, sent.start, current))
                if not current:
                    # A former official acts privately: nothing they do is their state's.
                    self.serves[person.key] = None
            self.serves.setdefault(person.key, serves)

    def _in_office(self, mention: Mention) -> bool:
        """False when the text says the person has left the office."""
        sent = self.doc[mention.start].sent
        window = self.doc[max(sent.start, mention.start - 6) : mention.start]
        if any(t.lower_.strip("-") in self.lexicon.past_markers for t in window):
            return False
        head = self.doc[mention.end - 1]
        while head.dep_ in {"compound", "appos", "conj"} and head.head != head:
            head = head.head
        return not (
            head.dep_ in {"dobj", "nsubjpass"}
            and {head.head.lemma_.lower(), head.head.lower_} & self.lexicon.ousting_verbs
        )

    def _state_in_focus(self, index: int) -> Actor | None:
        """The state named last before token ``index``, in its sentence or the one before."""
        sent = self.doc[index].sent
        earliest = self.doc[sent.start - 1].sent.start if sent.start > 0 else 0
        for mention in reversed(self.mentions):
            if earliest <= mention.start < index and mention.actor.type == ActorType.STATE:
                return mention.actor
        return None

    def _title_words(self, tokens: list[Token]) -> tuple[str, bool] | None:
        """(title, excluded?) when the tokens form a title phrase with a head word."""
        lowered = [t.lower_ for t in tokens]
        if not any(w in self.lexicon.heads or w[:-1] in self.lexicon.heads for w in lowered):
            return None
        phrase = f" {' '.join(lowered)} "
        excluded = any(f" {t} " in phrase for t in self.lexicon.excluded)
        return " ".join(t.text for t in tokens), excluded

    def _title_before(self, mention: Mention) -> tuple[Actor | None, str] | None:
        """ "Russian President Vladimir Putin", "NATO Secretary General Mark Rutte",
        "U.S. Ambassador to the United Nations Linda Thomas-Greenfield", "the foreign
        minister of Belgium, Maxime Prevot", "the group's spokesman Yahya Sarea"."""
        doc = self.doc
        sent = doc[mention.start].sent
        i = mention.start - 1
        if i > sent.start and doc[i].text == ",":
            i -= 1  # "his Japanese counterpart, Yoshimasa Hayashi"
        title: list[Token] = []
        serves: Actor | None = None
        while i >= sent.start:
            tok = doc[i]
            other = self.by_token.get(i)
            if other is not None and other.kind != "person":
                # A name inside the title: "Ambassador to the UN" names the posting,
                # "minister of Belgium" the employer; otherwise the name leads the title.
                first = other.start
                before = doc[first - 1] if first > sent.start else None
                if before is not None and before.lower_ == "the" and first - 1 > sent.start:
                    before = doc[first - 2]
                if before is not None and before.lower_ in {"to", "of", "for"}:
                    if before.lower_ == "of" and serves is None:
                        serves = other.actor
                    title[:0] = list(doc[before.i : other.end])
                    i = before.i - 1
                    continue
                break
            if tok.lower_ in {"'s", "’s"}:
                break  # the possessor owns the title: "Russia's foreign minister"
            if tok.lower_ == "and" and not (
                i > sent.start and doc[i - 1].lower_ in self.lexicon.modifiers
            ):
                break  # "Biden and President Xi": "and" joins people, not title words
            if tok.lower_ in self.lexicon.heads or tok.lower_ in self.lexicon.modifiers:
                title.insert(0, tok)
                i -= 1
                continue
            if tok.lower_.rstrip("s") in self.lexicon.heads:  # "Prime Ministers A and B"
                title.insert(0, tok)
                i -= 1
                continue
            break
        # Drop possessive and article tokens at the left edge of the title.
        while title and title[0].lower_ in {"'s", "’s", "the", "of", "to", "for"}:
            title.pop(0)
        words = self._title_words(title)
        if words is None:
            return None
        text, excluded = words
        if excluded:
            return None
        if serves is None and i >= sent.start:
            if i in self.by_token and self.by_token[i].kind != "person":
                serves = self.by_token[i].actor
            elif doc[i].lower_ in {"'s", "’s"} and i - 1 >= sent.start:
                # "Russia's foreign minister", "the Iran-aligned group's spokesman"
                owner = self.by_token.get(i - 1)
                if owner is not None and owner.kind != "person":
                    serves = owner.actor
                else:
                    found = self._resolve_one(doc[i - 1], 0)
                    serves = found[0] if found else None
                    if serves is None:
                        return None  # an owner we cannot name: not a guess either
        return serves, text

    def _title_after(self, mention: Mention) -> tuple[Actor | None, str] | None:
        """ "Mark Rutte, NATO's secretary general," / "Lavrov, the Russian foreign minister"."""
        doc, j = self.doc, mention.end
        if j >= len(doc) or doc[j].text != ",":
            return None
        phrase: list[Token] = []
        j += 1
        while j < len(doc) and len(phrase) < 10 and doc[j].text not in {",", ".", ";", ")"}:
            if j in self.by_token and self.by_token[j].kind == "person":
                return None
            phrase.append(doc[j])
            j += 1
        words = self._title_words([t for t in phrase if t.i not in self.by_token])
        if words is None or words[1]:
            return None
        serves = next((self.by_token[t.i].actor for t in phrase if t.i in self.by_token), None)
        if serves is None or serves.type == ActorType.PERSON:
            return None
        # The title must come first or right after the serving actor ("the Russian
        # foreign minister", "NATO's secretary general"), not in a clause about it.
        first = phrase[0].lower_
        if first not in {"the", "a", "an"} | self.lexicon.heads | self.lexicon.modifiers and (
            phrase[0].i not in self.by_token
        ):
            return None
        return serves, words[0]

    # ------------------------------------------------------------------ resolution
    def state_of(self, person: Actor) -> Actor | None:
        """The state or organisation a person acts for in this document, if known."""
        if person.key in self.serves:
            return self.serves[person.key]  # None for a former official
        known = self.gaz.person(person.key, self.date)
        return self.gaz.actors.get(known.serves) if known else None

    def lift(self, actor: Actor) -> Actor | None:
        if actor.type != ActorType.PERSON:
            return actor
        return self.state_of(actor)

    def mention_at(self, token: Token) -> Mention | None:
        return self.by_token.get(token.i)

    def resolve(self, token: Token, *, lift: bool = True, depth: int = 0) -> list[Actor]:
        """Actors denoted by the phrase headed by ``token``, conjuncts included."""
        found: list[Actor] = []
        heads = [token, *token.conjuncts]
        for position in token.children:
            if position.dep_ == "appos" and position.lower_ in _CAPTION_POSITIONS:
                # "poses with Rutte, center, and the ministers of A and B": the parser hangs
                # the rest of the list on the photo position
                heads += [c for c in position.conjuncts if c != token]
        if token.i in self.by_token:
            # "Australia, the United States and Britain": a list the parser reads as an
            # apposition followed by conjuncts.
            for appos in token.children:
                if appos.dep_ == "appos" and appos.i in self.by_token:
                    heads += [appos, *appos.conjuncts]
        for head in heads:
            for actor in self._resolve_one(head, depth):
                if lift:
                    lifted = self.lift(actor)
                    if lifted is None:
                        continue
                    actor = lifted
                if actor not in found:
                    found.append(actor)
        return found

    def _resolve_one(self, tok: Token, depth: int) -> list[Actor]:
        if depth > 3:
            return []
        mention = self.by_token.get(tok.i)
        if mention is not None:
            return [mention.actor]
        if tok.dep_ == "appos" and tok.head.i in self.by_token and tok.pos_ == "NOUN":
            return [self.by_token[tok.head.i].actor]  # "ECOWAS, a regional bloc that…"
        low = tok.lower_
        if tok.pos_ == "PRON":
            return self._pronoun(tok)
        if tok.lemma_.lower() in _QUANTITIES:
            for child in tok.children:
                if child.dep_ == "prep" and child.lower_ == "of":
                    for pobj in child.children:
                        if pobj.dep_ == "pobj":
                            return self._resolve_one(pobj, depth + 1)
        if low in {"north", "south"} and any(c.lower_ == "the" for c in tok.children):
            return self._the_north_south(low)
        # A noun that stands for its modifier: "Russian forces", "Russia's military",
        # "a senior US official", "the government of Japan", "the bloc's members".
        if tok.pos_ in {"NOUN", "PROPN"}:
            abbreviation = self._abbreviation(tok)
            if abbreviation is not None:
                return [abbreviation]
            appositions = [c for c in tok.children if c.dep_ == "appos"]
            if appositions and tok.lemma_.lower() in self.lexicon.agent_nouns:
                # "NATO member Turkey", "three states Niger, Mali and Burkina Faso"
                found = self.resolve(appositions[0], lift=False, depth=depth + 1)
                if found:
                    return found
            # A named modifier outranks a possessive pronoun: in "his Indian counterpart"
            # the counterpart is India's, whoever "his" is.
            # A named possessive outranks the rest: "Afghanistan's Taliban administration".
            modifiers = sorted(
                tok.children,
                key=lambda c: (
                    0 if c.dep_ == "poss" and c.pos_ != "PRON" else 2 * (c.dep_ == "poss")
                ),
            )
            for child in modifiers:
                if child.dep_ in {"amod", "compound", "poss", "nmod"}:
                    actors = self._modifier_actors(child, depth)
                    if actors and (
                        tok.lemma_.lower() in self.lexicon.agent_nouns
                        or tok.lower_ in self.lexicon.agent_nouns
                        or tok.lemma_.lower() in _GOODS  # "Russian oil" comes from Russia
                    ):
                        return actors
            if low in self.lexicon.agent_nouns or tok.lemma_.lower() in self.lexicon.agent_nouns:
                # "the government of Japan", "officials in Tokyo" (but "countries of unfair
                # practices" is nobody)
                # ("a spokesman for Afghanistan's Taliban administration")
                found = self._object_of(tok, {"of", "in", "from", "for"}, depth)
                if found:
                    return found
                for participle in tok.children:  # "Western countries led by the US"
                    if participle.dep_ == "acl" and participle.lemma_.lower() == "lead":
                        found = self._object_of(participle, {"by"}, depth)
                        if found:
                            return found
            if tok.pos_ == "PROPN" and tok.ent_type_ in {"LOC", "GPE", "FAC"}:
                # "Russia's Far East", "Ukraine's Donbas": a region named as a state's
                owner = [c for c in tok.children if c.dep_ == "poss"]
                found = [
                    a
                    for a in (self._modifier_actors(owner[0], depth) if owner else [])
                    if a.type == ActorType.STATE
                ]
                if found:
                    return found
            if tok.lemma_.lower() in _GOODS:
                # "tariffs on imports from Japan": the goods stand for where they come from.
                found = self._object_of(tok, {"from", "of"}, depth)
                if found:
                    return found
            if tok.lemma_.lower() in PLACE_NOUNS:
                found = self._object_of(tok, {"in", "of", "near", "across"}, depth) or [
                    a
                    for child in tok.children
                    if child.dep_ in {"poss", "amod", "compound"}
                    for a in self._modifier_actors(child, depth)
                ]
                if found:
                    return found
            if tok.lemma_.lower() in _POPULATION:
                for child in tok.children:
                    if child.dep_ == "prep" and child.lower_ in {"in", "of", "across"}:
                        for pobj in child.children:
                            if pobj.dep_ == "pobj" and pobj.i in self.by_token:
                                return [self.by_token[pobj.i].actor]
            return self._collective(tok)
        return []

    def _abbreviation(self, tok: Token) -> Actor | None:
        """ "the United Nations agency for Palestinian refugees (UNRWA)": a name in
        brackets right after a noun phrase names the whole phrase."""
        if tok.lemma_.lower() not in self.lexicon.agent_nouns:
            return None
        end = min(tok.i + 8, tok.sent.end - 1)
        for j in range(tok.i + 1, end):
            word = self.doc[j]
            if word.text == "(":
                mention = self.by_token.get(j + 1)
                if mention is not None and mention.actor.type != ActorType.PERSON:
                    return mention.actor
                return None
            if word.pos_ in {"VERB", "AUX"} or word.text in {",", ";", ".", "—", "–"}:
                return None
        return None

    def _object_of(self, tok: Token, preps: set[str], depth: int) -> list[Actor]:
        for child in tok.children:
            if child.dep_ in {"prep", "agent"} and child.lower_ in preps:
                for pobj in child.children:
                    if pobj.dep_ == "pobj":
                        found = self.resolve(pobj, lift=False, depth=depth + 1)
                        if found:
                            return found
        return []

    def _modifier_actors(self, child: Token, depth: int) -> list[Actor]:
        if child.i in self.by_token:
            # "Guyanese and US defence officials": every coordinated modifier
            return [
                self.by_token[t.i].actor for t in [child, *child.conjuncts] if t.i in self.by_token
            ]
        if child.dep_ == "poss":
            return self._resolve_one(child, depth + 1)
        return []

    def owners(self, tok: Token, _depth: int = 0) -> list[Actor]:
        """Actors that own or hold a thing: "NATO's meeting", "the meeting of NATO",
        "the NATO summit", "Russian diplomats"."""
        found: list[Actor] = []
        possessors = [c for c in tok.children if c.dep_ == "poss"]
        for child in possessors or tok.children:
            # "Sweden's NATO bid" belongs to Sweden, not to NATO.
            if child.dep_ in {"poss", "compound", "amod", "nmod"}:
                found += self.resolve(child)
            elif child.dep_ in {"prep", "agent"} and child.lower_ in {"of", "by"}:
                for pobj in child.children:
                    if pobj.dep_ == "pobj":
                        # "the escalation of hostilities by Russia": one level deeper.
                        found += self.resolve(pobj) or (
                            self.owners(pobj, _depth + 1) if _depth < 1 else []
                        )
        return list(dict.fromkeys(found))

    def recent_organisation(self, tok: Token) -> list[Actor]:
        """The organisation named last before ``tok``, within two sentences."""
        earliest = tok.sent.start
        if earliest > 0:
            earliest = self.doc[earliest - 1].sent.start
        for mention in reversed(self.mentions):
            nearby = earliest <= mention.start and mention.end <= tok.i + 8
            if nearby and mention.actor.type == ActorType.ORGANIZATION:
                return [mention.actor]
        return []

    def _pronoun(self, tok: Token) -> list[Actor]:
        low = tok.lower_
        if low in {"they", "them", "their"}:
            return self._plural_antecedent(tok)
        if low in _FIRST_PERSON:
            return self._speaker_of_sentence(tok)
        if low in _PERSON_PRONOUNS:
            want = {ActorType.PERSON}
        elif low in _THING_PRONOUNS:
            want = {ActorType.STATE, ActorType.ORGANIZATION, ActorType.GROUP}
        else:
            return []
        earliest = tok.sent.start
        if tok.sent.start > 0:
            earliest = self.doc[tok.sent.start - 1].sent.start
        # "…against the bloc and accused it": a collective named after the last name
        collective = None
        if ActorType.PERSON not in want:
            for cand in reversed(self.doc[earliest : tok.i]):
                if cand.pos_ == "NOUN" and cand.tag_ == "NN":
                    found = self._collective(cand)
                    if len(found) == 1:
                        collective = (cand.i, found)
                        break
        for mention in reversed(self.mentions):
            if mention.start >= tok.i or mention.start < earliest:
                continue
            if collective is not None and collective[0] > mention.start:
                return collective[1]
            if self._modifies_thing(mention):
                continue  # "Niger national television" names a channel, not an antecedent
            if mention.actor.type in want and (
                mention.kind != "demonym" or ActorType.PERSON not in want
            ):
                return [mention.actor]
        return collective[1] if collective is not None else []

    def _modifies_thing(self, mention: Mention) -> bool:
        """Whether a name only modifies a noun that is no actor ("Niger national
        television"); demonyms and people keep their place ("Russian oil… its war")."""
        root = self.doc[mention.start : mention.end].root
        if mention.kind == "capital" and root.dep_ == "pobj" and root.head.lower_ in _PLACE_PREPS:
            return True  # "met in Abuja": the city, not Nigeria
        if mention.kind in {"demonym", "person"} or root.dep_ not in {"compound", "nmod"}:
            return False
        head = root.head
        return head.lemma_.lower() not in self.lexicon.agent_nouns and head.i not in self.by_token

    def _speaker_of_sentence(self, tok: Token) -> list[Actor]:
        """ "We cooperate with Russia," he stressed: "we" is the speaker's side."""
        reporting = modality_lexicon().reporting_verbs
        for cand in tok.sent:
            if cand.lemma_.lower() in reporting and cand.i != tok.i:
                for child in cand.children:
                    if child.dep_ == "nsubj" and child.lower_ not in _FIRST_PERSON:
                        return self.resolve(child)
        return []

    def _plural_antecedent(self, tok: Token) -> list[Actor]:
        """ "they"/"their": the actors of the latest subject naming several of them, or a
        collective ("the three countries"), within the sentence and the two before it."""
        sents = [tok.sent]
        while len(sents) < 3 and sents[-1].start > 0:
            sents.append(self.doc[sents[-1].start - 1].sent)
        for sent in sents:
            for cand in reversed(list(sent)):
                if cand.i >= tok.i or cand.dep_ not in {"nsubj", "nsubjpass"}:
                    continue
                if cand.pos_ == "PRON":
                    continue
                found = [a for a in self.resolve(cand) if a.type != ActorType.PERSON]
                # several actors, or one named in the plural ("Russian forces"), or an armed
                # group, which "they" names whatever its tag ("the Houthis", "the Taliban")
                if len(found) > 1 or (
                    found
                    and (
                        cand.tag_ in {"NNS", "NNPS"}
                        or all(a.type == ActorType.GROUP for a in found)
                    )
                ):
                    return found
        # No subject names several: the latest phrase elsewhere that does ("the decision
        # by the three countries … they have hardened their rhetoric").
        for sent in sents:
            for cand in reversed(list(sent)):
                if cand.i >= tok.i or cand.pos_ not in {"NOUN", "PROPN"} or cand.dep_ == "conj":
                    continue
                if cand.dep_ == "pobj" and cand.head.lower_ in _PLACE_PREPS:
                    continue  # "unions in France and Poland said they…": not the states
                found = [a for a in self.resolve(cand) if a.type != ActorType.PERSON]
                if len(found) > 1:
                    return found
        return []

    def _listed(self, tok: Token, count: int, wanted: set[ActorType]) -> list[Actor]:
        """The latest list of exactly ``count`` actors before ``tok`` ("Niger, Mali and
        Burkina Faso … the three countries"), however far back: a named list of that size
        is what "the three countries" counts, even when the article opened with it."""
        for mention in reversed(self.mentions):
            if mention.start >= tok.i:
                continue
            head = self.doc[mention.start : mention.end].root
            if head.dep_ == "conj":
                continue  # start from the list's first item
            items = [head, *head.conjuncts]
            items += [t for c in head.children if c.dep_ == "appos" for t in (c, *c.conjuncts)]
            actors: list[Actor] = []
            for item in items:
                found = self.by_token.get(item.i)
                if found is not None and found.actor not in actors:
                    actors.append(found.actor)
            if len(actors) == count and all(a.type in wanted for a in actors):
                return actors
        return []

    def _the_north_south(self, low: str) -> list[Actor]:
        keys = {m.actor.key for m in self.mentions}
        if {"KP", "KR"} & keys:
            return [self.gaz.actors["KP" if low == "north" else "KR"]]
        return []

    def _collective(self, tok: Token) -> list[Actor]:
        """ "the bloc", "the alliance", "the two countries", "the regime"."""
        low = tok.lemma_.lower()
        determiners = {"the", "this", "these", "both", *_NUMBERS}
        if not any(c.lower_ in determiners for c in tok.children):
            return []
        if low == "group":
            wanted = {ActorType.ORGANIZATION, ActorType.GROUP}
        elif low in _COLLECTIVE["armed group"]:
            wanted = {ActorType.GROUP}
        elif low in _COLLECTIVE["org"]:
            wanted = {ActorType.ORGANIZATION}
        elif low in _COLLECTIVE["state"]:
            wanted = {ActorType.STATE}
        else:
            return []
        count = next((_NUMBERS[c.lower_] for c in tok.children if c.lower_ in _NUMBERS), 1)
        if tok.tag_ in {"NNS", "NNPS"} and count == 1:
            return []
        if count > 2:  # (a pair is more often the latest two named than a listed pair)
            listed = self._listed(tok, count, wanted)
            if listed:
                return listed
        found: list[Actor] = []
        # The subjects of the verbs above the collective ("US Secretary of State Rubio
        # congratulated both countries"), names and all.
        acting = [
            (child.left_edge.i, child.right_edge.i)
            for verb in ([] if tok.dep_ in {"nsubj", "nsubjpass"} else tok.ancestors)
            for child in verb.children
            if child.dep_ in {"nsubj", "nsubjpass"} and child.i < tok.i
        ]
        if tok.dep_ in {"pobj", "dobj"} and (relcl := _relative_clause_of(tok)) is not None:
            acting.append((relcl.head.left_edge.i, relcl.head.i))  # the noun it describes
        for mention in reversed(self.mentions):
            if mention.start >= tok.i:
                continue
            root = self.doc[mention.start : mention.end].root
            if root.dep_ == "pobj" and root.head.lower_ in _PLACE_PREPS:
                continue  # "met in Brazil. … both leaders": Brazil is where, not who
            if any(left <= mention.start <= right for left, right in acting):
                continue  # "China urged both countries": the one acting is not one of them
            actor = mention.actor
            if (
                actor.type == ActorType.PERSON
                and ActorType.STATE in wanted
                and mention.start < tok.sent.start
            ):
                actor = self.state_of(actor) or actor  # "Trump met Lee. … the two governments"
            if actor.type in wanted and actor not in found:
                found.append(actor)
                if len(found) == count:
                    break
        return found if len(found) == count else []


def _relative_clause_of(tok: Token) -> Token | None:
    """The relative clause ``tok`` sits in, if any ("which has invested in both …")."""
    for ancestor in tok.ancestors:
        if ancestor.dep_ == "relcl":
            return ancestor
        if ancestor.pos_ in {"VERB", "AUX"} and ancestor.dep_ != "conj":
            return None
    return None


# Prepositions after which a capital is a place ("talks in Abuja"), not its government.
_PLACE_PREPS = {"in", "at", "near", "outside", "around"}

# Where a person stands in a photo caption: "X, left, poses with Y, center, and Z".
_CAPTION_POSITIONS = {"left", "right", "center", "centre", "front", "back", "top", "bottom"}


def _dateline(ent: Span) -> bool:
    """ "MONTEVIDEO, Dec 6 —", "Washington, July 8 (V7N) —": the city an article was
    filed from opens its first sentence and names a place, not a government."""
    sent = ent.sent
    after = ent.doc[ent.end] if ent.end < len(ent.doc) else None
    return (
        ent.start == sent.start
        and after is not None
        and (after.text in {",", "—", "–", "-", "--", "("} or ent.text.isupper())
        and any(t.ent_type_ == "DATE" or t.text in {"—", "–", "--"} for t in sent[:12])
    )


def _name_parts(label: str) -> set[str]:
    parts = label.replace("-", " ").split()
    return {parts[0], parts[-1]} if parts else set()


def _trim_person(ent: Span) -> Span | None:
    """Drop titles and possessives spaCy sometimes includes in a PERSON entity."""
    lexicon = officials_lexicon()
    start, end = ent.start, ent.end
    doc = ent.doc
    while start < end and (
        doc[start].lower_ in lexicon.heads or doc[start].lower_ in lexicon.modifiers
    ):
        start += 1
    while end > start and doc[end - 1].lower_ in {"'s", "’s", "'"}:
        end -= 1
    if start >= end or not any(t.is_alpha for t in doc[start:end]):
        return None
    return doc[start:end]
