"""`$validate-code` on a code system or a value set: is the code valid, and why not.

The answer is a `Parameters` with `result`, the code as found (`code`, `system`,
`version`, `display`), a `message` made of the errors, and every finding as an issue of
an `OperationOutcome` (`issues`), located where the request put the problem
(`Coding.version`, `CodeableConcept.coding[0].code`…).

Which version of the code system a code is checked against follows FHIR's version rules
(`versions.py`) per include of the value set, together with the version the value names
(`VersionCheck`): a value naming another version than the value set's include is an
error, one naming a version we do not have is an error too, and the code is then looked
for in the version the value set uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Concept, Release
from ..versions import version_key
from . import supplements
from .concepts import (
    display,
    displays,
    is_abstract,
    is_inactive,
    release_canonical,
    release_status_notes,
)
from .context import Context, split_canonical
from .displays import Languages, check_display
from .outcome import TX_ISSUE_TYPE, FhirError, outcome_for_error
from .params import Params
from .valuesets import (
    Member,
    ValueSetNotFound,
    compose_parameters,
    evaluate,
    expansion_resolver,
    resolve_value_set,
    unknown_system_text,
    value_set_canonical,
    value_set_status,
)
from .versions import VersionRules, check_message, more_detailed

_CANNOT_VALIDATE = "the code cannot be validated"


def issue(severity: str, code: str, text: str, expression: str | None,
          tx_code: str, *, location: bool = True) -> dict[str, Any]:
    """One issue as the ecosystem writes it: FHIR's type, the tx-issue-type, and where
    (`location` is the older spelling of `expression`; codeable concepts go without)."""
    found: dict[str, Any] = {"severity": severity, "code": code, "details": {
        "coding": [{"system": TX_ISSUE_TYPE, "code": tx_code}], "text": text}}
    if expression:
        if location:
            found["location"] = [expression]
        found["expression"] = [expression]
    return found


@dataclass
class Findings:
    """Issues gathered while validating one value, and the messages the errors make."""

    issues: list[dict[str, Any]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    caused_by: list[str] = field(default_factory=list)
    """Code systems (`url|version`) whose absence stopped the check."""

    def add(self, severity: str, code: str, text: str, expression: str | None,
            tx_code: str, *, location: bool = True) -> None:
        self.issues.append(issue(severity, code, text, expression, tx_code,
                                 location=location))
        if severity == "error":
            self.messages.append(text)

    @property
    def failed(self) -> bool:
        return any(i["severity"] in ("error", "fatal") for i in self.issues)


@dataclass
class VersionCheck:
    """Resolves the releases a value set's includes draw from while one value is checked,
    writing down where the value's version and the value set's disagree."""

    context: Context
    rules: VersionRules
    system: str
    version: str | None
    """The version the value names (`Coding.version`, `systemVersion`), if any."""
    where: str
    findings: Findings
    include_versions: set[str | None] = field(default_factory=set)
    resolved: list[Release] = field(default_factory=list)
    referenced: bool = False
    """The value set draws on the value's system (so an unknown system is its cause)."""
    _seen: set[tuple[str | None, ...]] = field(default_factory=set)

    def _path(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def resolve(self, system: str, version: str | None) -> Release | None:
        if system != self.system:
            return self._other(system, version)
        self.referenced = True
        if (self.version and version != self.version and version in self.include_versions
                and self.version in self.include_versions):
            return None  # another include names exactly the value's version
        wanted = self.determine(version)
        release = self.context.code_system(system, wanted)
        if release is None:
            self._unknown(wanted)
            return None
        for pattern in self.rules.check_failures(system, release.version):
            key = ("check", release.version, pattern)
            if key not in self._seen:
                self._seen.add(key)
                self.findings.add("error", "exception",
                                  check_message(system, release.version, pattern),
                                  self._path("version"), "version-error")
        if release not in self.resolved:
            self.resolved.append(release)
        return release

    def _other(self, system: str, version: str | None) -> Release | None:
        """Other systems of the value set: as an expansion takes them, but a missing one
        only leaves its codes out; it is not this value's problem."""
        try:
            return expansion_resolver(self.context, self.rules)(system, version)
        except FhirError:
            return None

    def determine(self, include_version: str | None) -> str | None:
        """The version to check the value against for an include naming
        `include_version`; a value naming another version is an issue."""
        result = self.rules.system_version(self.system, include_version)
        wanted = self.version
        if not wanted:
            return result
        if result and more_detailed(result, wanted):
            result = wanted
        if not result and any(r.version == wanted or more_detailed(wanted, r.version)
                              for r in self.context.versions_of(self.system)):
            result = wanted
        key = ("determine", result, include_version, wanted)
        if key in self._seen:
            return result
        self._seen.add(key)
        release = self.context.code_system(self.system, result)
        if release is not None and release.version != wanted and not more_detailed(
                wanted, release.version):
            if not result:
                self.findings.add(
                    "warning", "invalid",
                    f"The code system '{self.system}' version '{release.version}' for the "
                    "versionless include in the ValueSet include is different to the one "
                    f"in the value ('{wanted}')", self._path("version"), "vs-invalid")
            elif result != (include_version or ""):
                self.findings.add(
                    "error", "invalid",
                    f"The code system '{self.system}' version '{result}' resulting from the "
                    f"version '{include_version or ''}' in the ValueSet include is different "
                    f"to the one in the value ('{wanted}')", self._path("version"),
                    "vs-invalid")
            else:
                self._mismatch(result, wanted)
            if self.context.code_system(self.system, wanted) is None:
                self._unknown(wanted)
        elif release is None and result != wanted:
            self._mismatch(result or "", wanted)
        return result

    def _mismatch(self, include_version: str, wanted: str) -> None:
        self.findings.add(
            "error", "invalid",
            f"The code system '{self.system}' version '{include_version}' in the ValueSet "
            f"include is different to the one in the value ('{wanted}')",
            self._path("version"), "vs-invalid")

    def _unknown(self, version: str | None) -> None:
        canonical = f"{self.system}|{version}" if version else self.system
        if canonical in self.findings.caused_by:
            return
        self.findings.caused_by.append(canonical)
        self.findings.add("error", "not-found",
                          unknown_system_text(self.context, self.system, version,
                                              _CANNOT_VALIDATE),
                          self._path("system"), "not-found")

    def reported(self) -> Release | None:
        """The release an answer names when the code is not in the value set: the newest
        the value set drew on for this system."""
        return max(self.resolved, key=lambda r: version_key(r.version), default=None)


@dataclass
class Value:
    """One coded value to validate, however it was sent."""

    system: str | None
    code: str | None
    version: str | None
    display: str | None
    where: str
    """`CodeableConcept.coding[1]`, `Coding`, or empty for `code` + `system`."""
    in_concept: bool = False

    def path(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def shown(self) -> str:
        """`system|version#code ('display')`, the way messages name the value."""
        system = f"{self.system}|{self.version}" if self.version else str(self.system or "")
        return f"{system}#{self.code}" + (f" ('{self.display}')" if self.display else "")


@dataclass
class Checked:
    """What checking one value found: the release and concept it was looked up in."""

    value: Value
    release: Release | None = None
    concept: Concept | None = None
    member: bool = False
    shown: str | None = None
    inactive: bool = False
    unknown_outside: bool = False
    """Its system is one we do not have, and the value set does not use it either."""
    normalized: str | None = None
    """The code as the code system writes it, when the value wrote it in another case."""
    no_system: bool = False
    """The value names no system, so it means nothing and is in no value set."""
    status: str | None = None
    """FHIR's status of the code when it is not plainly active (retired, deprecated)."""


def _values(params: Params) -> tuple[list[Value], dict[str, Any] | None]:
    """The values a request asks about, and the codeable concept they came in (echoed)."""
    concept = params.get("codeableConcept")
    codings = (concept.get("coding") or []) if isinstance(concept, dict) else []
    if codings:
        return [Value(c.get("system"), c.get("code"), c.get("version"), c.get("display"),
                      f"CodeableConcept.coding[{i}]", in_concept=True)
                for i, c in enumerate(codings) if isinstance(c, dict)], concept
    coding = params.get("coding")
    if isinstance(coding, dict):
        return [Value(coding.get("system"), coding.get("code"), coding.get("version"),
                      coding.get("display"), "Coding")], None
    return [Value(params.text("system"), params.text("code"),
                  params.text("systemVersion") or params.text("version"),
                  params.text("display"), "")], None


def validate_code(context: Context, params: Params, *, value_set: bool) -> dict[str, Any]:
    """`$validate-code` on a code system (`value_set=False`) or a value set."""
    values, concept = _values(params)
    if not values or not all(v.code for v in values):
        raise FhirError("Unable to find code to validate (looked for coding | "
                        "codeableConcept | code+system | code+inferSystem in parameters",
                        tx_code="")
    rules = VersionRules.from_params(params)
    Languages.parse(params.text("displayLanguage"))  # a malformed list is refused up front
    findings = Findings()
    if not value_set:
        supplements.apply(context, supplements.required(params))
        value = values[0]
        value.system = value.system or params.text("url")  # the code system's own `url`
        checked = _check(context, params, value, None, rules, findings)
        return _answer(checked, concept, findings)
    vs = params.get("valueSet")
    if not isinstance(vs, dict):
        url = params.text("url")
        if not url:
            raise FhirError("$validate-code on a ValueSet needs `url` or `valueSet`.")
        vs = resolve_value_set(context, url, params.text("valueSetVersion"))
    for name, kind, setting in compose_parameters(vs):
        params.default(name, kind, setting)
    supplements.apply(context, supplements.required(params, vs))
    vs_name = value_set_canonical(vs)
    uninferred = set()
    for index, value in enumerate(values):
        if not value.system and params.flag("inferSystem"):
            value.system, problem = _inferred_system(context, vs, rules, str(value.code))
            if problem:
                findings.add("error", "not-found",
                             f"The System URI could not be determined for the code "
                             f"'{value.code}' in the ValueSet '{vs_name}': {problem}",
                             value.path("code"), "cannot-infer")
                uninferred.add(index)
    checks = [Checked(value, no_system=True) if index in uninferred
              else _check(context, params, value, vs, rules, findings)
              for index, value in enumerate(values)]
    if concept is None:
        checked = checks[0]
        if not checked.member and (checked.release is not None or checked.unknown_outside
                                   or checked.no_system):
            findings.add("error", "code-invalid",
                         f"The provided code '{checked.value.shown()}' was not found in the "
                         f"value set '{vs_name}'", checked.value.path("code"), "not-in-vs")
        return _answer(checked, concept, findings)
    for checked in checks:
        if not checked.member and (checked.release is not None or checked.unknown_outside):
            findings.add("information", "code-invalid",
                         f"The provided code '{checked.value.shown()}' was not found in the "
                         f"value set '{vs_name}'", checked.value.path("code"),
                         "this-code-not-in-vs", location=False)
    named = next((c for c in checks if c.member), None)
    if named is None and any(c.release is not None or c.unknown_outside for c in checks):
        findings.add("error", "code-invalid",
                     f"No valid coding was found for the value set '{vs_name}'", None,
                     "not-in-vs")
    if named is None:
        return _answer(Checked(checks[0].value), concept, findings, names_code=False,
                       unknown_outside=any(c.unknown_outside for c in checks))
    return _answer(named, concept, findings)


def _check(context: Context, params: Params, value: Value, vs: dict[str, Any] | None,
           rules: VersionRules, findings: Findings) -> Checked:
    """Look one value up (in the value set, when there is one) and note what is wrong."""
    checked = Checked(value)
    if not value.system:
        text = ("Coding has no system. A code with no system has no defined meaning, and it "
                "cannot be validated. A system should be provided")
        findings.add("warning", "invalid", text, value.where or "code", "invalid-data")
        findings.messages.append(text)
        checked.no_system = True
        return checked
    base, pinned = split_canonical(value.system)
    value.system, value.version = base, value.version or pinned
    supplement = next((r for r in context.code_systems if r.info.uri == base
                       and r.info.extra.get("supplements")), None)
    if supplement is not None:  # it adds to codes; it has no codes of its own
        findings.add("error", "invalid",
                     f"CodeSystem {release_canonical(supplement)} is a supplement, so can't "
                     f"be used as a value in {value.path('system')}", value.path("system"),
                     "invalid-data")
        findings.caused_by.append(base)
        return checked
    if vs is None:
        wanted = rules.system_version(base, value.version)
        release = context.code_system(base, wanted)
        if release is None:
            findings.add("error", "not-found",
                         unknown_system_text(context, base, wanted, _CANNOT_VALIDATE),
                         value.path("system"), "not-found")
            findings.caused_by.append(f"{base}|{wanted}" if wanted else base)
            return checked
        for pattern in rules.check_failures(base, release.version):
            findings.add("error", "exception", check_message(base, release.version, pattern),
                         value.path("version"), "version-error")
        return _look_up(context, params, checked, release, find_concept(release, str(value.code)),
                        True, findings)
    return _in_value_set(context, params, checked, vs, rules, findings)


def _in_value_set(context: Context, params: Params, checked: Checked, vs: dict[str, Any],
                  rules: VersionRules, findings: Findings) -> Checked:
    value = checked.value
    system, code = str(value.system), str(value.code)
    check = VersionCheck(context, rules, system, value.version, value.where, findings)
    check.include_versions = {i.get("version") for i in
                              (vs.get("compose") or {}).get("include") or []
                              if i.get("system") == system}
    try:
        evaluated = evaluate(context, vs, check.resolve, rules)
    except ValueSetNotFound as exc:  # an import is missing: the value set cannot say
        findings.add("error", "not-found", exc.message, None, "not-found")
        return checked
    vs_name = value_set_canonical(vs)
    for source in evaluated.sources:
        status = value_set_status(source)
        if status:
            note = f"Reference to {status} ValueSet {value_set_canonical(source)}"
            if not any(i["details"]["text"] == note for i in findings.issues):
                findings.add("information", "business-rule", note, None, "status-check")
    found = _best([m for m in evaluated.members if m[0].info.uri == system
                   and (m[1].code == code or _same_code(m[0], m[1].code, code))],
                  value.display)
    if found is not None:
        release, concept = found
        for mark in evaluated.marks.get((system, code), []):
            status = "deprecated" if mark.get("url", "").endswith("-deprecated") else \
                str(mark.get("valueCode"))
            findings.add("warning", "business-rule",
                         f"The presence of the concept '{code}' in the system '{system}' in "
                         f"the value set {vs_name} is marked with a status of {status} and "
                         "its use should be reviewed", value.path("code"), "code-comment")
        return _look_up(context, params, checked, release, concept, True, findings)
    release = check.reported()
    if release is None and not check.referenced:
        # the value set does not draw on the system: the code is simply not in it
        wanted = rules.system_version(system, value.version)
        release = context.code_system(system, wanted)
        if release is None:
            text = unknown_system_text(context, system, wanted, _CANNOT_VALIDATE)
            if not wanted:  # the ecosystem's wording for a system no value set names
                text = text.replace(f"'{system}'", system)
            findings.add("error", "not-found", text, value.path("system"), "not-found")
            checked.unknown_outside = True
            return checked
    if release is None:  # the value set's version of the system is not here
        return checked
    concept = find_concept(release, code)
    if concept is None and _fragment(release) and _whole_system_included(vs, system):
        return _look_up(context, params, checked, release, None, True, findings)
    left_out = concept is not None and (system, concept.code) in evaluated.inactive_left_out
    if left_out:  # the value set takes active codes only
        findings.add("error", "business-rule",
                     f"The concept '{code}' is valid but is not active", value.path("code"),
                     "code-rule")
    return _look_up(context, params, checked, release, concept, False, findings,
                    note_inactive=left_out)


def find_concept(release: Release, code: str) -> Concept | None:
    """The code in the release; in a case-insensitive code system, in any case."""
    concept = release.concepts.get(code)
    if concept is None and release.info.extra.get("caseSensitive", "").lower() == "false":
        folded = code.casefold()
        concept = next((c for c in release.concepts.values()
                        if c.code.casefold() == folded), None)
    return concept


def _same_code(release: Release, have: str, given: str) -> bool:
    return release.info.extra.get("caseSensitive", "").lower() == "false" and \
        have.casefold() == given.casefold()


def _fragment(release: Release) -> bool:
    return release.info.extra.get("content") == "fragment"


def _whole_system_included(vs: dict[str, Any], system: str) -> bool:
    """Does the value set include all of `system` (no codes listed, no filters)?"""
    return any(i.get("system") == system and not i.get("concept") and not i.get("filter")
               and not i.get("valueSet")
               for i in (vs.get("compose") or {}).get("include") or [])


def _best(found: list[Member], wanted_display: str | None) -> Member | None:
    """Of the versions a value set holds a code in, the one whose display the value
    gives, else the newest."""
    if not found:
        return None
    if wanted_display:
        for member in found:
            if wanted_display in displays(member[1]):
                return member
    return max(found, key=lambda m: version_key(m[0].version))


def _look_up(context: Context, params: Params, checked: Checked, release: Release,
             concept: Concept | None, member: bool, findings: Findings, *,
             note_inactive: bool = False) -> Checked:
    """The code in its release: unknown, wrong display, status of the system and code."""
    value = checked.value
    checked.release, checked.concept, checked.member = release, concept, member
    code, system = str(value.code), release.info.uri
    if concept is None and member and _fragment(release):
        # a fragment does not list every code: an unknown one may be valid elsewhere
        findings.add("warning", "code-invalid",
                     f"Unknown Code '{code}' in the CodeSystem '{system}' version "
                     f"'{release.version}' - note that the code system is labeled as a "
                     "fragment, so the code may be valid in some other fragment",
                     value.path("code"), "invalid-code", location=not value.in_concept)
        return checked
    membership_only = params.flag("valueset-membership-only")
    if concept is None:
        checked.member = False
        if membership_only:  # only whether the value set has it is asked
            return checked
        findings.add("error", "code-invalid",
                     f"Unknown code '{code}' in the CodeSystem '{system}' version "
                     f"'{release.version}'", value.path("code"), "invalid-code",
                     location=not value.in_concept)
        return checked
    if concept.code != code:
        checked.normalized = concept.code
        findings.add("information", "business-rule",
                     f"The code '{code}' differs from the correct code '{concept.code}' by "
                     f"case. Although the code system '{release_canonical(release)}' is case "
                     "insensitive, implementers are strongly encouraged to use the correct "
                     "case anyway", value.path("code"), "code-rule")
    checked.shown = display(concept, release, params.text("displayLanguage"))
    checked.status = _stated_status(context, release, concept)
    # the display is checked against the code system, whether or not the value set has it
    if value.display and not membership_only:
        details = context.details_of(release)
        finding = check_display(release, concept, value.display,
                                Languages.parse(params.text("displayLanguage")),
                                lenient=params.flag("lenient-display-validation"),
                                sent=details.designations(concept.code) if details else None)
        if finding is not None:
            findings.add(finding.severity, "invalid", finding.text, value.path("display"),
                         "invalid-display")
            if finding.severity != "error":  # the answer still says what was found
                findings.messages.append(finding.text)
    if not member:
        if note_inactive:
            _inactive(checked, concept, findings)
        return checked
    if not params.flag("abstract", True) and is_abstract(concept, release):
        # `abstract=false`: the context (a resource's element) cannot take a grouping code
        findings.add("error", "business-rule",
                     f"Code '{system}#{code}' is abstract, and not allowed in this context",
                     value.path("code"), "code-rule")
        checked.member = False
        return checked
    for note in release_status_notes(release):
        text = f"Reference to {note} CodeSystem {release_canonical(release)}"
        if not any(i["details"]["text"] == text for i in findings.issues):
            findings.add("information", "business-rule", text, None, "status-check")
    if is_inactive(concept):
        _inactive(checked, concept, findings)
    elif checked.status == "deprecated":
        text = f"The concept '{code}' is deprecated and its use should be reviewed"
        findings.add("warning", "business-rule", text, value.where or "code", "code-comment")
        findings.messages.append(text)
    return checked


def _stated_status(context: Context, release: Release, concept: Concept) -> str | None:
    """FHIR's status of the code (experimental, deprecated, retired): its status property,
    else the standards-status extension its code system's resource gave it."""
    for stated in concept.properties.get("status", []):
        if stated in ("experimental", "deprecated", "retired"):
            return stated
    details = context.details_of(release)
    raw = details.concepts.get(concept.code) if details is not None else None
    for extension in (raw or {}).get("extension") or []:
        if isinstance(extension, dict) and str(extension.get("url", "")).endswith(
                "/structuredefinition-standards-status") and extension.get("valueCode") in (
                "deprecated", "withdrawn"):
            return "deprecated"
    return None


def _inactive(checked: Checked, concept: Concept, findings: Findings) -> None:
    """An inactive code: said in the answer, and a warning that its use is to be reviewed."""
    checked.inactive = True
    # a retired code is also inactive, and the message says both
    status = ("retired and inactive" if "retired" in concept.properties.get("status", [])
              else "inactive")
    text = (f"The concept '{checked.value.code}' has a status of {status} and its use "
            "should be reviewed")
    findings.add("warning", "business-rule", text, checked.value.where or "code",
                 "code-comment")
    findings.messages.append(text)


def _inferred_system(context: Context, vs: dict[str, Any], rules: VersionRules,
                     code: str) -> tuple[str | None, str | None]:
    """`inferSystem`: the one system of the value set that has the code, else why not."""
    evaluated = evaluate(context, vs, None, rules)
    systems = sorted({r.info.uri for r, c in evaluated.members if c.code == code})
    if len(systems) == 1:
        return systems[0], None
    if systems:
        return None, f"value set expansion has multiple matches: [{', '.join(systems)}]"
    used = sorted({r.info.uri for r in evaluated.used})
    return None, f"none of its code systems has the code: [{', '.join(used)}]"


def _answer(checked: Checked, concept: dict[str, Any] | None, findings: Findings, *,
            names_code: bool = True, unknown_outside: bool = False) -> dict[str, Any]:
    """The Parameters answer: the value as found, the message made of the errors, the
    issues; a codeable concept none of whose codings is valid names no code."""
    value, release = checked.value, checked.release
    unknown_outside = unknown_outside or checked.unknown_outside
    result = checked.member and not findings.failed
    out: list[dict[str, Any]] = [{"name": "result", "valueBoolean": result}]
    if concept is not None and release is None:
        names_code = False
    if names_code and value.code:
        out.append({"name": "code", "valueCode": value.code})
    if names_code and value.system:
        out.append({"name": "system", "valueUri": release.info.uri if release
                    else value.system})
    if names_code and release is not None and release.version and (
            checked.member or concept is None):
        out.append({"name": "version", "valueString": release.version})
    if names_code and checked.shown:
        out.append({"name": "display", "valueString": checked.shown})
    if checked.inactive:
        out.append({"name": "inactive", "valueBoolean": True})
    if names_code and checked.status:
        out.append({"name": "status", "valueCode": checked.status})  # FHIR's concept status
    if names_code and checked.normalized:
        out.append({"name": "normalized-code", "valueCode": checked.normalized})
    if findings.messages:
        out.append({"name": "message", "valueString": "; ".join(findings.messages)})
    if concept is not None:  # the codeable concept as sent
        out.append({"name": "codeableConcept", "valueCodeableConcept": concept})
    if findings.issues:
        out.append({"name": "issues", "resource": {"resourceType": "OperationOutcome",
                                                    "issue": findings.issues}})
    if unknown_outside:
        out.append({"name": "x-unknown-system", "valueCanonical": str(value.system)})
    elif findings.caused_by:
        # which system was missing, so a client can fetch it and ask again
        out.append({"name": "x-caused-by-unknown-system",
                    "valueCanonical": findings.caused_by[0]})
    return {"resourceType": "Parameters", "parameter": out}


def batch_validate_code(context: Context, params: Params) -> dict[str, Any]:
    """`ValueSet/$batch-validate-code`: each `validation` (a Parameters) is validated with
    the request's other parameters, its own winning; each answer, or the error that
    stopped it, is one `validation` of the answer."""
    shared = {k: v for k, v in params.values.items() if k != "validation"}
    out = []
    for index, item in enumerate(params.all("validation")):
        if not isinstance(item, dict):
            raise FhirError(f"validation[{index}] must be a Parameters resource.")
        own = Params.from_resource(item)
        merged = Params({**shared, **own.values}, {**params.kinds, **own.kinds})
        try:
            answer = validate_code(context, merged, value_set=True)
        except FhirError as exc:
            answer = outcome_for_error(exc)
        out.append({"name": "validation", "resource": answer})
    return {"resourceType": "Parameters", "parameter": out}
