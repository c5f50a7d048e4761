"""Validation in layers: syntax, structure, references, terminology, business rules.

`Validator` is built once per store (terminology precomputed) and then validates many
documents; it is cheap to call and safe to share between threads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any, NamedTuple

from termserver.errors import TermserverError
from termserver.store import Store

from . import codings as coding_layer
from . import rules_children, rules_dates, rules_ffb, rules_gateway
from .codings import foreign as _foreign
from .context import Context, Entry, find, lst, obj, profile_names, profile_urls
from .dates import after, document_day
from .model import Profile
from .parsing import DocumentError, parse_document
from .paths import codings, element, missing, present, resolve, values
from .report import Finding, Report, shown
from .standard import (
    CPR_SYSTEM,
    DOCUMENT_TYPES,
    KL_NAMESPACES,
    KL_SYSTEMS,
    LEGACY_CANONICALS,
    PROFILES,
    RULES,
    VALUE_SETS,
    document_type_by_id,
    document_type_for,
)
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
_CPR = re.compile(r"[0-9]{10}")
_REQUIRED = {
    "Condition": ("code", "subject"),
    "Observation": ("status", "code"),
    "Goal": ("lifecycleStatus", "description", "subject"),
    "CarePlan": ("status", "intent", "subject"),
    "Encounter": ("status", "class"),
    "ServiceRequest": ("status", "intent", "subject"),
}
"""FHIR R4 base cardinalities (min 1) of the resources the standard uses."""
_RULE_SETS = {
    "ffb-reporting": rules_ffb.check,
    "ffb-common": rules_ffb.check_common,
    "fsiii-gateway": rules_gateway.check_fsiii,
    "gateway-119-140": rules_gateway.check_119_140,
    "ltt": rules_gateway.check_ltt,
    "children": rules_children.check,
}
"""Business-rule modules per rule set named in a DocumentType."""


_EMPTY = (None, "", [], {})
_UNKNOWN_TYPE = (
    "Dokumenttypen kan ikke bestemmes: meta.profile peger ikke på en kendt KL-profil, så "
    "dokumentet er kun tjekket for FHIR-struktur og terminologi, ikke mod en dokumenttypes "
    "profiler og regler. Kendte dokumenttyper: "
    f"{', '.join(t.id for t in DOCUMENT_TYPES)}. Angiv dokumenttypen med --profile "
    "(termserver validate) eller ?profile= (HTTP), eller en KL-profil i meta.profile."
)
"""An unknown document type is an error, not a pass: only the generic checks would run."""


_CHOICE_TYPES = (
    "Boolean Integer String DateTime Date Time Instant Decimal Uri Url Canonical Code Id Oid "
    "Uuid Markdown Base64Binary PositiveInt UnsignedInt Age Period Range Quantity "
    "CodeableConcept Coding Reference Ratio SampledData Attachment Identifier Timing Duration "
    "Count Distance Money Signature HumanName Address ContactPoint Annotation Dosage Expression "
    "ContactDetail Contributor DataRequirement ParameterDefinition RelatedArtifact "
    "TriggerDefinition UsageContext Meta").split()
"""FHIR R4 data types a choice element `name[x]` can take (`nameDateTime`, …)."""


_DATE_KEYS = frozenset({"authoredOn", "created", "date", "dateTime", "issued", "lastUpdated",
                        "occurrenceDateTime", "timestamp", "valueInstant"})
_DATE_SUFFIXES = ("Date", "DateTime")
"""Elements of type date, dateTime or instant besides every `…Date` and `…DateTime`."""


class _Plan(NamedTuple):
    required_keys: tuple[str, ...]
    required_choices: tuple[tuple[str, frozenset[str]], ...]
    required_paths: tuple[str, ...]
    forbidden_keys: frozenset[str]
    forbidden_paths: tuple[str, ...]


def _top_level(path: str) -> bool:
    return "." not in path and ":" not in path


def _concrete(path: str) -> frozenset[str]:
    """The JSON keys a top-level element stands for (`onset[x]` → onsetDateTime, …)."""
    if path.endswith("[x]"):
        return frozenset(path[:-3] + t for t in _CHOICE_TYPES)
    return frozenset({path})


_PLANS: dict[str, _Plan] = {}


def _plan(profile: Profile) -> _Plan:
    """A profile's paths split into plain keys (one dict or set look-up) and real paths.

    Memoised by name: hashing the frozen Profile itself on every call cost more than the
    checks it serves."""
    plan = _PLANS.get(profile.name)
    if plan is None:
        plan = _PLANS[profile.name] = _make_plan(profile)
    return plan


def _make_plan(profile: Profile) -> _Plan:
    top_required = [p for p in profile.required if _top_level(p)]
    return _Plan(
        tuple(p for p in top_required if not p.endswith("[x]")),
        tuple((p, _concrete(p)) for p in top_required if p.endswith("[x]")),
        tuple(p for p in profile.required if not _top_level(p)),
        frozenset().union(*(_concrete(p) for p in profile.forbidden if _top_level(p))),
        tuple(p for p in profile.forbidden if not _top_level(p)))


class TerminologyMissing(TermserverError):
    """Validation asked of a store without KL's code systems: a setup problem, not a finding."""

    status_code = 503
    code = "terminology_missing"
    exit_code = 2


