"""How surely a trigger's relation is stated, and whose claim it is.

Both look at the path from the trigger up the dependency tree to the clause that reports
it: the trigger's own auxiliaries and adverbs, the verbs that govern it ("plans to send",
"denied sending", "has not confirmed that…"), conditional clauses ("if confirmed"), and
the reporting verb whose subject is the source ("Kim said…", "according to Seoul").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

from spacy.tokens import Token

from kg.extract.gazetteer import load_lexicon
from kg.model import Modality

__all__ = [
    "ModalityLexicon",
    "announced",
    "clause_path",
    "modality_lexicon",
    "modality_of",
    "reporter_of",
    "threatened",
]

# Dependency labels along which a clause is embedded in the one above it.
_EMBEDDING = {
    "xcomp",
    "ccomp",
    "advcl",
    "pcomp",
    "pobj",
    "prep",
    "dobj",
    "acl",
    "relcl",
    "conj",
    "attr",
    "oprd",
    "nsubjpass",
    "nsubj",
    "csubj",
    "agent",
    "dative",
    "compound",
    "amod",
    "appos",
    "npadvmod",
    "acomp",
}


# Dependencies by which a clause or noun is the complement of the word above it.
_COMPLEMENT_DEPS = {"xcomp", "ccomp", "dobj", "pcomp", "csubj", "nsubjpass", "attr", "acl"}
_COMPLEMENT_PREPS = {"of", "for", "to", "about"}

# How a reported clause hangs from its reporting verb.
_REPORTED_DEPS = {"ccomp", "xcomp", "parataxis", "prep", "advcl", "conj", "dep"}


@dataclass(frozen=True, slots=True)
class ModalityLexicon:
    hedge_modals: frozenset[str]
    hedge_adverbs: frozenset[str]
    hedge_verbs: frozenset[str]
    hedge_nouns: frozenset[str]
    condition_marks: frozenset[str]
    negating_verbs: frozenset[str]
    ending_verbs: frozenset[str]
    commitment_verbs: frozenset[str]
    negators: frozenset[str]
    reporting_verbs: frozenset[str]
    claiming_verbs: frozenset[str]


@cache
def modality_lexicon() -> ModalityLexicon:
    data = load_lexicon("modality")
    return ModalityLexicon(**{key: frozenset(map(str, data[key])) for key in data})


def clause_path(trigger: Token) -> list[Token]:
    """The trigger and the tokens above it, up to and including the reporting verb."""
    lex = modality_lexicon()
    path = [trigger]
    tok = trigger
    while tok.head != tok and tok.dep_ in _EMBEDDING:
        below = tok
        tok = tok.head
        path.append(tok)
        if tok.lemma_.lower() in lex.reporting_verbs and below.dep_ in _REPORTED_DEPS:
            break  # (its plain object is not reported: "found no evidence that…" goes on)
    return path


def _lemma(tok: Token) -> str:
    return tok.lemma_.lower()


def _forms(tok: Token) -> set[str]:
    """The lemma and plain stems of a word, for when the lemmatizer slips ("hopes" →
    "hop")."""
    low = tok.lower_
    forms = {tok.lemma_.lower(), low}
    for suffix, keep in (("es", ""), ("s", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")):
        if low.endswith(suffix) and len(low) > len(suffix) + 2:
            forms.add(low[: -len(suffix)] + keep)
    return forms


# Relations that hold over time, which "ending" verbs negate (gold rule 8).
STANDING_LABELS = frozenset(
    {
        "AGREEMENT_WITH",
        "MEMBER_OF",
        "ALLIED_WITH",
        "COOPERATES_WITH",
        "TRADE",
        "AID",
        "MILITARY_AID",
        "SANCTIONS",
    }
)


def modality_of(
    trigger: Token,
    forced: Modality | None = None,
    label: str | None = None,
    *,
    local: bool = False,
) -> Modality:
    """Negated, hedged or asserted, from the cues on the trigger's clause path.

    Cues above an adverbial clause do not reach into it: in "since they signed a treaty,
    the deployment would mark…" the treaty is not hedged by the main clause's "would".
    """
    lex = modality_lexicon()
    path = [trigger] if local else clause_path(trigger)
    for cut, tok in enumerate(path[:-1]):
        # A finite subordinate clause ("since they signed…") keeps its own modality; a
        # participle ("…, joining the bloc") or a condition shares the main clause's.
        if tok.dep_ == "advcl" and _finite_subordinate(tok, lex):
            path = path[: cut + 1]
            break
    hedged = _lemma(trigger) in lex.commitment_verbs
    below_conj = False
    for depth, tok in enumerate(path):
        # How the clause below reaches this token: only a complement ("plans to send",
        # "denied sending", "accused of supplying") takes on the meaning of its verb;
        # a coordinated verb or a modifier ("on his visit, Putin invited…") does not.
        below = path[depth - 1] if depth > 0 else None
        complement = below is not None and (
            below.dep_ in _COMPLEMENT_DEPS
            or (below.dep_ == "prep" and below.lower_ in _COMPLEMENT_PREPS)
        )
        denier = complement and bool(_forms(tok) & lex.negating_verbs)
        for child in tok.children:
            low = child.lower_
            negates = child.dep_ == "neg" or (child.dep_ == "det" and low == "no")
            if negates and not below_conj:
                # "did not rule out developing cooperation": a double negative only hedges
                return Modality.HEDGED if denier else Modality.NEGATED
            if child.dep_ in {"aux", "auxpass"} and low in lex.hedge_modals:
                hedged = True
            if child.dep_ in {"advmod", "amod", "npadvmod"} and low in lex.hedge_adverbs:
                hedged = True
            if child.dep_ == "mark" and low in lex.condition_marks:
                hedged = True
            if child.dep_ == "prep" and low == "without" and below is not None:
                return Modality.NEGATED
        if complement and not below_conj:
            lemma = _lemma(tok)
            forms = _forms(tok)
            denied = bool(forms & lex.negating_verbs) or (
                label in STANDING_LABELS and bool(forms & lex.ending_verbs)
            )
            if denied:
                # "did not rule out", "did not deny": a double negative only hedges.
                if any(c.dep_ == "neg" for c in tok.children):
                    return Modality.HEDGED
                return Modality.NEGATED
            if tok.pos_ in {"VERB", "ADJ", "AUX"} and forms & lex.hedge_verbs:
                hedged = True
            if tok.pos_ == "NOUN" and lemma in lex.hedge_nouns:
                hedged = True
            if lemma in lex.claiming_verbs:
                hedged = True
        if tok.dep_ == "conj":
            below_conj = True
    if forced is not None:
        return forced
    return Modality.HEDGED if hedged else Modality.ASSERTED


_FUTURE_AUX = {"will", "would", "'ll", "shall", "wo"}
_ANNOUNCING = {"threaten", "vow", "pledge", "promise", "plan", "intend", "warn", "prepare"}
_THREATENING = {"threaten", "warn"}


def announced(trigger: Token) -> bool:
    """Whether the trigger's act is announced for the future ("will impose", "threatened
    to strike", "plans to"), as opposed to suspected or reported."""
    for tok in clause_path(trigger):
        if any(c.dep_ == "aux" and c.lower_ in _FUTURE_AUX for c in tok.children):
            return True
        if tok != trigger and _forms(tok) & _ANNOUNCING:
            return True
    return False


