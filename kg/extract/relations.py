"""Relation frames: trigger words from ``data/lexicon/relations.yaml`` and their arguments.

A trigger (a verb such as *send* or a noun such as *summit*) fills a frame from the
dependency tree: the acting actor (subject, passive agent, possessor, modifier, or the
subject of a light verb governing the noun — "imposed sanctions on…"), the target
(object, prepositional objects), and for verbs of transfer the theme that decides the
relation ("send troops" vs "send aid"). Arguments are resolved to actors by
:class:`~kg.extract.actors.DocActors`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cache

from spacy.tokens import Token

from kg.extract.actors import PLACE_NOUNS, DocActors
from kg.extract.gazetteer import load_lexicon
from kg.model import Actor, ActorType, Modality, Relation
from kg.ontology import relation

__all__ = ["Candidate", "Lexicon", "Trigger", "find_candidates", "relation_lexicon"]

# Verbs that only carry a nominal trigger ("imposed sanctions", "held talks"): the
# verb's subject is the noun's actor.
_LIGHT_VERBS = {
    "emerge",
    "withhold",
    "freeze",
    "pause",
    "accept",
    "adopt",
    "agree",
    "allocate",
    "announce",
    "apply",
    "approve",
    "attend",
    "authorise",
    "authorize",
    "be",
    "become",
    "begin",
    "bolster",
    "boost",
    "broaden",
    "build",
    "carry",
    "commit",
    "complete",
    "conclude",
    "condemn",
    "conduct",
    "continue",
    "create",
    "cut",
    "deepen",
    "deliver",
    "develop",
    "discuss",
    "double",
    "earmark",
    "ease",
    "end",
    "engage",
    "enhance",
    "enter",
    "escalate",
    "establish",
    "expand",
    "express",
    "extend",
    "fight",
    "finalise",
    "finalize",
    "forge",
    "form",
    "give",
    "halt",
    "have",
    "hike",
    "hold",
    "host",
    "impose",
    "increase",
    "ink",
    "intensify",
    "introduce",
    "issue",
    "join",
    "keep",
    "launch",
    "lead",
    "level",
    "levy",
    "lift",
    "lodge",
    "maintain",
    "make",
    "mark",
    "mount",
    "offer",
    "open",
    "order",
    "participate",
    "place",
    "plan",
    "pledge",
    "promote",
    "propose",
    "provide",
    "pursue",
    "put",
    "raise",
    "ramp",
    "ratify",
    "reach",
    "receive",
    "remain",
    "respond",
    "retaliate",
    "renew",
    "request",
    "resume",
    "scale",
    "seal",
    "seek",
    "send",
    "set",
    "sign",
    "slap",
    "stage",
    "start",
    "stay",
    "step",
    "stop",
    "strengthen",
    "suspend",
    "take",
    "threaten",
    "tighten",
    "unleash",
    "unveil",
    "upgrade",
    "voice",
    "bind",
    "link",
    "unite",
    "tie",
    "vow",
    "promise",
    "weigh",
    "consider",
    "mull",
    "prepare",
    "wage",
    "welcome",
    "win",
}
# Labels whose target may be the owner of the object ("criticised China's support").
_OWNER_TARGETS = {"CRITICIZES", "SUPPORTS", "THREATENS", "SANCTIONS"}
_PARTICIPANT_PREPS = {"with", "between", "among", "involving", "including"}
_SUBJECT_DEPS = {"nsubj", "csubj"}


@dataclass(frozen=True, slots=True)
class Trigger:
    """One lexicon entry: a word sense that states a relation."""

    words: tuple[str, ...]  # lemmas, last one the head ("military aid" → ("military", "aid"))
    pos: str
    relation: str
    label: str  # the relation's scoring label (MEMBER_OF for joins, …)
    theme: str | None
    patient: tuple[str, ...]
    reverse: bool
    modality: Modality | None
    context: frozenset[str]
    theme_owner_is_patient: bool
    modifier_is_patient: bool
    named_modifier: bool
    owner_patient: bool
    needs_patient: bool
    to_clause: bool = False  # the verb must govern a "to" clause ("asked Biden to act")
    excludes: frozenset[str] = frozenset()  # labels of the bare head word this phrase replaces


@dataclass
class Lexicon:
    by_head: dict[tuple[str, str], list[Trigger]]
    themes: dict[str, str]
    military_modifiers: frozenset[str]

    def triggers_for(self, tok: Token) -> list[Trigger]:
        lemma = tok.lemma_.lower()
        known = ("noun", lemma) in self.by_head or ("verb", lemma) in self.by_head
        if not known and not (tok.tag_ == "VBG" and ("noun", tok.lower_) in self.by_head):
            return []  # most words trigger nothing: decide that before any parse walk
        pos = "verb" if tok.pos_ == "VERB" else "noun" if tok.pos_ in {"NOUN", "PROPN"} else ""
        if pos == "noun" and any(c.dep_ == "nsubj" for c in tok.children):
            pos = "verb"  # a verb the tagger took for a plural noun: "Kim … poses with Rutte"
        if not pos:
            return []
        lemma = tok.lemma_.lower()
        found = []
        for trig in self.by_head.get((pos, lemma), ()):
            if len(trig.words) == 1 or _preceded_by(tok, trig.words[:-1]):
                found.append(trig)
        if pos == "verb" and tok.tag_ == "VBG" and tok.dep_ in {"nsubj", "nsubjpass", "pobj"}:
            # a gerund standing as a noun: "Fighting between Israel and Hezbollah…"
            found += self.by_head.get(("noun", tok.lower_), ())
        return found

    def theme_of(self, tok: Token) -> str | None:
        """The theme class of a noun: "troops" → troops, "military aid" → weapons,
        "$93 million" → aid."""
        lemma = tok.lemma_.lower()
        cls = self.themes.get(lemma) or self.themes.get(tok.lower_)
        if cls is None and tok.ent_type_ == "MONEY":
            cls = "aid"
        modifiers = {c.lemma_.lower() for c in tok.children if c.dep_ in {"amod", "compound"}}
        if cls == "aid" and modifiers & self.military_modifiers:
            return "weapons"
        if (
            cls is None
            and modifiers & self.military_modifiers
            and lemma
            in {"support", "help", "hardware", "good", "cargo", "item", "supply", "material"}
        ):
            return "weapons"
        return cls


def _preceded_by(tok: Token, words: tuple[str, ...]) -> bool:
    doc = tok.doc
    start = tok.i - len(words)
    if start < 0:
        return False
    return all(
        doc[start + k].lemma_.lower() == w or doc[start + k].lower_ == w
        for k, w in enumerate(words)
    )


@cache
def relation_lexicon() -> Lexicon:
    """The trigger lexicon, indexed by (part of speech, head lemma)."""
    data = load_lexicon("relations")
    themes = {w: cls for cls, words in data["themes"].items() for w in map(str, words)}
    by_head: dict[tuple[str, str], list[Trigger]] = defaultdict(list)
    for entry in data["triggers"]:
        relation(entry["relation"])  # fail early on a property the ontology lacks
        for lemma in entry["lemmas"]:
            words = tuple(str(lemma).lower().split())
            by_head[(entry["pos"], words[-1])].append(
                Trigger(
                    words=words,
                    pos=entry["pos"],
                    relation=entry["relation"],
                    label=relation(entry["relation"]).label,
                    theme=entry.get("theme"),
                    patient=tuple(entry.get("patient", ())),
                    reverse=bool(entry.get("reverse")),
                    modality=Modality(entry["modality"]) if entry.get("modality") else None,
                    context=frozenset(entry.get("context", ())),
                    theme_owner_is_patient=bool(entry.get("theme_owner_is_patient")),
                    modifier_is_patient=entry["relation"] in {"memberOf", "alliedWith"}
                    or bool(entry.get("modifier_is_patient")),
                    named_modifier=bool(entry.get("named_modifier")),
                    owner_patient=bool(entry.get("owner_patient")),
                    needs_patient=bool(entry.get("needs_patient")),
                    to_clause=bool(entry.get("to_clause")),
                    excludes=frozenset(entry.get("excludes", ()) if len(words) > 1 else ()),
                )
            )
    for triggers in by_head.values():
        # Longer phrases first, then entries that demand a theme, so "military aid" beats
        # "aid" and "send troops" beats a bare "send".
        triggers.sort(key=lambda t: (-len(t.words), t.theme is None))
    return Lexicon(dict(by_head), themes, frozenset(map(str, data.get("military_modifiers", ()))))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A relation found in one sentence, before modality and attribution are settled."""

    subject: Actor
    relation: Relation
    object: Actor
    trigger: Token
    forced: Modality | None
    # The relation is stated by the trigger phrase alone ("current members Brazil and
    # Russia"), so the verbs around it do not change its modality.
    local: bool = False