def _finding(rule: str, path: str, message: str) -> Finding:
    return Finding(RULES[rule].severity, rule, path, message)


_TYPE_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")


def root_name(resource: dict) -> str:
    """The first step of a resource's paths: its type, or `Resource` when that is junk."""
    kind = resource.get("resourceType")
    return kind if type(kind) is str and _TYPE_NAME.fullmatch(kind) else "Resource"


def render(loc: Any) -> str:
    """A Scan location (nested (parent, key-or-index) pairs) as a FHIRPath-style string."""
    parts: list[str] = []
    while type(loc) is tuple:
        loc, segment = loc
        parts.append(f"[{segment}]" if type(segment) is int else f".{element(segment)}")
    parts.append(loc)
    return "".join(reversed(parts))


class Scan:
    """Everything the checks need from one walk over the document.

    Locations are kept as cheap (parent, key-or-index) pairs and rendered only for
    findings: formatting a path for every node was most of the time of a clean document.
    Lists of primitives are not entered (nothing in them is a coding or a reference);
    contained resources are, like every other part of the document.
    """

    __slots__ = ("codings", "dates", "depth", "periods", "references")

    def __init__(self, document: Any, root: str) -> None:
        codings: list[tuple[Any, dict]] = []
        references: list[tuple[Any, str]] = []
        periods: list[tuple[Any, dict]] = []
        dates: list[tuple[Any, str]] = []
        self.codings, self.references, self.periods = codings, references, periods
        self.dates = dates
        depth = 0
        stack: list[tuple[Any, Any, int]] = [(document, root, 0)]
        pop, push = stack.pop, stack.append
        date_keys = _DATE_KEY
        while stack:
            item, where, level = pop()
            if level > depth:
                depth = level
            level += 1
            if type(item) is dict:
                if type(item.get("code")) is str and type(item.get("system")) is str:
                    codings.append((where, item))
                ref = item.get("reference")
                if type(ref) is str:
                    references.append(((where, "reference"), ref))
                for key, child in item.items():
                    kind = type(child)
                    if kind is str:
                        is_date = date_keys.get(key)
                        if is_date is None:
                            is_date = _date_key(key)
                        if is_date:
                            dates.append(((where, key), child))
                    elif kind is dict:
                        loc = (where, key)
                        if key.endswith("eriod"):
                            periods.append((loc, child))
                            for end in ("start", "end"):
                                if type(child.get(end)) is str:
                                    dates.append(((loc, end), child[end]))
                        push((child, loc, level))
                    elif kind is list and child:
                        first = type(child[0])
                        if first is dict or first is list:
                            push((child, (where, key), level))
            else:
                for index, child in enumerate(item):
                    if type(child) is dict or type(child) is list:
                        push((child, (where, index), level))
        self.depth = depth


