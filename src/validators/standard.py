"""The rule registry: common rules plus every standard's own (validators/standards/*).

Every rule has a stable id (KL's invariant id where KL has one), a severity, the clause
it comes from and a Danish description; docs/validators.md is generated from RULES and a
test keeps the two in step.
"""

from __future__ import annotations

from .model import DocumentType, Rule, ValueSet
from .standards import DOCUMENT_TYPES, PROFILES, STANDARD_RULES, VALUE_SETS
from .standards.kl_term import (
    CPR_SYSTEM,
    FFB,
    FSIII,
    KL_NAMESPACES,
    KL_SYSTEMS,
    KNOWN_FOREIGN,
    LEGACY_CANONICALS,
    STS_ORG_SYSTEM,
)

_COMMON = (
    Rule("syntax-encoding", "error", "note §9.4", "Dokumentet skal være UTF-8."),
    Rule("syntax-json", "error", "FHIR R4 JSON", "Dokumentet skal være gyldig JSON."),
    Rule("syntax-xml", "error", "FHIR R4 XML; note §9.2",
         "Dokumentet skal være velformet XML uden DTD og entiteter."),
    Rule("syntax-limits", "error", "termserver settings",
         "Dokumentet overskrider størrelses- eller dybdegrænsen."),
    Rule("struct-resource", "error", "FHIR R4 Resource",
         "Hver ressource skal have en kendt resourceType."),
    Rule("struct-required", "error", "KL-profilernes kardinaliteter (min ≥ 1)",
         "Påkrævede elementer skal være udfyldt."),
    Rule("struct-forbidden", "error", "KL-profilernes kardinaliteter (max = 0)",
         "Elementer, profilen udelukker (fx fritekst), må ikke forekomme."),
    Rule("struct-fixed", "error", "KL-profilernes faste værdier (fixed/pattern)",
         "Elementer med en fast værdi i profilen skal have den værdi."),
    Rule("struct-closed-slicing", "error", "KL-profilernes lukkede slicing (rules = closed)",
         "Hvor profilen lukker en liste (udvidelser, kodninger), må kun profilens egne "
         "udvidelser og kodesystemer forekomme."),
    Rule("doc-type-unknown", "error", "note §9.1",
         "Dokumenttypen skal kunne bestemmes ud fra meta.profile eller angives med --profile "
         "eller ?profile=; ellers kan dokumentet ikke valideres mod standarden."),
    Rule("report-allowed-profiles", "error",
         "kl-reporting-ffb-delivery-report-1/-2/-3, gateway-care-report-1/-2, "
         "gateway-140-report-1/-2; kl-children: Bundle.entry.resource (Observation: "
         "gateway-children-report-1)",
         "Hver ressource i en rapport skal angive en af rapportens tilladte profiler."),
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
    Rule("term-unknown-system", "error", "note §2 (kodesystemer og deres kanoniske URL'er)",
         "Kodesystemet ligger i KL's navnerum, men er ikke et kendt KL-kodesystem (fx en "
         "forkert OID)."),
    Rule("term-wrong-system", "error", "note §2",
         "Koden findes, men i et andet KL-kodesystem end det angivne."),
    Rule("term-unknown-version", "error", "note §9.5",
         "Den angivne kodesystemversion findes ikke."),
    Rule("term-retired-code", "error", "note §9.5",
         "Koden er udgået af kodesystemet (i den udgave, der var i kraft på dokumentets dato)."),
    Rule("term-not-yet-introduced", "error", "note §9.5; kodesystemets udgave i kraft på "
         "dokumentets dato",
         "Koden fandtes endnu ikke i den udgave af kodesystemet, der var i kraft på "
         "dokumentets dato."),
    Rule("term-display", "warning", "note §2", "Visningsteksten svarer ikke til kodesystemets."),
    Rule("term-valueset", "error", "note §5; profilernes required-bindinger",
         "Koden er ikke tilladt i dette felt (værdisæt)."),
    Rule("term-valueset-extensible", "warning", "note §5; profilernes extensible-bindinger",
         "Koden er ikke i feltets (udvidelige) værdisæt."),
    Rule("struct-date-format", "error", "FHIR R4 datatyper date, dateTime, instant",
         "Datoer og tidspunkter skal skrives som FHIR foreskriver (fx 2024-05-30 eller "
         "2024-05-30T10:15:00+02:00) og være en rigtig dato."),
    Rule("per-1", "error", "FHIR R4 Period per-1", "En periodes start må ikke ligge efter slut."),
    Rule("cpr-format", "error", "KL-rapportering: CPR syntaktisk gyldigt",
         "CPR-nummer skal være 10 cifre med en gyldig dato."),
    Rule("data-about-deceased-citizen-warning", "warning", "kl-gateway, invariant (#warning)",
         "Der indberettes data om en afdød borger."),
    Rule("date-condition-last-asserted", "error",
         "note §6.2 (FKI): recordedDate er første registrering, conditionLastAssertedDate "
         "sidst vurderet",
         "En tilstands seneste vurdering (conditionLastAssertedDate) må ikke ligge før dens "
         "registrering (recordedDate)."),
    Rule("date-follow-up-before-assessment", "error",
         "note §3.2 (opfølgning, opfølgningsdato): en opfølgning følger op på en vurdering",
         "En opfølgning og en opfølgningsdato må ikke ligge før den tilstand, indsats eller "
         "vurdering, de følger op på."),
    Rule("date-goal-outside-plan", "error",
         "note §8 (indsats med mål og periode): målet hører til planen",
         "Et måls startdato og forfaldsdatoer skal ligge inden for perioden for den plan, der "
         "henviser til målet."),
    Rule("date-after-report", "error",
         "note §3.2.6: en rapport rummer det, der er sket til og med rapportens dato",
         "Ingen dato for noget, der er sket (registrering, vurdering, observation, oprettelse), "
         "må ligge efter rapportens egen dato (Bundle.timestamp)."),
)
RULES: dict[str, Rule] = {rule.id: rule for rule in (*_COMMON, *STANDARD_RULES)}


def document_type_for(profiles: list[str]) -> DocumentType | None:
    for profile in profiles:
        for doc_type in DOCUMENT_TYPES:
            if profile.startswith(doc_type.profile_prefix):
                return doc_type
    return None


def document_type_by_id(type_id: str) -> DocumentType | None:
    return next((t for t in DOCUMENT_TYPES if t.id == type_id), None)


__all__ = ["CPR_SYSTEM", "DOCUMENT_TYPES", "FFB", "FSIII", "KL_NAMESPACES", "KL_SYSTEMS",
           "KNOWN_FOREIGN",
           "LEGACY_CANONICALS", "PROFILES",
           "RULES", "STS_ORG_SYSTEM", "VALUE_SETS", "DocumentType", "Rule", "ValueSet",
           "document_type_by_id", "document_type_for"]
