"""Document types recognised but validated only by the common layers.

FFinst (measurement tools) has no rules of its own here.
"""

from __future__ import annotations

from ..model import DocumentType

DOCUMENT_TYPES = (
    DocumentType("ffinst", "Måleredskaber (FFinst)", "http://fhir.kl.dk/ffinst/",
                 "kl.dk.fhir.ffinst#1.0.0", False),
)
