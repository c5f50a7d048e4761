"""The documentation standard as data: document types, bindings and rules, in one place.

Every rule has a stable id (KL's invariant id where KL has one), a severity, the clause it
comes from, and a Danish description; docs/validators.md is generated from RULES and a
test keeps the two in step. Value sets are declared by the standard's own semantics:
`descendent-of` excludes the root, `is-a` includes it, `exclude` removes codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FFB = "urn:oid:1.2.208.176.2.22"
FSIII = "urn:oid:1.2.208.176.2.21"
CARESOCIAL = "http://fhir.kl.dk/term/CodeSystem/CareSocialCodes"

LEGACY_CANONICALS = {
    "http://kl.dk/fhir/common/caresocial/CodeSystem/FFB": FFB,
    "http://kl.dk/fhir/common/caresocial/CodeSystem/FSIII": FSIII,
    "http://kl.dk/fhir/common/caresocial/CodeSystem/KLCommonCareSocialCodes": CARESOCIAL,
    "http://kl.dk/fhir/common/caresocial/CodeSystem/KLCommonproprietary":
        "http://fhir.kl.dk/term/CodeSystem/KLCommonproprietary",
}
"""KL-dk 0.7.0 canonicals still used by the messaging and care-data guides (note §7.2)."""

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: str
    clause: str
    description: str


@dataclass(frozen=True, slots=True)
class ValueSet:
    """Codes of one system: descendants of `descendent_of` (root excluded), plus `codes`."""

    name: str
    system: str
    descendent_of: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentType:
    id: str
    title: str
    profile_prefix: str
    standard: str
    bundled_references: bool
    rule_sets: tuple[str, ...] = field(default=())


VALUE_SETS = {
    "KLConditionsAndTargetGroupsFFB": ValueSet(
        "KLConditionsAndTargetGroupsFFB", FFB,
        descendent_of=("b3ddc7d7-f6c1-4d47-8280-456992cbe0a6",  # FFB tilstande
                       "cda90d67-f65a-4a34-b8d8-168ee9ff0949")),  # Målgruppe
    "KLConditionADCodesFFB": ValueSet(
        "KLConditionADCodesFFB", FFB,
        descendent_of=("93433530-b85c-4d04-a4fb-5ae26cf16f1c",)),  # Aktivitet og deltagelse
    "KLSeveritiesFFB": ValueSet(
        "KLSeveritiesFFB", FFB,
        descendent_of=("e89d317c-4657-4970-b614-ada2ed220595",)),  # Funktionsevneniveau
    "KLSupportNeedsFFB": ValueSet(
        "KLSupportNeedsFFB", FFB,
        descendent_of=("7ac451dc-773b-4877-baaf-1e6b1d5c8e28",)),  # Støttebehovsniveau
    "KLTargetGroupsFFB": ValueSet(
        "KLTargetGroupsFFB", FFB,
        descendent_of=("cda90d67-f65a-4a34-b8d8-168ee9ff0949",)),  # Målgruppe
    "KLInterventionsFFB": ValueSet(
        "KLInterventionsFFB", FFB,
        descendent_of=("af7624f8-affd-4a7e-8754-b1b1dd9d8def",)),  # Ydelse
}

DOCUMENT_TYPES = (
    DocumentType("ffb-reporting", "FFB indberetning (udredning, mål, indsats, opfølgning)",
                 "http://fhir.kl.dk/ffbreporting/", "kl.dk.fhir.ffbreporting#1.0.0", True,
                 ("ffb-reporting",)),
    DocumentType("ffb-bestilling", "FFB bestilling (myndighed → leverandør)",
                 "http://ffb/messaging/kl.dk/1.0/", "hl7.fhir.dk.kl.messaging.ffb#0.1.0", True,
                 ("ffb-common",)),
    DocumentType("fsiii-gateway", "FSIII hjemmepleje og sygepleje", "http://fhir.kl.dk/gateway/",
                 "kl.dk.fhir.gateway#1.2.0", True),
    DocumentType("fsiii-care-data", "FSIII (forgænger, care-data)",
                 "http://municipality-care-data.gateway.kl.dk/1.0/",
                 "hl7.fhir.dk.kl.gateway.municipality-care-data#1.0.1", True),
    DocumentType("fsiii-healthcare-data", "FSIII (forgænger, healthcare-data)",
                 "http://municipality-healthcare-data.gateway.kl.dk/1.0/",
                 "hl7.fhir.dk.kl.gateway.municipality-healthcare-data#1.0.1", True),
    DocumentType("prevention-119", "Forebyggelse efter sundhedslovens § 119",
                 "http://fhir.kl.dk/prevention/", "kl.dk.fhir.prevention#2.1.0", True),
    DocumentType("rehab-140", "Genoptræning efter sundhedslovens § 140",
                 "http://fhir.kl.dk/rehab/", "kl.dk.fhir.rehab#2.2.0", True),
    DocumentType("ltt", "Lettilgængelige tilbud til børn og unge (LTT)", "http://fhir.kl.dk/ltt/",
                 "kl.dk.fhir.ltt#1.0.1", True),
    DocumentType("children", "Sundhedspleje (børn)", "http://fhir.kl.dk/children/",
                 "kl.dk.fhir.children#2.1.0", True),
    DocumentType("fki-core", "FKI kerne-ressourcer", "http://fhir.kl.dk/core/",
                 "kl.dk.fhir.core#1.2.0", False, ("ffb-common",)),
    DocumentType("ffinst", "Måleredskaber (FFinst)", "http://fhir.kl.dk/ffinst/",
                 "kl.dk.fhir.ffinst#1.0.0", False),
)

_RULES = (
    Rule("syntax-encoding", "error", "note §9.4", "Dokumentet skal være UTF-8."),
    Rule("syntax-json", "error", "FHIR R4 JSON", "Dokumentet skal være gyldig JSON."),
    Rule("syntax-xml", "error", "FHIR R4 XML; note §9.2",
         "Dokumentet skal være velformet XML uden DTD og entiteter."),
    Rule("syntax-limits", "error", "termserver settings",
         "Dokumentet overskrider størrelses- eller dybdegrænsen."),
    Rule("struct-resource", "error", "FHIR R4 Resource",
         "Hver ressource skal have en kendt resourceType."),
    Rule("struct-required", "error", "KL-profilernes kardinaliteter",
         "Påkrævede elementer skal være udfyldt."),
    Rule("doc-type-unknown", "warning", "note §9.1",
         "Dokumenttypen kan ikke bestemmes ud fra meta.profile."),
    Rule("bdl-7", "error", "FHIR R4 Bundle bdl-7", "fullUrl skal være unik i et Bundle."),
    Rule("bdl-entry-resource", "error", "FHIR R4 Bundle", "Hver entry skal have en resource."),
    Rule("bdl-fullurl-resource", "error", "FHIR R4 Bundle; note §7.4",
         "fullUrl skal ende på ressourcens type og id."),
    Rule("bdl-duplicate-id", "error", "note §7.4", "Samme ressource-id må ikke optræde to gange."),
    Rule("ref-resolves", "error", "KL-rapportering: alle refererede ressourcer skal medsendes",
         "Referencer skal kunne findes i Bundlet."),
    Rule("term-legacy-canonical", "warning", "note §7.2",
         "Kodesystemet er angivet med en forældet kanonisk URL."),
    Rule("term-unknown-code", "error", "note §9.5", "Koden findes ikke i kodesystemet."),
    Rule("term-retired-code", "error", "note §9.5", "Koden er udgået af kodesystemet."),
    Rule("term-display", "warning", "note §2", "Visningsteksten svarer ikke til kodesystemets."),
    Rule("term-valueset", "error", "note §5", "Koden er ikke tilladt i dette felt (værdisæt)."),
    Rule("per-1", "error", "FHIR R4 Period per-1", "En periodes start må ikke ligge efter slut."),
    Rule("cpr-format", "error", "KL-rapportering: CPR syntaktisk gyldigt",
         "CPR-nummer skal være 10 cifre med en gyldig dato."),
    Rule("data-about-deceased-citizen-warning", "warning", "kl-gateway, invariant (#warning)",
         "Der indberettes data om en afdød borger."),
    Rule("one-citizen", "error", "KL-rapportering: kun én borger pr. rapport",
         "Et rapport-Bundle må kun indeholde én borger."),
    Rule("kl-reporting-ffb-condition-1", "error", "kl-ffb-reporting, invariant",
         "Funktionsevneniveau (severity) skal angives på tilstande under Aktivitet og "
         "deltagelse og må ikke angives på andre."),
    Rule("kl-reporting-ffb-intervention-goal-1", "error", "kl-ffb-reporting, invariant",
         "Indsatsmål må kun adressere tilstande under Aktivitet og deltagelse."),
    Rule("kl-reporting-ffb-intervention-goal-2", "error",
         "kl-ffb-reporting, invariant (rettet: KL's FHIRPath er fejlbehæftet)",
         "Et indsatsmål skal have præcis én primær tilstand (ConditionRank 1)."),
    Rule("kl-reporting-ffb-care-plan-1", "error", "kl-ffb-reporting, invariant",
         "En bevilget indsats, der ikke er afsluttet, skal have en opfølgningsdato."),
    Rule("kl-reporting-ffb-care-plan-2", "error",
         "kl-ffb-reporting, invariant (rettet: KL's FHIRPath er fejlbehæftet)",
         "En indsats må højst have én primær målgruppe (rang 1)."),
    Rule("kl-reporting-ffb-follow-up-1", "error", "kl-ffb-reporting, invariant",
         "Opfølgningens status skal være final eller entered-in-error."),
)
RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def document_type_for(profiles: list[str]) -> DocumentType | None:
    for profile in profiles:
        for doc_type in DOCUMENT_TYPES:
            if profile.startswith(doc_type.profile_prefix):
                return doc_type
    return None


def document_type_by_id(type_id: str) -> DocumentType | None:
    return next((t for t in DOCUMENT_TYPES if t.id == type_id), None)
