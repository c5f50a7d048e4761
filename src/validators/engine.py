"""Validation in layers: syntax, structure, references, terminology, business rules.

`Validator` is built once per store (terminology precomputed) and then validates many
documents; it is cheap to call and safe to share between threads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from termserver.store import Store

from .parsing import DocumentError, parse_document
from .report import Finding, Report
from .standard import CPR_SYSTEM, FFB, RULES, document_type_by_id, document_type_for
from .terminology import Terminology

KNOWN_RESOURCES = frozenset("""
Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment AppointmentResponse
AuditEvent Basic Binary BiologicallyDerivedProduct BodyStructure Bundle CapabilityStatement
CarePlan CareTeam CatalogEntry ChargeItem ChargeItemDefinition Claim ClaimResponse
ClinicalImpression CodeSystem Communication CommunicationRequest CompartmentDefinition
Composition ConceptMap Condition Consent Contract Coverage CoverageEligibilityRequest
CoverageEligibilityResponse DetectedIssue Device DeviceDefinition DeviceMetric DeviceRequest
DeviceUseStatement DiagnosticReport DocumentManifest DocumentReference EffectEvidenceSynthesis
Encounter Endpoint EnrollmentRequest EnrollmentResponse EpisodeOfCare EventDefinition Evidence
EvidenceVariable ExampleScenario ExplanationOfBenefit FamilyMemberHistory Flag Goal
GraphDefinition Group GuidanceResponse HealthcareService ImagingStudy Immunization
ImmunizationEvaluation ImmunizationRecommendation ImplementationGuide InsurancePlan Invoice
Library Linkage List Location Measure MeasureReport Media Medication MedicationAdministration
MedicationDispense MedicationKnowledge MedicationRequest MedicationStatement MessageDefinition
MessageHeader MolecularSequence NamingSystem NutritionOrder Observation ObservationDefinition
OperationDefinition OperationOutcome Organization OrganizationAffiliation Parameters Patient
PaymentNotice PaymentReconciliation Person PlanDefinition Practitioner PractitionerRole
Procedure Provenance Questionnaire QuestionnaireResponse RelatedPerson RequestGroup
ResearchDefinition ResearchElementDefinition ResearchStudy ResearchSubject RiskAssessment
RiskEvidenceSynthesis Schedule SearchParameter ServiceRequest Slot Specimen SpecimenDefinition
StructureDefinition StructureMap Subscription Substance SupplyDelivery SupplyRequest Task
TerminologyCapabilities TestReport TestScript ValueSet VerificationResult VisionPrescription
""".split())
"""The FHIR R4 resource types."""
_CPR = re.compile(r"^\d{10}$")
_RANK = "StructureDefinition/ConditionRank"
_FOLLOW_UP_DATE = "follow-up-date-extension"
_REQUIRED = {
    "Condition": ("code", "subject"),
    "Observation": ("status", "code"),
    "Goal": ("lifecycleStatus", "description", "subject"),
    "CarePlan": ("status", "intent", "subject"),
    "Encounter": ("status", "class"),
    "ServiceRequest": ("status", "intent", "subject"),
}


def _finding(rule: str, path: str, message: str) -> Finding:
    return Finding(RULES[rule].severity, rule, path, message)


class Scan:
    """Everything the checks need from one walk over the document."""

    __slots__ = ("codings", "depth", "periods", "references")

    def __init__(self, document: Any, root: str) -> None:
        self.codings: list[tuple[str, dict]] = []
        self.references: list[tuple[str, str]] = []
        self.periods: list[tuple[str, dict]] = []
        depth = 0
        stack: list[tuple[Any, str, int]] = [(document, root, 0)]
        while stack:
            item, where, level = stack.pop()
            if level > depth:
                depth = level
            if type(item) is dict:
                code, system, ref = item.get("code"), item.get("system"), item.get("reference")
                if type(code) is str and type(system) is str:
                    self.codings.append((where, item))
                if type(ref) is str:
                    self.references.append((f"{where}.reference", ref))
                for key, child in item.items():
                    kind = type(child)
                    if kind is dict:
                        if key.endswith("eriod"):
                            self.periods.append((f"{where}.{key}", child))
                        stack.append((child, f"{where}.{key}", level + 1))
                    elif kind is list and key != "contained":
                        stack.append((child, f"{where}.{key}", level + 1))
            elif type(item) is list:
                for index, child in enumerate(item):
                    if type(child) is dict or type(child) is list:
                        stack.append((child, f"{where}[{index}]", level + 1))
        self.depth = depth


def _profiles(resource: dict) -> list[str]:
    meta = resource.get("meta")
    profiles = meta.get("profile") if isinstance(meta, dict) else None
    return [p for p in profiles if isinstance(p, str)] if isinstance(profiles, list) else []


def _first_coding(concept: Any) -> dict | None:
    if isinstance(concept, dict):
        for coding in concept.get("coding") or []:
            if isinstance(coding, dict) and coding.get("code"):
                return coding
    return None


def _rank(element: dict) -> int | None:
    for extension in element.get("extension") or []:
        if isinstance(extension, dict) and str(extension.get("url", "")).endswith(_RANK):
            value = extension.get("valuePositiveInt", extension.get("valueInteger"))
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


class Validator:
    def __init__(self, store: Store) -> None:
        self.terminology = Terminology(store)

    # -- entry points ------------------------------------------------------------------------
    def validate_bytes(self, data: bytes, content_type: str = "", *, document_type: str | None
                       = None, max_bytes: int = 10 * 1024 * 1024, max_depth: int = 256) -> Report:
        try:
            document = parse_document(data, content_type, max_bytes, max_depth)
        except DocumentError as exc:
            return Report(None, None, self.terminology.versions(), [exc.finding])
        return self.validate(document, document_type=document_type, max_depth=max_depth)

    def validate(self, document: dict, *, document_type: str | None = None,
                 max_depth: int = 256) -> Report:
        resources = self._resources(document)
        doc_type = document_type_by_id(document_type) if document_type else None
        if doc_type is None:
            profiles = _profiles(document) + [p for _, r in resources for p in _profiles(r)]
            doc_type = document_type_for(profiles)
        report = Report(doc_type.id if doc_type else None, doc_type.standard if doc_type else None,
                        self.terminology.versions())
        issues = report.issues
        if doc_type is None:
            issues.append(_finding("doc-type-unknown", "meta.profile",
                                   "Dokumenttypen kan ikke bestemmes: meta.profile peger ikke "
                                   "på en kendt KL-profil. Angiv profilen eller parameteren "
                                   "profile."))
        issues.extend(self._structure(document, resources))
        by_key = self._index(document, resources)
        root = "Bundle" if document.get("resourceType") == "Bundle" else resources[0][0]
        scan = Scan(document, root)
        if scan.depth > max_depth:
            report.issues = [_finding("syntax-limits", "(dokument)",
                                      f"Dokumentet er indlejret dybere end {max_depth} niveauer.")]
            return report
        if document.get("resourceType") == "Bundle" and doc_type and doc_type.bundled_references:
            issues.extend(self._references(scan, by_key))
        issues.extend(self._terminology(scan))
        for period_path, period in scan.periods:
            start, end = period.get("start"), period.get("end")
            if isinstance(start, str) and isinstance(end, str) and start[:19] > end[:19]:
                issues.append(_finding("per-1", period_path,
                                       f"Perioden starter ({start}) efter den slutter "
                                       f"({end})."))
        for path, resource in resources:
            if resource.get("resourceType") == "Patient":
                issues.extend(self._cpr(path, resource))
                if resource.get("deceasedBoolean") is True or resource.get("deceasedDateTime"):
                    issues.append(_finding("data-about-deceased-citizen-warning",
                                           f"{path}.deceased",
                                           "Borgeren er registreret som afdød; KL Gateway "
                                           "modtager kun data om levende borgere."))
        if doc_type and doc_type.id == "ffb-reporting":
            issues.extend(self._ffb_reporting(resources, by_key))
        if doc_type and ("ffb-reporting" in doc_type.rule_sets or "ffb-common" in
                         doc_type.rule_sets):
            issues.extend(self._ffb_bindings(resources))
        return report

    # -- layers ------------------------------------------------------------------------------
    @staticmethod
    def _resources(document: dict) -> list[tuple[str, dict]]:
        if document.get("resourceType") != "Bundle":
            return [(str(document.get("resourceType") or "Resource"), document)]
        out = []
        for index, entry in enumerate(document.get("entry") or []):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict):
                out.append((f"Bundle.entry[{index}].resource", resource))
                if resource.get("resourceType") == "Bundle":  # bundles of delivery reports
                    inner = Validator._resources(resource)
                    out.extend((f"Bundle.entry[{index}].resource.{p[7:]}", r) for p, r in inner
                               if p.startswith("Bundle."))
        return out

    def _structure(self, document: dict, resources: list[tuple[str, dict]]) -> Iterator[Finding]:
        kind = document.get("resourceType")
        if not isinstance(kind, str) or kind not in KNOWN_RESOURCES:
            yield _finding("struct-resource", "(dokument)",
                           f"Ukendt eller manglende resourceType: {kind!r}.")
            return
        if kind == "Bundle":
            seen_urls: dict[str, int] = {}
            seen_ids: dict[tuple[str, str], str] = {}
            for index, entry in enumerate(document.get("entry") or []):
                where = f"Bundle.entry[{index}]"
                resource = entry.get("resource") if isinstance(entry, dict) else None
                if not isinstance(resource, dict):
                    yield _finding("bdl-entry-resource", where, "Entry uden resource.")
                    continue
                full_url = entry.get("fullUrl")
                if isinstance(full_url, str):
                    if full_url in seen_urls:
                        yield _finding("bdl-7", f"{where}.fullUrl",
                                       f"fullUrl {full_url} bruges også af entry "
                                       f"[{seen_urls[full_url]}].")
                    seen_urls.setdefault(full_url, index)
                    rtype, rid = resource.get("resourceType"), resource.get("id")
                    if rid and not full_url.startswith("urn:") and not full_url.endswith(
                            f"{rtype}/{rid}"):
                        yield _finding("bdl-fullurl-resource", f"{where}.fullUrl",
                                       f"fullUrl {full_url} svarer ikke til ressourcen "
                                       f"{rtype}/{rid}. Ret fullUrl til …/{rtype}/{rid}.")
                    key = (str(rtype), str(rid))
                    if rid and key in seen_ids and seen_ids[key] != full_url:
                        yield _finding("bdl-duplicate-id", f"{where}.resource.id",
                                       f"{rtype}/{rid} findes også under {seen_ids[key]}.")
                    if rid:
                        seen_ids.setdefault(key, full_url)
        for path, resource in resources:
            rtype = resource.get("resourceType")
            if not isinstance(rtype, str) or rtype not in KNOWN_RESOURCES:
                yield _finding("struct-resource", path, f"Ukendt resourceType: {rtype!r}.")
                continue
            for element in _REQUIRED.get(rtype, ()):
                if resource.get(element) in (None, "", [], {}):
                    yield _finding("struct-required", f"{path}.{element}",
                                   f"{rtype}.{element} skal udfyldes.")

    @staticmethod
    def _index(document: dict, resources: list[tuple[str, dict]]) -> dict[str, dict]:
        by_key: dict[str, dict] = {}
        for index, entry in enumerate(document.get("entry") or []):
            if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
                continue
            resource = entry["resource"]
            if isinstance(entry.get("fullUrl"), str):
                by_key[entry["fullUrl"]] = resource
            by_key[f"{resource.get('resourceType')}/{resource.get('id')}"] = resource
            del index
        for _, resource in resources:
            by_key.setdefault(f"{resource.get('resourceType')}/{resource.get('id')}", resource)
        return by_key

    @staticmethod
    def _references(scan: Scan, by_key: dict[str, dict]) -> Iterator[Finding]:
        for where, ref in scan.references:
            if ref.startswith("#") or ref in by_key:
                continue
            tail = "/".join(ref.rstrip("/").split("/")[-2:])
            if tail not in by_key:
                yield _finding("ref-resolves", where,
                               f"Referencen {ref} findes ikke i Bundlet. Alle refererede "
                               "ressourcer skal medsendes.")

    def _terminology(self, scan: Scan) -> Iterator[Finding]:
        for where, coding in scan.codings:
            system, legacy = self.terminology.canonical(coding["system"])
            answer = self.terminology.lookup(system, coding["code"])
            if not answer.known_system:
                continue
            if legacy:
                yield _finding("term-legacy-canonical", f"{where}.system",
                               f"{coding['system']} er en forældet URL; brug {system}.")
            if answer.exists:
                display = coding.get("display")
                if isinstance(display, str) and display.casefold().strip() not in answer.displays:
                    yield _finding("term-display", f"{where}.display",
                                   f"Visningsteksten »{display}« svarer ikke til "
                                   f"{answer.scheme}-kodens tekst.")
            elif answer.last_version:
                yield _finding("term-retired-code", f"{where}.code",
                               f"Koden {coding['code']} er udgået af {answer.scheme}: sidst med "
                               f"i version {answer.last_version}, fjernet i "
                               f"{answer.retired_since}.")
            else:
                yield _finding("term-unknown-code", f"{where}.code",
                               f"Koden {coding['code']} findes ikke i {answer.scheme} "
                               f"({system}).")

    @staticmethod
    def _cpr(path: str, patient: dict) -> Iterator[Finding]:
        for index, identifier in enumerate(patient.get("identifier") or []):
            if not isinstance(identifier, dict) or identifier.get("system") != CPR_SYSTEM:
                continue
            value = str(identifier.get("value", ""))
            ok = bool(_CPR.match(value))
            if ok:
                try:
                    date(2000 + int(value[4:6]), int(value[2:4]), int(value[0:2]))
                except ValueError:
                    ok = False
            if not ok:
                yield _finding("cpr-format", f"{path}.identifier[{index}].value",
                               f"»{value}« er ikke et gyldigt CPR-nummer (10 cifre, DDMMÅÅ…).")

    def _ffb_bindings(self, resources: list[tuple[str, dict]]) -> Iterator[Finding]:
        term = self.terminology
        for path, resource in resources:
            if resource.get("resourceType") != "Condition":
                continue
            code = _first_coding(resource.get("code"))
            if not code or term.canonical(str(code.get("system")))[0] != FFB:
                continue  # FSIII and other conditions have their own bindings
            system = str(code.get("system"))
            known = term.lookup(term.canonical(system)[0], code["code"]).exists
            if known and not term.in_value_set("KLConditionsAndTargetGroupsFFB", system,
                                               code["code"]):
                yield _finding("term-valueset", f"{path}.code",
                               f"{code['code']} er hverken en FFB-tilstand eller en målgruppe "
                               "(KLConditionsAndTargetGroupsFFB).")
            severity = _first_coding(resource.get("severity"))
            if not severity:
                continue
            severity_system = str(severity.get("system"))
            if not term.in_value_set("KLSeveritiesFFB", severity_system, severity["code"]):
                extra = (" Det er et støttebehovsniveau, ikke et funktionsevneniveau."
                         if term.in_value_set("KLSupportNeedsFFB", severity_system,
                                              severity["code"]) else "")
                yield _finding("term-valueset", f"{path}.severity",
                               f"{severity['code']} er ikke et FFB-funktionsevneniveau "
                               f"(KLSeveritiesFFB).{extra}")

    def _ffb_reporting(self, resources: list[tuple[str, dict]],
                       by_key: dict[str, dict]) -> Iterator[Finding]:
        term = self.terminology
        patients = [p for p, r in resources if r.get("resourceType") == "Patient"]
        if len(patients) > 1:
            yield _finding("one-citizen", patients[1],
                           f"Rapporten indeholder {len(patients)} borgere; kun én er tilladt.")

        def is_ad(condition: dict | None) -> bool:
            coding = _first_coding(condition.get("code")) if condition else None
            return bool(coding) and term.in_value_set("KLConditionADCodesFFB",
                                                      str(coding.get("system")), coding["code"])

        for path, resource in resources:
            kind = resource.get("resourceType")
            profiles = " ".join(_profiles(resource))
            if kind == "Condition":
                has_severity = bool(_first_coding(resource.get("severity")))
                if is_ad(resource) != has_severity:
                    yield _finding(
                        "kl-reporting-ffb-condition-1", f"{path}.severity",
                        "Tilstande under Aktivitet og deltagelse skal have et "
                        "funktionsevneniveau (severity)." if not has_severity else
                        "Kun tilstande under Aktivitet og deltagelse må have et "
                        "funktionsevneniveau; fjern severity.")
            elif kind == "Goal" and "interventionGoal" in profiles:
                addresses = resource.get("addresses") or []
                for index, item in enumerate(addresses):
                    target = by_key.get(str(item.get("reference", "")))
                    if target is not None and not is_ad(target):
                        yield _finding("kl-reporting-ffb-intervention-goal-1",
                                       f"{path}.addresses[{index}]",
                                       "Indsatsmålet adresserer en tilstand, der ikke hører "
                                       "under Aktivitet og deltagelse.")
                primaries = [a for a in addresses if isinstance(a, dict) and _rank(a) == 1]
                if len(primaries) != 1:
                    yield _finding("kl-reporting-ffb-intervention-goal-2", f"{path}.addresses",
                                   f"Indsatsmålet har {len(primaries)} primære tilstande "
                                   "(ConditionRank 1); der skal være præcis én.")
            elif kind == "CarePlan" and "ffb-carePlan" in profiles:
                ordered = (resource.get("intent") == "order"
                           and resource.get("status") != "completed")
                has_follow_up = any(_FOLLOW_UP_DATE in str(e.get("url", ""))
                                    for e in resource.get("extension") or []
                                    if isinstance(e, dict))
                if ordered and not has_follow_up:
                    yield _finding("kl-reporting-ffb-care-plan-1", f"{path}.extension",
                                   "Bevilget indsats uden opfølgningsdato: tilføj "
                                   "follow-up-date-udvidelsen.")
                primaries = [a for a in resource.get("addresses") or []
                             if isinstance(a, dict) and _rank(a) == 1]
                if len(primaries) > 1:
                    yield _finding("kl-reporting-ffb-care-plan-2", f"{path}.addresses",
                                   f"Indsatsen har {len(primaries)} primære målgrupper; højst "
                                   "én er tilladt.")
            elif (kind == "Observation" and "followUp" in profiles
                  and resource.get("status") not in {"final", "entered-in-error"}):
                yield _finding("kl-reporting-ffb-follow-up-1", f"{path}.status",
                               f"Opfølgningens status er »{resource.get('status')}«; den "
                               "skal være final eller entered-in-error.")