class Validator:
    """Validates documents against the standard; built once per store, then shared."""

    def __init__(self, store: Store, *, accept_legacy_fsiii: bool = True) -> None:
        """`accept_legacy_fsiii=False` is KL Gateway's post-transition policy (note §2):
        only UUID codes from FSIII are accepted, legacy mnemonic codes are errors."""
        self.terminology = Terminology(store)
        self.accept_legacy_fsiii = accept_legacy_fsiii
        if not any(system in self.terminology.systems for system in KL_SYSTEMS):
            raise TerminologyMissing(
                "The store holds none of KL's code systems (FFB, FSIII, CareSocialCodes, FBOE, "
                "LTT), so documents cannot be validated. Import kl-term first: termserver "
                "import ../shared/data/kl-term/CodeSystem-*.json.",
                details={"required_any_of": list(KL_SYSTEMS)})

    # -- entry points ------------------------------------------------------------------------
    def validate_bytes(self, data: bytes, content_type: str = "", *, document_type: str | None
                       = None, max_bytes: int = 10 * 1024 * 1024, max_depth: int = 256,
                       day: date | str | None = None) -> Report:
        try:
            document = parse_document(data, content_type, max_bytes, max_depth)
        except DocumentError as exc:
            term, on = self.terminology_on(None, day)
            return Report(None, None, term.versions(), [exc.finding], terminology_date=on)
        return self.validate(document, document_type=document_type, max_depth=max_depth,
                             day=day)

    def terminology_on(self, document: dict | None, day: date | str | None = None
                       ) -> tuple[Terminology, str]:
        """The terminology a document is checked against, and the day it is in force on
        (`latest` when none): `day` when given (a date, or "latest" for the latest
        releases), else the document's own date (validators.dates.document_day), else the
        latest releases."""
        if day == "latest":
            return self.terminology, "latest"
        if not isinstance(day, date):
            day = document_day(document) if document is not None else None
            if day is None:
                return self.terminology, "latest"
        return self.terminology.at(day), day.isoformat()

    def validate(self, document: dict, *, document_type: str | None = None,
                 max_depth: int = 256, day: date | str | None = None) -> Report:
        """The report of one document. `day`: the date whose terminology releases apply
        (None: the document's own date; "latest": the latest releases)."""
        term, on = self.terminology_on(document, day)
        entries = self._entries(document)
        doc_type = document_type_by_id(document_type) if document_type else None
        if doc_type is None:  # the Bundle's profiles first, then each resource's
            doc_type = document_type_for(profile_urls(document))
            for entry in entries:
                if doc_type is not None:
                    break
                if entry.profiles:
                    doc_type = document_type_for(profile_urls(entry.resource))
        report = Report(doc_type.id if doc_type else None, doc_type.standard if doc_type else None,
                        term.versions(), terminology_date=on)
        root = "Bundle" if document.get("resourceType") == "Bundle" else entries[0].path
        scan = Scan(document, root)
        if scan.depth > max_depth:
            report.issues = [_finding("syntax-limits", "(dokument)",
                                      f"Dokumentet er indlejret dybere end {max_depth} niveauer.")]
            return report
        ctx = Context(document, doc_type, entries, self._index(document, entries),
                      term, report.issues)
        if doc_type is None:
            ctx.add("doc-type-unknown", f"{root}.meta.profile", _UNKNOWN_TYPE)
        report.issues.extend(self._structure(document, entries))
        if document.get("resourceType") == "Bundle" and doc_type and doc_type.bundled_references:
            report.issues.extend(self._references(scan, ctx.by_key))
        report.issues.extend(coding_layer.check(scan.codings, render, term, on=on,
                                                strict=not self.accept_legacy_fsiii))
        self._profiles(ctx)
        self._contained(ctx)
        for where, value in scan.dates:
            if not _is_date(value):
                ctx.add("struct-date-format", render(where),
                        f"»{shown(value)}« er ikke en gyldig FHIR-dato eller -tid; skriv fx "
                        "2024-05-30 eller 2024-05-30T10:15:00+02:00.")
        for period_path, period in scan.periods:
            start, end = period.get("start"), period.get("end")
            if isinstance(start, str) and isinstance(end, str) and after(start, end):
                ctx.add("per-1", render(period_path),
                        f"Perioden starter ({start}) efter den slutter ({end}).")
        for entry in ctx.of("Patient"):
            report.issues.extend(self._cpr(entry.path, entry.resource))
            if entry.resource.get("deceasedBoolean") is True or entry.resource.get(
                    "deceasedDateTime"):
                ctx.add("data-about-deceased-citizen-warning", f"{entry.path}.deceased",
                        "Borgeren er registreret som afdød; KL Gateway modtager kun data om "
                        "levende borgere.")
        for rule_set in doc_type.rule_sets if doc_type else ():
            check = _RULE_SETS.get(rule_set)
            if check is not None:
                check(ctx)
        rules_dates.check(ctx)
        return report

    # -- layers ------------------------------------------------------------------------------
    @staticmethod
    def _entries(document: dict) -> list[Entry]:
        def entry(path: str, resource: dict) -> Entry:
            kind = resource.get("resourceType")
            return Entry(path, resource, kind if type(kind) is str else shown(kind),
                         profile_names(resource))

        if document.get("resourceType") != "Bundle":
            return [entry(root_name(document), document)]
        out = [entry("Bundle", document)]
        for index, item in enumerate(lst(document.get("entry"))):
            resource = item.get("resource") if isinstance(item, dict) else None
            if isinstance(resource, dict):
                out.append(entry(f"Bundle.entry[{index}].resource", resource))
                if resource.get("resourceType") == "Bundle":  # bundles of delivery reports
                    inner = Validator._entries(resource)
                    out.extend(Entry(f"Bundle.entry[{index}].resource.{e.path[7:]}", e.resource,
                                     e.kind, e.profiles)
                               for e in inner if e.path.startswith("Bundle."))
        return out

    entries_of = _entries
    """Every resource of a document with its path (a Bundle's entries, bundles of bundles
    included; contained resources not): for rules over several documents."""

    def _structure(self, document: dict, entries: list[Entry]) -> Iterator[Finding]:
        kind = document.get("resourceType")
        if not isinstance(kind, str) or kind not in KNOWN_RESOURCES:
            yield _finding("struct-resource", "(dokument)",
                           "Dokumentet mangler resourceType." if kind is None else
                           f"Ukendt resourceType »{shown(kind)}«.")
            return
        if kind == "Bundle":
            yield from self._bundle(document)
        for entry in entries:
            if entry.kind not in KNOWN_RESOURCES:
                yield _finding("struct-resource", entry.path,
                               "Ressourcen mangler resourceType." if
                               entry.resource.get("resourceType") is None else
                               f"Ukendt resourceType »{shown(entry.kind)}«.")
                continue
            for name in _REQUIRED.get(entry.kind, ()):
                if not present(entry.resource.get(name)):
                    yield _finding("struct-required", f"{entry.path}.{name}",
                                   f"{entry.kind}.{name} skal udfyldes.")

    @staticmethod
    def _bundle(document: dict) -> Iterator[Finding]:
        items = lst(document.get("entry"))
        if document.get("type") == "message":
            first = items[0].get("resource") if items and isinstance(items[0], dict) else None
            if not isinstance(first, dict) or first.get("resourceType") != "MessageHeader":
                yield _finding("bdl-message-header", "Bundle.entry[0]",
                               "Et message-Bundle skal begynde med en MessageHeader.")
        seen_urls: dict[str, int] = {}
        seen_ids: dict[tuple[str, str], str] = {}
        for index, item in enumerate(items):
            where = f"Bundle.entry[{index}]"
            resource = item.get("resource") if isinstance(item, dict) else None
            if not isinstance(resource, dict):
                yield _finding("bdl-entry-resource", where, "Entry uden resource.")
                continue
            full_url = item.get("fullUrl")
            if not isinstance(full_url, str):
                continue
            if full_url in seen_urls:
                yield _finding("bdl-7", f"{where}.fullUrl",
                               f"fullUrl {shown(full_url)} bruges også af entry "
                               f"[{seen_urls[full_url]}].")
            seen_urls.setdefault(full_url, index)
            rtype, rid = resource.get("resourceType"), resource.get("id")
            if type(rid) is not str or type(rtype) is not str:
                continue  # no id to compare (or junk: struct-resource)
            if rid and not full_url.startswith("urn:") and not full_url.endswith(
                    f"{rtype}/{rid}"):
                yield _finding("bdl-fullurl-resource", f"{where}.fullUrl",
                               f"fullUrl {shown(full_url)} svarer ikke til ressourcen "
                               f"{shown(rtype)}/{shown(rid)}. Ret fullUrl til "
                               f"…/{shown(rtype)}/{shown(rid)}.")
            key = (rtype, rid)
            if rid and key in seen_ids and seen_ids[key] != full_url:
                yield _finding("bdl-duplicate-id", f"{where}.resource.id",
                               f"{shown(rtype)}/{shown(rid)} findes også under "
                               f"{shown(seen_ids[key])}.")
            if rid:
                seen_ids.setdefault(key, full_url)

    def _profiles(self, ctx: Context) -> None:
        """Cardinalities, fixed values and bindings of every declared KL profile."""
        allowed = (set(ctx.doc_type.report_profiles) if ctx.doc_type
                   and ctx.document.get("resourceType") == "Bundle" else set())
        free = ctx.doc_type.unprofiled_kinds if ctx.doc_type else ()
        for entry in ctx.entries:
            if allowed and entry.path != "Bundle" and not entry.profiles & allowed and \
                    entry.kind not in free:
                ctx.add("report-allowed-profiles", f"{entry.path}.meta.profile",
                        f"{entry.kind} angiver ingen af rapportens profiler; brug en af: "
                        + ", ".join(sorted(p for p in allowed if p not in PROFILES or
                                           PROFILES[p].resource_type == entry.kind)) + ".")
            for name in entry.profiles:
                profile = PROFILES.get(name)
                if profile is None or profile.resource_type != entry.kind:
                    continue
                self._profile(ctx, entry, profile)

    def _contained(self, ctx: Context) -> None:
        """Resources contained in another are held to the profiles they declare too (their
        codes and references are checked with the rest of the document); they are no
        entries of a report, so the report's profile list and the business rules, which
        count a report's resources, leave them out."""
        for entry in ctx.entries:
            contained = entry.resource.get("contained")
            if type(contained) is not list:
                continue
            for index, resource in enumerate(contained):
                if type(resource) is not dict:
                    continue
                kind = resource.get("resourceType")
                inner = Entry(f"{entry.path}.contained[{index}]", resource,
                              kind if type(kind) is str else shown(kind), profile_names(resource))
                for name in inner.profiles:
                    profile = PROFILES.get(name)
                    if profile is not None and profile.resource_type == inner.kind:
                        self._profile(ctx, inner, profile)

    def _profile(self, ctx: Context, entry: Entry, profile: Profile) -> None:
        resource, name = entry.resource, profile.name
        plan = _plan(profile)
        get = resource.get
        for key in plan.required_keys:
            if get(key) in _EMPTY:
                ctx.add("struct-required", f"{entry.path}.{key}", f"{key} skal udfyldes ({name}).")
        for path, keys in plan.required_choices:
            if not any(get(k) not in _EMPTY for k in resource.keys() & keys):
                ctx.add("struct-required", f"{entry.path}.{path[:-3]}",
                        f"{path} skal udfyldes ({name}).")
        for path in plan.required_paths:
            for where in missing(resource, entry.path, path):
                ctx.add("struct-required", where,
                        f"{where.rsplit('.', 1)[-1]} skal udfyldes ({name}).")
        for key in sorted(resource.keys() & plan.forbidden_keys):
            if get(key) not in _EMPTY:
                ctx.add("struct-forbidden", f"{entry.path}.{key}",
                        f"Elementet må ikke forekomme i {name}; fjern det.")
        for path in plan.forbidden_paths:
            if any(v not in _EMPTY for v in values(resource, path)):
                for where, value in resolve(resource, entry.path, path):
                    if value not in _EMPTY:
                        ctx.add("struct-forbidden", where,
                                f"Elementet må ikke forekomme i {name}; fjern det.")
        for path, expected in profile.fixed:
            value = get(path) if "." not in path else None
            if value is not None and value == expected:
                continue
            if any(v not in _EMPTY and v != expected for v in values(resource, path)):
                for where, found in resolve(resource, entry.path, path):
                    if found not in _EMPTY and found != expected:
                        ctx.add("struct-fixed", where,
                                f"Værdien skal være »{expected}« ({name}); fundet "
                                f"»{shown(found)}«.")
        for path, system, code in profile.codings:
            if all(self._carries(v, system, code) for v in values(resource, path)):
                continue
            for where, value in resolve(resource, entry.path, path):
                if not self._carries(value, system, code):
                    ctx.add("struct-fixed", where,
                            f"Elementet skal indeholde koden {code} fra {system} ({name}).")
        for path, key, allowed in profile.closed:
            if not all(self._sliced(v, key, allowed) for v in values(resource, path)):
                for where, value in resolve(resource, entry.path, path):
                    if not self._sliced(value, key, allowed):
                        found = obj(value).get(key)
                        ctx.add("struct-closed-slicing", where,
                                f"{'Udvidelsen' if key == 'url' else 'Kodningen'} "
                                f"»{shown(found)}« er ikke en af profilens ({name}): "
                                f"{', '.join(a.lstrip('/') for a in allowed)}; fjern den.")
        for binding in profile.bindings:
            path = binding.judged
            found = values(resource, path)
            if found and not all(self._bound(ctx.terminology, v, binding.value_set)
                                     for v in found):
                for where, value in resolve(resource, entry.path, path):
                    self._binding(ctx, where, value, binding.value_set, binding.strength)

    def _sliced(self, value: object, key: str, allowed: tuple[str, ...]) -> bool:
        """Whether an item of a closed slicing is one of its slices."""
        found = obj(value).get(key)
        if type(found) is not str:
            return type(value) is not dict  # junk is the structure layer's to report
        if key == "url":
            return found.endswith(allowed)
        return self.terminology.canonical(found)[0] in allowed

    def _carries(self, value: object, system: str, code: str) -> bool:
        if type(value) is not dict:
            return False
        items = lst(value.get("coding")) if "coding" in value else (value,)
        return any(type(c) is dict and c.get("code") == code and
                   self.terminology.canonical(str(c.get("system")))[0] == system for c in items)

    @staticmethod
    def _bound(term: Terminology, value: object, name: str) -> bool:
        """Fast path: every coding from the value set's systems is a member, and one exists."""
        if type(value) is not dict:
            return False
        expansion = term.value_sets[name]
        items = lst(value.get("coding")) if "coding" in value else (value,)
        member = False
        for coding in items:
            if type(coding) is not dict:
                continue
            system = coding.get("system")
            if type(system) is not str or type(coding.get("code")) is not str:
                continue
            codes = expansion.get(system)
            if codes is None:
                if system not in LEGACY_CANONICALS:
                    continue
                codes = expansion.get(LEGACY_CANONICALS[system])
                if codes is None:
                    continue
            if coding.get("code") not in codes:
                return False
            member = True
        return member

    def _binding(self, ctx: Context, where: str, value: object, name: str,
                 strength: str) -> None:
        term = ctx.terminology
        expansion = term.value_sets[name]
        unchecked = VALUE_SETS[name].unchecked_systems
        systems = {s for s in expansion if s in term.systems}
        # systems outside the store whose codes the value set lists (HL7's v3 codes, UCUM
        # units, a guide's own code system): judged against that list alone
        listed = {s for s in expansion if s not in term.systems and s not in unchecked}
        if not systems and not listed:
            return
        rule = "term-valueset" if strength == "required" else "term-valueset-extensible"
        relevant, foreign, other = [], [], False
        for rel, coding in codings(value):
            raw = coding.get("system", "")
            system = term.canonical(raw)[0] if type(raw) is str else shown(raw)
            if system in systems or system in listed:
                relevant.append((rel, coding, system))
            elif system in unchecked:
                return  # e.g. a SNOMED CT target measure: not ours to judge
            elif system in term.systems:
                if term.lookup(system, str(coding.get("code"))).exists:
                    foreign.append(system)
                else:
                    other = True  # unknown code: the terminology layer's finding
            elif not system.startswith(KL_NAMESPACES) or _foreign(system):
                foreign.append(system or "(intet system)")
            else:
                other = True  # a KL-looking typo: term-unknown-system says so
        if not relevant:
            if foreign or not (other or any(c.get("code") for _, c in codings(value))):
                found = f"fundet {', '.join(foreign)}" if foreign else "ingen kode fundet"
                ctx.add(rule, where, f"Feltet skal have en kode fra værdisættet {name} "
                                     f"({', '.join(sorted(systems | listed))}); {found}.")
            return
        for rel, coding, system in relevant:
            code = coding.get("code", "")
            if type(code) is not str or code in expansion[system] or (
                    system in systems and not term.lookup(system, code).exists):
                continue  # in the value set, or unknown/retired: reported by terminology
            others = [n for n in term.containing(system, code) if n != name]
            hint = (f" Koden hører til {others[0]} ({VALUE_SETS[others[0]].title})."
                    if others else "")
            ctx.add(rule, f"{where}{rel}.code",
                    f"Koden {code} er ikke tilladt her: feltet skal have en kode fra "
                    f"{name} ({VALUE_SETS[name].title}).{hint}")

    @staticmethod
    def _index(document: dict, entries: list[Entry]) -> dict[str, dict]:
        by_key: dict[str, dict] = {}
        for item in lst(document.get("entry")):
            if not isinstance(item, dict) or not isinstance(item.get("resource"), dict):
                continue
            resource = item["resource"]
            if isinstance(item.get("fullUrl"), str):
                by_key[item["fullUrl"]] = resource
            by_key[f"{resource.get('resourceType')}/{resource.get('id')}"] = resource
        for entry in entries:
            by_key.setdefault(f"{entry.kind}/{entry.resource.get('id')}", entry.resource)
        return by_key

    @staticmethod
    def _references(scan: Scan, by_key: dict[str, dict]) -> Iterator[Finding]:
        for where, ref in scan.references:
            if not ref.startswith("#") and find(by_key, ref) is None:
                yield _finding("ref-resolves", render(where),
                               f"Referencen {shown(ref)} findes ikke i Bundlet. Alle "
                               "refererede ressourcer skal medsendes.")

    @staticmethod
    def _cpr(path: str, patient: dict) -> Iterator[Finding]:
        for index, identifier in enumerate(lst(patient.get("identifier"))):
            if not isinstance(identifier, dict) or identifier.get("system") != CPR_SYSTEM:
                continue
            value = identifier.get("value", "")
            if type(value) is not str or not _cpr_valid(value):
                yield _finding("cpr-format", f"{path}.identifier[{index}].value",
                               f"»{shown(value)}« er ikke et gyldigt CPR-nummer (10 cifre, "
                               "DDMMÅÅ efterfulgt af 4 cifre, med en gyldig dato).")