def find_candidates(actors: DocActors, lexicon: Lexicon | None = None) -> list[Candidate]:
    """Every relation the triggers of ``actors.doc`` state between resolvable actors."""
    lexicon = lexicon or relation_lexicon()
    found: list[Candidate] = []
    last_meeting: list[Actor] = []  # who took part in the meeting the text spoke of last
    authors: dict[str, list[Actor]] = {}  # trigger lemma → who did it, last time named
    punishers: dict[Actor, list[Actor]] = defaultdict(list)  # who sanctioned whom
    last_agreement: list[Actor] = []  # the parties to the agreement named last
    retaliations: list[tuple[Trigger, Token, list[Actor], bool]] = []
    for tok in actors.doc:
        mention = actors.mention_at(tok)
        if mention is not None and mention.kind == "name":
            continue  # "Rapid Support Forces", "Alliance of Sahel States" are names
        # One reading per relation label; a reading that matched its theme ("hit Iran
        # with sanctions") rules out the readings that need none ("hit" as an attack).
        done: set[str] = set()
        themed = False
        triggers = lexicon.triggers_for(tok)
        # "military aid" is read as a phrase, never also as a bare "aid"
        excluded = {x for t in triggers for x in t.excludes} if triggers else set()
        for trig in triggers:
            label = trig.label
            if label in done or themed or (label in excluded and not trig.excludes):
                continue  # a theme picks one reading of the word: send troops OR send aid
            frame = _fill(trig, tok, actors, lexicon)
            if frame is None:
                continue
            agents, patients, local = frame
            if trig.theme == "meeting" and not patients and _definite_object(tok):
                # "Putin participated in the discussions": the talks named before.
                patients = [a for a in last_meeting if a not in agents]
            if not patients and trig.label in {"CRITICIZES", "SUPPORTS"} and "dobj" in trig.patient:
                # "China condemned the tariffs": whoever the text said imposed them.
                for act in _children(tok, "dobj"):
                    if any(c.lower_ in {"the", "these", "this"} for c in act.children):
                        done_by = authors.get(act.lemma_.lower(), [])
                        patients = [a for a in done_by if a not in agents]
            if not patients and agents and label in _RESPONSE_LABELS:
                patients = _responded_to(tok, actors, agents)
                if not patients and _retaliates(tok):
                    retaliations.append((trig, tok, agents, local))
            pairs = _pairs(trig, tok, agents, patients, local)
            if label in _SUPPORT_KINDS and pairs:
                # "political, financial and military support": each kind its own relation
                for other in _support_kinds(tok, lexicon) - {label}:
                    rel = relation(_SUPPORT_KINDS[other])
                    pairs += [replace(c, relation=rel) for c in pairs if c.relation.label == label]
            if label in {"SUPPORTS", "AID"} and _military_purpose(tok, lexicon):
                # "China's support for Russia's defense industrial base"
                military = relation("militaryAid")
                pairs = [replace(c, relation=military) for c in pairs]
            if label == "AGREEMENT_WITH" and _names_alliance(tok, actors):
                # "the ANZUS treaty involving Australia, New Zealand and the US": parties to
                # an alliance's treaty are allies
                allied = Trigger(
                    **{**_fields(trig), "relation": "alliedWith", "label": "ALLIED_WITH"}
                )
                pairs += _pairs(allied, tok, agents, patients, local)
            if label == "SANCTIONS":
                for c in pairs:
                    punishers[c.object] += (
                        [c.subject] if c.subject not in punishers[c.object] else []
                    )
            if pairs:
                authors[tok.lemma_.lower()] = list(
                    dict.fromkeys(c.subject for c in pairs)
                    if not pairs[0].relation.symmetric
                    else dict.fromkeys(a for c in pairs for a in (c.subject, c.object))
                )
            if label == "MEETS" and pairs:
                pairs += _meetings_of_organisations(tok, actors, pairs)
                last_meeting = list(dict.fromkeys(a for c in pairs for a in (c.subject, c.object)))
            if label == "AGREEMENT_WITH" and pairs:
                last_agreement = list(
                    dict.fromkeys(a for c in pairs for a in (c.subject, c.object))
                )
            found.extend(pairs)
            done.add(label)
            themed = themed or trig.theme is not None
        found += _named_group(tok, actors)
        if _mutual_defence_treaty(tok):
            # "…signed a treaty that obliges each to provide military assistance if the
            # other is attacked": the parties are allies (this treaty's, or the one meant)
            parties = list(
                dict.fromkeys(
                    a
                    for c in found
                    if c.trigger.sent == tok.sent and c.relation.label == "AGREEMENT_WITH"
                    for a in (c.subject, c.object)
                )
            ) or (last_agreement if _definite(tok) else [])
            allied = relation("mutualDefenceWith")
            found += [
                Candidate(a, allied, b, tok, None, True)
                for i, a in enumerate(parties)
                for b in parties[i + 1 :]
            ]
    for trig, tok, agents, local in retaliations:
        # "Canada and Mexico hit back with tariffs": at whoever the text says sanctioned
        # them, before or after (a headline comes first)
        targets = [p for a in agents for p in punishers.get(a, []) if p not in agents]
        found += _pairs(trig, tok, agents, list(dict.fromkeys(targets)), local)
    return found


