"""Document types recognised but validated only by the common layers.

FKI core resources (kl.dk.fhir.core 1.2.0) are single resources outside a report, so
references need not resolve; sundhedspleje and FFinst have no rules of their own here.
"""

from __future__ import annotations

from ..model import DocumentType

DOCUMENT_TYPES = (
    DocumentType("children", "Sundhedspleje (børn)", "http://fhir.kl.dk/children/",
                 "kl.dk.fhir.children#2.1.0", True),
    DocumentType("fki-core", "FKI kerne-ressourcer", "http://fhir.kl.dk/core/",
                 "kl.dk.fhir.core#1.2.0", False, ("ffb-common",)),
    DocumentType("ffinst", "Måleredskaber (FFinst)", "http://fhir.kl.dk/ffinst/",
                 "kl.dk.fhir.ffinst#1.0.0", False),
)
