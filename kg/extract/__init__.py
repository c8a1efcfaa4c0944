"""Extraction: spaCy parse + gazetteer + trigger lexicon → claims."""

from kg.extract.pipeline import Extractor

__all__ = ["Extractor"]