_NAMING_VERBS = {"know", "call", "dub", "name", "brand", "nickname"}

# Acts aimed at someone that the text may leave untargeted because it says what they
# answer: "sanctions in response to Russia's invasion", "hit back with tariffs".
_RESPONSE_LABELS = {"SANCTIONS", "CRITICIZES", "THREATENS"}
_RETALIATION_WORDS = {
    "back",
    "retaliate",
    "retaliatory",
    "retaliation",
    "reciprocal",
    "countermeasure",
    "counter",
    "tit-for-tat",
    "reprisal",
    "response",
    "respond",
}


def _response_places(tok: Token) -> list[Token]:
    places = [tok, *_children(tok, "dobj")]
    if tok.dep_ in {"dobj", "pobj"}:
        places.append(tok.head if tok.dep_ == "dobj" else tok.head.head)
    return places


def _retaliates(tok: Token) -> bool:
    """Whether the act is retaliation: "hit back with tariffs", "retaliatory measures"."""
    places = _response_places(tok)
    return bool({t.lemma_.lower() for p in places for t in (p, *p.children)} & _RETALIATION_WORDS)


_TREATY_NOUNS = {"treaty", "pact", "agreement", "accord", "charter"}
_REFUSING_VERBS = {"reject", "dismiss", "refuse", "ignore", "defy", "rebuff", "spurn", "resist"}
_MEETING_NOUNS = {"summit", "meeting", "talk", "conference", "session", "visit"}
# Words that make a treaty a mutual-defence one: one party's defence is the other's.
_MUTUAL_CUES = (
    "either side",
    "each other",
    "one another",
    "the other",
    "attack on one",
    "mutual defen",
    "mutual-defen",
    "collective defen",
    "mutual assistance",
)
_DEFENCE_CUES = ("attack", "aggression", "military assistance", "defen", "invasion")


def _mutual_defence_treaty(tok: Token) -> bool:
    """Whether ``tok`` is a treaty its sentence describes as one of mutual defence."""
    if tok.lemma_.lower() not in _TREATY_NOUNS or tok.pos_ != "NOUN":
        return False
    text = tok.sent.text.lower()
    return any(c in text for c in _MUTUAL_CUES) and any(c in text for c in _DEFENCE_CUES)


def _definite(tok: Token) -> bool:
    return any(c.lower_ in {"the", "this", "that"} for c in tok.children)


_GATHERINGS = _MEETING_NOUNS | {"gathering", "forum", "assembly", "week", "sideline", "margin"}


def _meetings_of_organisations(
    tok: Token, actors: DocActors, pairs: list[Candidate]
) -> list[Candidate]:
    """Attending an organisation's meeting is meeting the organisation (gold rule 7):
    "talks on the sidelines of the G20 meeting", or a summit whose participants are all
    members of an organisation the text names ("a summit involving Lula, Modi, Xi and
    Ramaphosa" in an article about BRICS)."""
    participants = list(dict.fromkeys(a for c in pairs for a in (c.subject, c.object)))
    hosts: list[Actor] = []
    places = _prep_objects(tok, {"at", "during", "on"})
    places += [
        o
        for p in places
        if p.lemma_.lower() in {"sideline", "margin"}
        for o in _prep_objects(p, {"of"})
    ]
    for place in places:
        if place.lemma_.lower() in _GATHERINGS:
            hosts += [a for a in actors.owners(place) if a.type == ActorType.ORGANIZATION]
    states = [a for a in participants if a.type == ActorType.STATE]
    if not hosts and len(states) >= 3 and tok.lemma_.lower() in {"summit", "talk", "meeting"}:
        named = {m.actor for m in actors.mentions if m.actor.type == ActorType.ORGANIZATION}
        for org in named:
            members = set(actors.gaz.members.get(org.key, ()))
            if all(s.key in members for s in states):
                hosts.append(org)
    rel = relation("meets")
    return [
        Candidate(a, rel, h, tok, None, False)
        for h in dict.fromkeys(hosts)
        for a in participants
        if a != h and h not in participants
    ]


_SUPPORT_KINDS = {"AID": "aid", "MILITARY_AID": "militaryAid", "SUPPORTS": "supports"}
_SUPPORT_NOUNS = {"support", "assistance", "aid", "help", "backing"}
_ECONOMIC_ADJECTIVES = {
    "financial",
    "economic",
    "humanitarian",
    "budgetary",
    "budget",
    "development",
    "reconstruction",
    "fiscal",
    "macro-financial",
    "macroeconomic",
    "technical",
}


def _support_kinds(tok: Token, lexicon: Lexicon) -> set[str]:
    """The kinds of support a list of adjectives names: "political, financial,
    humanitarian, military and diplomatic support" is support, aid and military aid."""
    nouns = [tok] if tok.pos_ == "NOUN" else _children(tok, "dobj")
    kinds: set[str] = set()
    for noun in nouns:
        if noun.lemma_.lower() not in _SUPPORT_NOUNS:
            continue
        adjectives = [c for c in noun.children if c.dep_ in {"amod", "compound"}]
        adjectives += [x for a in adjectives for x in a.conjuncts]
        words = {a.lemma_.lower() for a in adjectives}
        if len(adjectives) < 2:
            continue  # one adjective already chose the trigger's reading
        if words & _ECONOMIC_ADJECTIVES:
            kinds.add("AID")
        if words & lexicon.military_modifiers:
            kinds.add("MILITARY_AID")
        if words & {"political", "diplomatic", "moral"}:
            kinds.add("SUPPORTS")
    return kinds


def _military_purpose(tok: Token, lexicon: Lexicon) -> bool:
    """Whether support or aid is given to something military ("support for Russia's
    defense industrial base", "aid for Ukraine's war effort")."""
    if tok.pos_ != "NOUN":
        return False
    military = lexicon.military_modifiers | {"army", "war", "armed"}
    for target in _prep_objects(tok, {"for", "to"}):
        words = [target, *(c for c in target.children if c.dep_ in {"compound", "amod", "nmod"})]
        if any(w.lemma_.lower() in military or w.lower_ in military for w in words):
            return True
    return False


def _names_alliance(tok: Token, actors: DocActors) -> bool:
    """Whether a treaty noun is named after an alliance ("the ANZUS treaty")."""
    kinds = actors.gaz.org_kinds
    for child in tok.children:
        mention = actors.mention_at(child) if child.dep_ in {"compound", "nmod"} else None
        if mention is not None and kinds.get(mention.actor.key) == "alliance":
            return True
    return False