_FHIR_DATE_TIME = re.compile(
    r"(?!0000)[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]"
    r":([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?)?)?)?")
"""FHIR's date/dateTime/instant grammar (the zone optional, see _DATE_TIME); only the
length of a month is left to check."""
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


_DATE_KEY: dict[str, bool] = {}
_SEEN_DATES: dict[str, bool] = {}
_KEPT = 10_000
"""Memos for the element names and date values documents repeat; bounded (nothing more
is kept when full), so that invented names and values cannot grow the process."""


def _date_key(key: str) -> bool:
    is_date = key in _DATE_KEYS or key.endswith(_DATE_SUFFIXES)
    if len(_DATE_KEY) < _KEPT:
        _DATE_KEY[key] = is_date
    return is_date


def _is_date(value: str) -> bool:
    """Whether the value is a FHIR date, dateTime or instant on a real calendar day."""
    valid = _SEEN_DATES.get(value)
    if valid is None:
        valid = _check_date(value)
        if len(_SEEN_DATES) < _KEPT and len(value) <= 40:
            _SEEN_DATES[value] = valid
    return valid


def _check_date(value: str) -> bool:
    if len(value) > 40 or _FHIR_DATE_TIME.fullmatch(value) is None:
        return False
    if len(value) < 10 or value[8:10] <= "28":
        return True
    year, month, day = int(value[:4]), int(value[5:7]), int(value[8:10])
    if month == 2 and day == 29:
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day <= _MONTH_DAYS[month]


def _cpr_valid(value: str) -> bool:
    """10 digits whose first six are a real date (century from the 7th digit, CPR rules)."""
    if not _CPR.fullmatch(value):
        return False
    day, month, year, seventh = int(value[0:2]), int(value[2:4]), int(value[4:6]), int(value[6])
    if seventh <= 3:
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if year <= 36 else 1900
    else:
        century = 2000 if year <= 57 else 1800
    try:
        date(century + year, month, day)
    except ValueError:
        return False
    return True
