"""Every standard version we validate against, one data module each.

| module | standard |
|---|---|
| kl_term | kl-term 2.3.0 value sets, legacy canonicals |
| ffb_reporting | FFB uddatasæt 1.0.0 |
| ffb_messaging | FFB bestilling 0.1.0 |
| fki_core | FKI core 1.2.0 (rules shared with the bestilling) |
| fsiii_gateway | KL Gateway FSIII 1.2.0 (+ predecessors) |
| prevention_119 | § 119 2.1.0 |
| rehab_140 | § 140 2.2.0 |
| ltt | LTT 1.0.1 |
| children | Sundhedspleje 2.1.0 |
| other | document types without own rules |
"""

from __future__ import annotations

from ..model import DocumentType, Profile, Rule, ValueSet
from . import (
    children,
    ffb_messaging,
    ffb_reporting,
    fki_core,
    fsiii_gateway,
    ltt,
    other,
    prevention_119,
    rehab_140,
)
from .kl_term import VALUE_SETS as _KL_TERM_VALUE_SETS

_MODULES = (ffb_reporting, ffb_messaging, fki_core, fsiii_gateway, prevention_119, rehab_140, ltt,
            children)

DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    *(m.DOCUMENT_TYPE for m in _MODULES), *fsiii_gateway.PREDECESSORS, *other.DOCUMENT_TYPES)
PROFILES: dict[str, Profile] = {p.name: p for m in _MODULES for p in m.PROFILES}
STANDARD_RULES: tuple[Rule, ...] = tuple(r for m in _MODULES for r in m.RULES)
VALUE_SETS: dict[str, ValueSet] = {
    **_KL_TERM_VALUE_SETS,
    **{vs.name: vs for m in (children, ffb_messaging) for vs in m.VALUE_SETS}}

__all__ = ["DOCUMENT_TYPES", "PROFILES", "STANDARD_RULES", "VALUE_SETS"]