def _fields(trig: Trigger) -> dict[str, object]:
    return {name: getattr(trig, name) for name in Trigger.__slots__}


def _responded_to(tok: Token, actors: DocActors, agents: list[Actor]) -> list[Actor]:
    """Whom an untargeted sanction, criticism or threat answers: the author of the act it
    responds to ("in response to / over Russia's invasion")."""
    places = _response_places(tok)
    acts: list[Token] = []
    for place in places:
        acts += _prep_objects(place, {"over"})  # ("for" is as often the beneficiary)
        for response in _prep_objects(place, {"in"}):
            if response.lemma_.lower() in {"response", "retaliation", "reaction", "reply"}:
                acts += _prep_objects(response, {"to", "for"})
    found = [
        a for act in acts for a in actors.resolve(act) or actors.owners(act) if a not in agents
    ]
    return list(dict.fromkeys(found))


def _named_group(tok: Token, actors: DocActors) -> list[Candidate]:
    """Members of a group the text names: "South Korea, Japan, Australia and New Zealand,
    known as the IP4"; "their partnership is known as AUKUS" (the partners are members)."""
    if tok.lemma_.lower() not in _NAMING_VERBS or tok.tag_ != "VBN":
        return []
    groups = [
        a
        for a in _resolve_all(actors, _prep_objects(tok, {"as"}) + _children(tok, "oprd"))
        if a.type == ActorType.ORGANIZATION
    ]
    if not groups:
        return []
    if tok.dep_ == "acl":
        named = [tok.head, *tok.head.conjuncts]
    else:  # "their partnership is known as…": whoever the partnership belongs to
        named = [o for s in _children(tok, "nsubjpass") for o in _children(s, "poss")]
    members: list[Actor] = []
    for name in named:
        mention = actors.mention_at(name)
        for actor in [mention.actor] if mention else actors.resolve(name):
            if actor not in members and actor not in groups and actor.type != ActorType.PERSON:
                members.append(actor)
    rel = relation("memberOf")
    return [Candidate(m, rel, g, tok, None, True) for m in members for g in groups]


def _joint(tok: Token, trig: Trigger) -> bool:
    """A joint undertaking ("joint naval drills with the US and Australia") binds every
    party to every other, as a meeting does (gold rule 7)."""
    return trig.relation == "holdsJointExercises" or _said_joint(tok, trig)


def _said_joint(tok: Token, trig: Trigger) -> bool:
    """Whether the words call it joint: "joint drills", "a trilateral pact"."""
    return any(c.lower_ in _JOINT_WORDS for c in tok.children) or any(
        w in _JOINT_WORDS for w in trig.words
    )


_JOINT_WORDS = {"joint", "combined", "trilateral", "multilateral", "quadrilateral"}


def _definite_object(verb: Token) -> bool:
    """Whether the verb's meeting is one already spoken of ("the talks", "the summit")."""
    objects = _children(verb, "dobj") + _prep_objects(verb, {"in", "at"})
    return any(c.lower_ in {"the", "this", "that"} for o in objects for c in o.children)


def _pairs(
    trig: Trigger, tok: Token, agents: list[Actor], patients: list[Actor], local: bool
) -> list[Candidate]:
    rel = relation(trig.relation)
    out: list[Candidate] = []
    if rel.label == "MEMBER_OF":
        # Members belong to organisations, never to a state or a person.
        if trig.reverse:
            agents, patients = patients, agents
        patients = [p for p in patients if p.type == ActorType.ORGANIZATION]
        agents = [a for a in agents if a.type != ActorType.PERSON]
        return [Candidate(a, rel, b, tok, trig.modality, local) for a in agents for b in patients]
    if rel.symmetric:
        everyone = list(dict.fromkeys(agents + patients))
        all_pairs = [(a, b) for i, a in enumerate(everyone) for b in everyone[i + 1 :]]
        # "A and B finalized trade agreements with C": several deals, one party each; but
        # "A and B held joint drills with C" is one undertaking of all three.
        separate = trig.needs_patient or (_plural_object(tok) and not _said_joint(tok, trig))
        joint = rel.label in {"MEETS", "AGREEMENT_WITH"} or _joint(tok, trig)
        if agents and patients and (not joint or separate):
            pairs = [(a, b) for a in agents for b in patients]
        else:
            # Every named participant of one meeting or agreement meets / is party with
            # every other (gold rule 7).
            pairs = all_pairs
    else:
        if trig.reverse:
            agents, patients = patients, agents
        pairs = [(a, b) for a in agents for b in patients]
    seen = set()
    for a, b in pairs:
        if a == b or (a, b) in seen:
            continue
        seen.add((a, b))
        out.append(Candidate(a, rel, b, tok, trig.modality, local))
    return out


Frame = tuple[list[Actor], list[Actor], bool]  # agents, patients, stated locally


def _plural_object(tok: Token) -> bool:
    """Whether the trigger (or the noun a verb trigger takes) is plural: several events."""
    if tok.pos_ == "VERB":
        objects = _children(tok, "dobj")
        return bool(objects) and objects[0].tag_ in {"NNS", "NNPS"}
    return tok.tag_ in {"NNS", "NNPS"} and tok.lemma_.lower() not in {"talk", "negotiation"}


def _fill(trig: Trigger, tok: Token, actors: DocActors, lexicon: Lexicon) -> Frame | None:
    if trig.context and not _has_context(tok, trig.context) and not _shared(tok, actors):
        return None
    if trig.to_clause and not any(
        c.dep_ in {"xcomp", "ccomp"} and any(m.tag_ == "TO" for m in c.children)
        for c in tok.children
    ):
        return None
    if trig.pos == "verb":
        return _fill_verb(trig, tok, actors, lexicon)
    return _fill_noun(trig, tok, actors, lexicon)


# Relations that are standing states of affairs or events, presupposed when named as
# someone's (not commitments, memberships or deals, which a possessive can still plan).
_STANDING_LABELS = {"AT_WAR_WITH", "ATTACKS", "COOPERATES_WITH", "ALLIED_WITH", "TRADE"}


def _hyphenated(tok: Token) -> list[Token]:
    """A modifier with the names hyphened onto it: "China-Russia" → [Russia, China]."""
    parts = [tok]
    for child in tok.children:
        between = tok.doc[child.i + 1 : tok.i]
        if child.dep_ in {"compound", "nmod", "amod"} and any(
            t.text in {"-", "–"} for t in between
        ):
            parts += _hyphenated(child)
    return parts


def _shared(tok: Token, actors: DocActors) -> bool:
    """Whether a relational noun belongs to several actors at once ("their partnership"
    after "the US, Britain and Australia…"): then it needs no further context."""
    owners = [a for c in _children(tok, "poss") for a in actors.resolve(c)]
    for child in _children(tok, "compound", "nmod"):  # "the China-Russia partnership"
        owners += [a for part in _hyphenated(child)[1:] for a in actors.resolve(part)]
        owners += actors.resolve(child) if len(_hyphenated(child)) > 1 else []
    return tok.pos_ == "NOUN" and len(set(owners)) >= 2


