"""FFB bestilling: hl7.fhir.dk.kl.messaging.ffb 0.1.0 (draft, 2023-08), on KL-dk 0.7.0.

A message Bundle. The guide still uses KL-dk 0.7.0's canonicals (note §7.2), which the
terminology layer maps with a warning; A&D conditions without severity are legal here.
"""

from __future__ import annotations

from ..model import DocumentType, Rule

DOCUMENT_TYPE = DocumentType(
    "ffb-bestilling", "FFB bestilling (myndighed → leverandør)", "http://ffb/messaging/kl.dk/1.0/",
    "hl7.fhir.dk.kl.messaging.ffb#0.1.0", True, ("ffb-common",))

PROFILES = ()

RULES = (
    Rule("bdl-message-header", "error", "FHIR R4 Bundle bdl-9/msg; FFB bestilling",
         "Et message-Bundle skal have en MessageHeader som første entry."),
)
