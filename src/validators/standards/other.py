"""Document types recognised but validated only by the common layers.

Sundhedspleje (children) and FFinst (measurement tools) have no rules of their own here.
"""

from __future__ import annotations

from ..model import DocumentType

DOCUMENT_TYPES = (
    DocumentType("children", "Sundhedspleje (børn)", "http://fhir.kl.dk/children/",
                 "kl.dk.fhir.children#2.1.0", True),
    DocumentType("ffinst", "Måleredskaber (FFinst)", "http://fhir.kl.dk/ffinst/",
                 "kl.dk.fhir.ffinst#1.0.0", False),
)