def _has_context(tok: Token, words: frozenset[str]) -> bool:
    near = [tok.head, *tok.children, *tok.head.children]
    # and what the trigger's prepositions govern: "thanked NATO for its trust and support"
    for obj in _prep_objects(tok, {"for", "over", "about", "on"}):
        near += [obj, *obj.conjuncts]
    return any(t.lemma_.lower() in words or t.lower_ in words for t in near)


def _children(tok: Token, *deps: str) -> list[Token]:
    return [c for c in tok.children if c.dep_ in deps]


def _prep_objects(tok: Token, preps: tuple[str, ...] | set[str]) -> list[Token]:
    """Objects of ``tok``'s prepositions named in ``preps`` ("to Russia")."""
    out = []
    for child in tok.children:
        if child.dep_ in {"prep", "dative", "agent"} and child.lower_ in preps:
            out += [g for g in child.children if g.dep_ in {"pobj", "pcomp"}]
        elif child.dep_ in {"acl", "prep"} and child.lower_ in preps:
            # "a summit involving A, B" (parsed as a participle or a preposition)
            out += _children(child, "dobj", "pobj")
    return out


# Verbs of a purpose clause that name the beneficiary: "$8bn to help Pakistan recover",
# "a loan to aid Kyiv".
_PURPOSE_VERBS = {
    "help",
    "support",
    "assist",
    "aid",
    "rebuild",
    "fund",
    "finance",
    "bolster",
    "back",
    "sustain",
    "strengthen",
    "reconstruct",
    "defend",
}


def _purpose_objects(tok: Token) -> list[Token]:
    out = []
    for child in tok.children:
        if child.dep_ in {"xcomp", "advcl", "acl", "relcl"} and child.lemma_.lower() in (
            _PURPOSE_VERBS
        ):
            out += _children(child, "dobj")
            for comp in _children(child, "ccomp", "xcomp"):  # "help Pakistan recover"
                out += _children(comp, "nsubj")
    return out


_HOSTING = {"host", "organise", "organize", "chair", "convene", "sponsor"}

# Prepositions through which a verb's object does what the gerund says: "warned X against
# attacking", "accused X of supplying", "stopped X from joining" (but not "by signing").
_CONTROL_PREPS = {"against", "of", "from", "into"}


# Verbs that judge, reward or punish someone "for" what they did.
_JUDGING_VERBS = {
    "praise",
    "thank",
    "commend",
    "applaud",
    "hail",
    "congratulate",
    "reward",
    "laud",
    "criticize",
    "criticise",
    "condemn",
    "blame",
    "fault",
    "rebuke",
    "slam",
    "castigate",
    "denounce",
    "scold",
    "sanction",
    "punish",
    "penalize",
    "penalise",
    "fine",
    "target",
    "raise",
    "impose",
    "hit",
    "slap",
    "levy",
    "sue",
    "attack",
    "threaten",
    "warn",
}


def subjects_of(verb: Token) -> list[Token]:
    """The subject of ``verb``, inherited through conjunction, control and relative clauses."""
    seen = 0
    via_xcomp = False
    while seen < 6:
        seen += 1
        # Reached through "was invited to join", the passive subject is the one who joins.
        subj = _children(verb, *_SUBJECT_DEPS, *(("nsubjpass",) if seen > 1 else ()))
        if subj and verb.dep_ == "relcl" and subj[0].lower_ in {"who", "which", "that"}:
            return [verb.head]  # "Blinken, who held talks with Lammy"
        if subj:
            return subj
        agent = [g for c in _children(verb, "agent") for g in _children(c, "pobj")]
        if agent:
            return agent
        if verb.dep_ in {"conj", "xcomp", "advcl"} and verb.head != verb:
            head = verb.head
            via_xcomp = verb.dep_ == "xcomp"
            if via_xcomp:
                objects = _children(head, "dobj")
                if objects and head.lemma_.lower() in {
                    "urge",
                    "ask",
                    "call",
                    "invite",
                    "force",
                    "help",
                    "allow",
                    "press",
                    "encourage",
                    "push",
                    "pressure",
                    "order",
                    "tell",
                    "persuade",
                    "want",
                }:
                    return objects
            verb = head
            continue
        if verb.dep_ in {"dobj", "ccomp"} and verb.tag_ == "VBG" and verb.head != verb:
            verb = verb.head  # "decided to suspend funding X": whoever suspends funds
            continue
        if verb.dep_ == "relcl" and verb.head != verb:
            return [verb.head]  # "Russia, which invaded Ukraine"
        if verb.dep_ == "acl" and verb.tag_ != "VBN" and verb.head != verb:
            owner = _children(verb.head, "poss")  # "China's efforts to strengthen ties"
            return owner or _stand_ins(verb.head)  # "countries seeking to join"
        if verb.dep_ == "acl" and via_xcomp:
            return _stand_ins(verb.head)  # "six countries invited to join BRICS"
        if verb.dep_ == "acl":
            return []
        if verb.dep_ == "pcomp" and verb.head.head != verb.head:
            governor = verb.head.head
            objects = _children(governor, "dobj")
            if objects and governor.pos_ == "VERB" and verb.head.lower_ in _CONTROL_PREPS:
                return objects  # "warned China against attacking Taiwan"
            if verb.head.lower_ == "for" and governor.lemma_.lower() in _JUDGING_VERBS:
                # "praised Seoul for sending aid", "raised tariffs on India for buying oil":
                # the one judged did it.
                targets = [t for o in objects for t in _prep_objects(o, {"on", "against"})]
                return targets or objects
            owner = _children(governor, "poss") if governor.pos_ == "NOUN" else []
            if owner:
                return owner  # "its commitment to providing support", "Seoul's plan for"
            verb = governor
            continue
        return []
    return []


def _stand_ins(noun: Token) -> list[Token]:
    """Who a class noun stands for: "Spain and India are among the countries receiving
    oil" — the countries that receive it include Spain and India."""
    prep = noun.head
    if noun.dep_ == "pobj" and prep.lower_ == "among" and prep.head != prep:
        named = _children(prep.head, "nsubj", "nsubjpass")
        if named:
            return named
    return [noun]


def _resolve_all(actors: DocActors, tokens: list[Token]) -> list[Actor]:
    found: list[Actor] = []
    for tok in tokens:
        for actor in actors.resolve(tok):
            if actor not in found:
                found.append(actor)
    return found