def threatened(trigger: Token) -> bool:
    """Whether the act is the content of a threat ("threatened to resume attacks"), or a
    promised reprisal ("would retaliate against the US"), which is only a threat."""
    if _lemma(trigger) in {"retaliate", "avenge"}:
        return True
    return any(_forms(tok) & _THREATENING for tok in clause_path(trigger)[1:])


def _finite_subordinate(clause: Token, lex: ModalityLexicon) -> bool:
    marks = {c.lower_ for c in clause.children if c.dep_ == "mark"}
    return bool(marks) and not marks & lex.condition_marks


def reporter_of(trigger: Token) -> Token | None:
    """The token naming who reports the trigger's clause ("Kim" in "Kim said…"), if any.

    A trigger that is itself the reporting verb ("X condemned Y", "X accused Y") is the
    act, not a report of it, so it has no reporter of its own.
    """
    lex = modality_lexicon()
    path = clause_path(trigger)
    vague: Token | None = None
    for below, tok in itertools.pairwise(path):
        # A reporting verb reports a clause ("said that…", "accused X of…"); with a
        # plain object it is an act of its own ("announced a tariff").
        if below.dep_ == "advcl" and _finite_subordinate(below, lex):
            break  # "X warned Y after it joined NATO": the "after" clause is the narrator's
        if _lemma(tok) in lex.reporting_verbs and below.dep_ in _REPORTED_DEPS:
            subject = _subject(tok)
            if subject is not None and subject.lower_ in {"it", "they"} and vague is None:
                # "the agency said it had found no evidence that…": the outer speaker
                vague = subject
                continue
            return subject
    if vague is not None:
        return vague
    for tok in path:
        found = _according_to(tok)
        if found is not None:
            return found
    # "North Korea sent troops, Kim said": the reporting clause hangs off the report.
    for child in path[-1].children:
        if child.dep_ == "parataxis" and _lemma(child) in lex.reporting_verbs:
            subject = _subject(child)
            if subject is not None:
                return subject
    return None


def _subject(verb: Token) -> Token | None:
    """Who speaks: the active subject, or the "by" agent of a passive ("was told by X")."""
    for child in verb.children:
        if child.dep_ == "nsubj":
            return child
        if child.dep_ == "agent":
            return next((g for g in child.children if g.dep_ == "pobj"), None)
    if verb.dep_ in {"conj", "advcl", "xcomp"} and verb.head != verb:
        # "…, noting that…" / "and said…": the participle shares its head's subject.
        return _subject(verb.head)
    return None


def _according_to(tok: Token) -> Token | None:
    for child in tok.children:
        if child.dep_ == "prep" and child.lower_ == "according":
            for to in child.children:
                for pobj in to.children:
                    if pobj.dep_ == "pobj":
                        return pobj
    return None
