"""kg: a knowledge graph of geopolitical relations, built from news articles.

>>> import kg
>>> store = kg.open_store("memory:")
>>> report = kg.ingest(["data/samples"], store)    # doctest: +SKIP
>>> kg.show_actor(store, "North Korea")            # doctest: +SKIP
"""

from kg.api import IngestReport, claim_record, extract_records, ingest, show_actor
from kg.errors import KgError
from kg.extract import Extractor
from kg.ingest import read_documents
from kg.model import Actor, ActorType, Claim, Document, Modality, Relation
from kg.store import Store, open_store

__all__ = [
    "Actor",
    "ActorType",
    "Claim",
    "Document",
    "Extractor",
    "IngestReport",
    "KgError",
    "Modality",
    "Relation",
    "Store",
    "claim_record",
    "extract_records",
    "ingest",
    "open_store",
    "read_documents",
    "show_actor",
]