def _theme_token(tok: Token, trig: Trigger, lexicon: Lexicon) -> Token | None:
    candidates = _children(tok, "dobj", "nsubjpass", "oprd")  # "called the launch a threat"
    # "provide Russia with weapons", "agreed to a ceasefire", "agreed on a deal"
    candidates += _prep_objects(tok, {"with", "of", "as", "to", "on"})
    if tok.dep_ in {"acl", "relcl"} and tok.tag_ == "VBN":  # "troops sent by Pyongyang"
        candidates.append(tok.head)
    for cand in candidates:
        for noun in [cand, *cand.conjuncts]:
            # "sent thousands of troops", "billions in military aid" (but not "weapons in
            # support of…": only an amount takes its content from "in")
            amount = noun.ent_type_ in {"MONEY", "CARDINAL", "QUANTITY"}
            contents = [
                obj
                for obj in _prep_objects(noun, {"of", "in"} if amount else {"of"})
                if lexicon.theme_of(obj) is not None
            ]
            if lexicon.theme_of(noun) == trig.theme and not (amount and contents):
                return noun  # (an amount of something is that something, not money)
            for obj in contents:
                if lexicon.theme_of(obj) == trig.theme:
                    return obj
    return None


def _fill_verb(trig: Trigger, tok: Token, actors: DocActors, lexicon: Lexicon) -> Frame | None:
    theme = None
    if trig.theme:
        theme = _theme_token(tok, trig, lexicon)
        if theme is None:
            return None
    passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in tok.children)
    if tok.dep_ in {"amod", "acl", "compound"} and tok.tag_ == "VBN" and theme is None:
        # "the Iran-backed militia", "a US-led coalition": prefix acts on the noun.
        prefix = [c for c in tok.children if c.dep_ in {"npadvmod", "compound", "nmod"}]
        if tok.i >= 2 and tok.doc[tok.i - 1].text in {"-", "–"}:
            prefix.append(tok.doc[tok.i - 2])
        agents = _resolve_all(actors, prefix)
        if agents:
            target = tok.head
            if target.dep_ == "appos" and not actors.resolve(target):
                target = target.head  # "Hezbollah, an Iran-backed group,"
            patients = [a for a in actors.resolve(target) if a not in agents]
            return (agents, patients, False) if patients else None
    subjects = subjects_of(tok)
    if trig.label in {"MEETS", "COOPERATES_WITH", "AGREEMENT_WITH"}:
        # "where the Mali, Burkina Faso and Niger borders meet": places do not meet
        subjects = [
            s
            for s in subjects
            if all(t.lemma_.lower() not in PLACE_NOUNS for t in (s, *s.conjuncts))
        ]
    agents = _resolve_all(actors, subjects)
    patient_tokens: list[Token] = []
    owners: list[Actor] = []
    objects = _children(tok, "dobj") or [
        # "supports and finances the group": coordinated verbs share their object
        o
        for conj in _children(tok, "conj")
        if conj.pos_ == "VERB"
        for o in _children(conj, "dobj")
    ]
    if trig.relation == "imposesSanctions" and trig.theme is None:
        # "suspend funding UNRWA" (a gerund the parser made a compound) suspends the
        # funding, not the agency
        objects = [o for o in objects if not any(lexicon.theme_of(c) for c in o.children)]
    for slot in trig.patient:
        if slot == "dobj":
            patient_tokens += [c for c in objects if c != theme]
            if passive:  # "Iran was hit with fresh sanctions by Britain"
                patient_tokens += [c for c in _children(tok, "nsubjpass") if c != theme]
        elif slot == "ccomp":
            # "warned that the US will not tolerate Houthi attacks": whoever the warned-of
            # clause is about, as its subject or object (or their owners).
            for clause in _children(tok, "ccomp"):
                for arg in _children(clause, "nsubj", "nsubjpass", "dobj"):
                    patient_tokens.append(arg)
                    owners += actors.owners(arg)
        elif slot == "ccomp_subject":
            # "demanded that Tehran stop", "insisted that Russia should leave": the subject
            # of a clause in the subjunctive (a base verb), not of a stated fact
            for clause in _children(tok, "ccomp"):
                if clause.tag_ == "VB":
                    patient_tokens += _children(clause, "nsubj")
        elif slot == "xcomp":
            for comp in _children(tok, "xcomp"):
                patient_tokens += _children(comp, "dobj")
                patient_tokens += _prep_objects(comp, {"in", "against", "on", "into"})
        elif slot == "dative":
            for child in _children(tok, "dative"):
                patient_tokens += _children(child, "pobj") if child.pos_ == "ADP" else [child]
            # "provide Russia with weapons": the first object is the recipient.
            patient_tokens += [
                c for c in _children(tok, "dobj") if c is not theme and theme is not None
            ]
    if trig.label in {"AID", "MILITARY_AID"}:
        patient_tokens += _purpose_objects(tok)
        if theme is not None:
            patient_tokens += _purpose_objects(theme)
    preps = tuple(p for p in trig.patient if p not in {"dobj", "dative", "xcomp", "ccomp"})
    if preps:
        patient_tokens += _prep_objects(tok, preps)
        if theme is not None:
            patient_tokens += _prep_objects(theme, preps)
        for dobj in _children(tok, "dobj"):  # "imposed restrictions on", PP on the object
            if dobj != theme:
                patient_tokens += _prep_objects(dobj, preps)
    if passive and theme is not None and not agents:
        # "North Korean troops were dispatched to Russia": the troops' state sends them.
        agents = actors.owners(theme)
    if trig.theme_owner_is_patient and theme is not None:
        owners += actors.owners(theme)
        if not owners and trig.theme == "blame":
            # "called the deployment a grave threat": the blamed act's author
            for act in _children(tok, "dobj"):
                if act != theme:
                    owners += actors.resolve(act) or actors.owners(act)
    if tok.dep_ == "acl" and tok.tag_ == "VBN" and theme is None:
        patient_tokens.append(tok.head)  # "Ukraine, attacked by Russia"
    if tok.lemma_.lower() == "pose":
        patient_tokens += _caption_companions(tok)
    patients = [a for a in _resolve_all(actors, patient_tokens) + owners if a not in agents]
    places = [d for d in _children(tok, "dobj") if d.lemma_.lower() in PLACE_NOUNS]
    if not patients and trig.label == "ATTACKS" and places:
        # "bombed several villages in Afghanistan's Paktika province": the place is in
        # the state it belongs to (parsers attach "in" to the verb as often as the noun).
        located = _resolve_all(actors, _prep_objects(tok, {"in"}))
        patients = [a for a in located if a not in agents]
    if not patients and trig.label in _OWNER_TARGETS:
        # "denounced Lai's speech", "condemned the escalation by Russia": the target is
        # whoever owns the thing criticised or backed.
        for thing in objects + patient_tokens:
            patients += [a for a in actors.owners(thing) if a not in agents]
    if not patients and _reciprocal(tok):
        # "Rwanda and Belgium expelled each other's diplomats": each acts on the other.
        patients = list(agents)
    if not agents and not patients:
        return None
    return agents, list(dict.fromkeys(patients)), False


def _caption_companions(verb: Token) -> list[Token]:
    """Everyone named after "poses with" up to where the caption says where ("at the
    meeting…"): captions list people with photo positions that defeat the parser."""
    found = []
    for word in verb.doc[verb.i + 1 : verb.sent.end]:
        if word.lower_ in {"at", "during", "before", "after", "ahead", "in"} and found:
            break
        if word.ent_type_.startswith("KG_"):
            found.append(word)
    return found


def _reciprocal(verb: Token) -> bool:
    """Whether the verb's object is "each other" / "one another" (or theirs)."""
    for obj in _children(verb, "dobj"):
        for tok in obj.subtree:
            if tok.lower_ not in {"other", "another"}:
                continue
            before = tok.doc[tok.i - 1].lower_ if tok.i > 0 else ""
            if before in {"each", "one"} or any(c.lower_ in {"each", "one"} for c in tok.children):
                return True
    return False


def _governing_verb(noun: Token) -> Token | None:
    if noun.dep_ in {"dobj", "attr", "nsubjpass", "oprd", "appos"} and noun.head.pos_ in {
        "VERB",
        "AUX",
    }:
        return noun.head
    if noun.dep_ == "pobj" and noun.head.head.pos_ in {"VERB", "AUX"}:
        return noun.head.head
    if noun.dep_ == "pobj" and noun.head.head.pos_ == "NOUN" and noun.head.head != noun:
        # "imposed a duty on imports from Canada": the verb of the noun that governs it
        return _governing_verb(noun.head.head)
    if noun.dep_ == "conj":
        return _governing_verb(noun.head)
    return None


# Nouns that name a relation by standing beside its members: "its allies Japan and South
# Korea", "their four partners — A, B, C and D".
_APPOSED_NOUNS = {"ally": "ALLIED_WITH", "partner": "COOPERATES_WITH"}


def _apposed_frame(tok: Token, actors: DocActors) -> Frame | None:
    """ "the US and key allies Israel and Qatar", "two of America's closest allies, Japan
    and South Korea", "NATO's partners — A, B and C": the owner (possessive, modifier, or
    the conjunct before) is allied with / partners each actor set beside the noun."""
    if any(c.lemma_.lower() in {"trading", "trade", "business"} for c in tok.children):
        return None  # "trading partners" trade; that is the TRADE lexicon's business
    beside: list[Token] = [c for c in tok.children if c.dep_ == "appos"]
    if actors.mention_at(tok) is None:
        # "allies, Japan and South Korea": the parser makes the names conjuncts
        beside += [c for c in tok.children if c.dep_ == "conj" and c.pos_ == "PROPN"]
    if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.pos_ == "NUM":
        beside += _children(tok.head.head, "appos")  # "two of its allies, Japan and Korea"
    members: list[Actor] = []
    for name in (t for b in beside for t in (b, *b.conjuncts) if t != tok):
        mention = actors.mention_at(name)  # the name itself, not its coordination
        for actor in [mention.actor] if mention else actors.resolve(name):
            members += [actor] if actor not in members else []
    if not members:
        return None
    owners: list[Actor] = []
    for child in tok.children:
        if child.dep_ in {"poss", "compound", "amod", "nmod"}:
            owners += actors.resolve(child)
    if not owners and tok.dep_ == "conj":
        owners = actors.resolve(tok.head)  # "between the US and key allies Israel, Qatar"
    owners = [o for o in dict.fromkeys(owners) if o not in members]
    return (owners, members, True) if owners else None


def _gerund_compound(tok: Token, actors: DocActors) -> Frame | None:
    """ "would suspend funding UNRWA": a gerund the parser made a compound of the name that
    is its object. The name is the recipient and the governing verb's subject the giver."""
    if not (tok.dep_ == "compound" and tok.lower_.endswith("ing") and tok.tag_ in {"NN", "VBG"}):
        return None
    if tok.i != tok.head.i - 1 or actors.mention_at(tok.head) is None:
        return None
    verb = _governing_verb(tok.head)
    if verb is None or tok.head.dep_ != "dobj":
        return None
    patients = actors.resolve(tok.head)
    agents = [a for a in _resolve_all(actors, subjects_of(verb)) if a not in patients]
    return (agents, patients, False) if agents and patients else None


def _fill_noun(trig: Trigger, tok: Token, actors: DocActors, lexicon: Lexicon) -> Frame | None:
    if trig.label in {"AID", "MILITARY_AID"}:
        frame = _gerund_compound(tok, actors)
        if frame is not None:
            return frame
    if _APPOSED_NOUNS.get(tok.lemma_.lower()) == trig.label:
        frame = _apposed_frame(tok, actors)
        if frame is not None or tok.lemma_.lower() == "partner":
            return frame
    if trig.theme:
        themed = [
            c
            for c in tok.children
            if c.dep_ in {"compound", "amod"} and lexicon.theme_of(c) == trig.theme
        ] + [o for o in _prep_objects(tok, {"of"}) if lexicon.theme_of(o) == trig.theme]
        if not themed:
            return None
    modifier_actors: list[Actor] = []
    for child in tok.children:
        if trig.named_modifier and not (
            child.dep_ in {"compound", "amod"} and actors.mention_at(child) is not None
        ):
            continue
        if child.dep_ in {"poss", "compound", "amod", "nmod"}:
            for part in _hyphenated(child):  # "the China-Russia coalition"
                modifier_actors += [a for a in actors.resolve(part) if a not in modifier_actors]
    if trig.named_modifier and not modifier_actors:
        return None
    if trig.label == "MEETS" and modifier_actors and tok.dep_ == "conj" and tok.tag_ == "NN":
        # "with Biden and Xi meeting in California": a gerund the parser took for a noun
        # conjoined to the first participant
        first = actors.mention_at(tok.head)
        if first is not None:
            modifier_actors += [a for a in actors.resolve(tok.head) if a not in modifier_actors]
    preps = set(trig.patient)
    prep_tokens = _prep_objects(tok, preps)
    # "tariffs of 25 percent on imports from Canada and 10 percent on goods from China":
    # the rate's prepositions are the trigger's
    rates = _prep_objects(tok, {"of"}) + _children(tok, "conj")
    for rate in rates:
        if rate.ent_type_ in {"PERCENT", "MONEY", "QUANTITY", "CARDINAL"}:
            prep_tokens += _prep_objects(rate, preps)
            if trig.label == "SANCTIONS":  # "10 percent on goods from China"
                prep_tokens += _prep_objects(rate, {"from"})
    by_agents: list[Token] = []
    for participle in _children(tok, "acl"):
        if participle.tag_ == "VBN":  # "the price cap imposed by the G7 on Russia"
            prep_tokens += _prep_objects(participle, preps - {"of"})
            if participle.lemma_.lower() not in _HOSTING:  # hosts do not meet each other
                by_agents += [
                    g for c in _children(participle, "agent") for g in _children(c, "pobj")
                ]
    verb = _governing_verb(tok)
    if verb is not None and verb.lemma_.lower() in _LIGHT_VERBS:
        prep_tokens += _prep_objects(verb, preps - {"of"})
        if "for" in preps:  # "set a deadline for Russia to halt…" (a "for … to" clause)
            for clause in _children(verb, "advcl", "ccomp") + _children(tok, "acl", "relcl"):
                if any(c.dep_ == "mark" and c.lower_ == "for" for c in clause.children):
                    prep_tokens += _children(clause, "nsubj")
    participants = _prep_objects(tok, _PARTICIPANT_PREPS & preps)
    if participants and trig.label in {"AGREEMENT_WITH", "ALLIED_WITH"}:
        # "the ANZUS treaty involving Australia, …": ANZUS names the treaty.
        modifier_actors = [a for a in modifier_actors if a.type != ActorType.ORGANIZATION]
    if trig.label in {"AID", "MILITARY_AID"}:
        prep_tokens += _purpose_objects(tok)
    patients = _resolve_all(actors, prep_tokens)
    if not patients and (trig.owner_patient or trig.label in _OWNER_TARGETS):
        for target in prep_tokens:  # "support for Ukraine's independence"
            patients += actors.owners(target)
    agents: list[Actor] = []
    if trig.label == "MEMBER_OF":
        # "Finland's accession to NATO", "NATO members": the organisation is the target,
        # any other modifier the member.
        orgs = [a for a in modifier_actors if a.type == ActorType.ORGANIZATION]
        agents = [a for a in modifier_actors if a not in orgs]
        patients = orgs + [p for p in patients if p not in orgs]
    elif trig.modifier_is_patient:
        patients = modifier_actors + [p for p in patients if p not in modifier_actors]
    else:
        agents = list(modifier_actors)
    if not agents:  # "arms supplies by Europe and the US"
        agents = _resolve_all(actors, _prep_objects(tok, {"by"}) + by_agents)
    if not agents and trig.label in {"MILITARY_AID", "AID"}:
        for thing in _prep_objects(tok, {"of"}):  # "the deployment of North Korean troops"
            agents += [a for a in actors.owners(thing) if a not in patients]
    if (
        not agents
        and verb is not None
        and verb.lemma_.lower() in _LIGHT_VERBS
        # "EU governments approved…": a generic member noun takes its members from a
        # copula only ("Türkiye became the final NATO nation to…")
        and (not trig.named_modifier or verb.lemma_.lower() in {"be", "become", "remain"})
    ):
        # "X and Y are bound by a treaty": the passive's subject, not its agent, is party
        by_agent = tok.dep_ == "pobj" and tok.head.dep_ == "agent"
        agents = _resolve_all(
            actors, _children(verb, "nsubjpass") if by_agent else subjects_of(verb)
        )
    local = False
    if trig.modifier_is_patient:
        # "X, a NATO member" / "NATO member Turkey" / "members X and Y"
        named = []
        if tok.dep_ in {"appos", "compound"}:
            named += actors.resolve(tok.head)
        if tok.dep_ == "conj" and any(c.lower_ == "other" for c in tok.children):
            named += actors.resolve(tok.head)  # "the US and other G-7 nations"
        for child in _children(tok, "appos"):
            named += actors.resolve(child)
        if tok.dep_ == "nsubj" and tok.head.lemma_.lower() == "be":
            # "Mercosur's full members are Brazil, Argentina, Uruguay and Paraguay"
            named += _resolve_all(actors, _children(tok.head, "attr"))
        named += _resolve_all(actors, _prep_objects(tok, {"including", "like", "such"}))
        local = bool(named)
        agents = list(dict.fromkeys(named + agents))
    if tok.dep_ == "appos" and not trig.modifier_is_patient and not agents:
        agents = actors.resolve(tok.head)
    if trig.label == "MEMBER_OF":
        patients = [p for p in patients if p.type == ActorType.ORGANIZATION]
    if (
        trig.modifier_is_patient
        and agents
        and not patients
        and trig.label == "MEMBER_OF"
        and tok.lemma_.lower() == "member"
    ):
        # "joining current members Brazil, Russia…": members of the bloc in context.
        patients = actors.recent_organisation(tok)
    named_participants = _resolve_all(actors, participants)
    if trig.needs_patient:  # a target is someone else: "held drills around the peninsula"
        patients = [p for p in patients if p not in agents]
    agents = [a for a in agents if a not in patients or a in named_participants]
    patients = [p for p in patients if p not in agents]
    if not agents:
        # With no actor of its own a relational noun relates only the participants it
        # names ("talks between A and B"), never the targets of a bare "tariffs on A, B".
        patients = [p for p in patients if p in named_participants]
        agents, patients = patients, []
    refused = tok.dep_ == "dobj" and tok.head.lemma_.lower() in _REFUSING_VERBS
    if trig.label == "CRITICIZES" and not patients:
        # "a Russian demand that Ukraine withdraw its troops": whoever must comply
        for clause in _children(tok, "acl", "ccomp"):
            patients += [
                a for a in _resolve_all(actors, _children(clause, "nsubj")) if a not in agents
            ]
    if trig.label == "CRITICIZES" and refused:
        local = True  # the demand was made, whatever became of it
        if not patients:  # "China rejected Trump's demand": made of the one rejecting it
            patients = [a for a in _resolve_all(actors, subjects_of(tok.head)) if a not in agents]
    if trig.label == "AGREEMENT_WITH" and not patients and len(agents) < 2:
        # "a new treaty at the June summit between Putin and Kim": the summit's parties
        for meeting in _prep_objects(tok, {"at", "during"}):
            if meeting.lemma_.lower() in _MEETING_NOUNS:
                agents = list(
                    dict.fromkeys(
                        agents + _resolve_all(actors, _prep_objects(meeting, _PARTICIPANT_PREPS))
                    )
                )
    answers = bool(agents) and trig.label in _RESPONSE_LABELS and not trig.needs_patient
    if not patients and (trig.needs_patient or len(agents) < 2) and not answers:
        return None  # (a lone actor's sanction may still name what it answers)
    standing = trig.label in _STANDING_LABELS or (
        # "China's support for Russia": given support, named by its giver
        trig.label == "SUPPORTS"
        and any(c.dep_ == "poss" and c.pos_ == "PROPN" for c in tok.children)
    )
    if standing and modifier_actors and not trig.modifier_is_patient:
        # "Russia's war in Ukraine", "their partnership", "the China-Russia coalition": a
        # state of affairs named as someone's is taken as given, whatever is said of it
        # ("pushing to bolster their partnership" — the partnership exists).
        local = local or not any(c.lower_ in {"a", "an", "any"} for c in tok.children)
    return agents, patients, local
