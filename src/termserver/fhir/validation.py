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
from .concepts import (
    display,
    displays,
    is_inactive,
    release_canonical,
    release_status_notes,
)
from .context import Context, split_canonical
from .outcome import TX_ISSUE_TYPE, FhirError
from .params import Params
from .valuesets import (
    Member,
    ValueSetNotFound,
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
    """The value to validate, however it was sent."""

    system: str | None
    code: str | None
    version: str | None
    display: str | None
    codings: list[dict[str, Any]]
    where: str
    """`CodeableConcept.coding[0]`, `Coding`, or empty for `code` + `system`."""

    def path(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    @property
    def in_concept(self) -> bool:
        return bool(self.codings)


def _value(params: Params) -> Value:
    concept = params.get("codeableConcept")
    codings = (concept.get("coding") or []) if isinstance(concept, dict) else []
    if codings:
        first = codings[0]
        return Value(first.get("system"), first.get("code"), first.get("version"),
                     first.get("display"), codings, "CodeableConcept.coding[0]")
    coding = params.get("coding")
    if isinstance(coding, dict):
        return Value(coding.get("system"), coding.get("code"), coding.get("version"),
                     coding.get("display"), [], "Coding")
    return Value(params.text("system"), params.text("code"),
                 params.text("systemVersion") or params.text("version"),
                 params.text("display"), [], "")


def validate_code(context: Context, params: Params, *, value_set: bool) -> dict[str, Any]:
    """`$validate-code` on a code system (`value_set=False`) or a value set."""
    value = _value(params)
    if not value.code:
        raise FhirError("No code given: send `code`, a `coding` or a `codeableConcept`.")
    rules = VersionRules.from_params(params)
    if not value_set and not value.system:  # CodeSystem/$validate-code names it by `url`
        value.system = params.text("url")
    vs: dict[str, Any] | None = None
    if value_set:
        vs = params.get("valueSet")
        if not isinstance(vs, dict):
            url = params.text("url")
            if not url:
                raise FhirError("$validate-code on a ValueSet needs `url` or `valueSet`.")
            vs = resolve_value_set(context, url, params.text("valueSetVersion"))
        if not value.system and params.flag("inferSystem"):
            value.system = _inferred_system(context, vs, rules, value.code)
    findings = Findings()
    if not value.system:
        text = "No system given for the code"
        findings.add("error", "not-found", text, value.path("system"), "not-found")
        return _result(False, value, None, None, findings)
    base, pinned = split_canonical(value.system)
    value.system, value.version = base, value.version or pinned
    if vs is None:
        return _against_code_system(context, params, value, rules, findings)
    return _against_value_set(context, params, value, vs, rules, findings)


def _against_code_system(context: Context, params: Params, value: Value,
                         rules: VersionRules, findings: Findings) -> dict[str, Any]:
    system = str(value.system)
    wanted = rules.system_version(system, value.version)
    release = context.code_system(system, wanted)
    if release is None:
        text = unknown_system_text(context, system, wanted, _CANNOT_VALIDATE)
        findings.add("error", "not-found", text, value.path("system"), "not-found")
        findings.caused_by.append(f"{system}|{wanted}" if wanted else system)
        return _result(False, value, None, None, findings)
    for pattern in rules.check_failures(system, release.version):
        findings.add("error", "exception", check_message(system, release.version, pattern),
                     value.path("version"), "version-error")
    return _finish(context, params, value, release, release.concepts.get(str(value.code)),
                   True, "", findings)


def _against_value_set(context: Context, params: Params, value: Value, vs: dict[str, Any],
                       rules: VersionRules, findings: Findings) -> dict[str, Any]:
    system, code = str(value.system), str(value.code)
    check = VersionCheck(context, rules, system, value.version, value.where, findings)
    check.include_versions = {i.get("version") for i in
                              (vs.get("compose") or {}).get("include") or []
                              if i.get("system") == system}
    try:
        evaluated = evaluate(context, vs, check.resolve, rules)
    except ValueSetNotFound as exc:  # an import is missing: the value set cannot say
        findings.add("error", "not-found", exc.message, None, "not-found")
        return _result(False, value, None, None, findings)
    found = _best([m for m in evaluated.members
                   if m[0].info.uri == system and m[1].code == code], value.display)
    vs_name = value_set_canonical(vs)
    for source in evaluated.sources:
        status = value_set_status(source)
        if status:
            findings.add("information", "business-rule",
                         f"Reference to {status} ValueSet {value_set_canonical(source)}",
                         None, "status-check")
    if found is not None:
        release, concept = found
        for mark in evaluated.marks.get((system, code), []):
            status = "deprecated" if mark.get("url", "").endswith("-deprecated") else \
                str(mark.get("valueCode"))
            findings.add("warning", "business-rule",
                         f"The presence of the concept '{code}' in the system '{system}' in "
                         f"the value set {vs_name} is marked with a status of {status} and "
                         "its use should be reviewed", value.path("code"), "code-comment")
        return _finish(context, params, value, release, concept, True, vs_name, findings)
    release = check.reported()
    if release is None and not check.referenced:
        # the value set does not draw on the system: the code is simply not in it
        wanted = rules.system_version(system, value.version)
        release = context.code_system(system, wanted)
        if release is None:
            return _unknown_outside(context, value, wanted, vs_name, findings)
    if release is None:  # the value set's version of the system is not here
        return _result(False, value, None, None, findings)
    return _finish(context, params, value, release, release.concepts.get(code), False,
                   vs_name, findings)


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


def _unknown_outside(context: Context, value: Value, version: str | None, vs_name: str,
                     findings: Findings) -> dict[str, Any]:
    """A code of a system we do not have, and that the value set does not use."""
    system = str(value.system)
    _not_in_value_set(value, system, vs_name, findings)
    findings.add("error", "not-found",
                 unknown_system_text(context, system, version, _CANNOT_VALIDATE),
                 value.path("system"), "not-found")
    answer = _result(False, value, None, None, findings, known_system=False)
    answer["parameter"].append({"name": "x-unknown-system", "valueCanonical": system})
    return answer


def _not_in_value_set(value: Value, system: str, vs_name: str, findings: Findings) -> None:
    versioned = f"{system}|{value.version}" if value.version else system
    if value.in_concept:  # the concept as a whole fails; the coding's own miss is information
        findings.add("error", "code-invalid",
                     f"No valid coding was found for the value set '{vs_name}'", None,
                     "not-in-vs")
        shown_as = f" ('{value.display}')" if value.display else ""
        findings.add("information", "code-invalid",
                     f"The provided code '{versioned}#{value.code}{shown_as}' was not found "
                     f"in the value set '{vs_name}'", value.path("code"),
                     "this-code-not-in-vs", location=False)
    else:
        findings.add("error", "code-invalid",
                     f"The provided code '{versioned}#{value.code}' was not found in the "
                     f"value set '{vs_name}'", value.path("code"), "not-in-vs")


def _finish(context: Context, params: Params, value: Value, release: Release,
            concept: Concept | None, member: bool, vs_name: str,
            findings: Findings) -> dict[str, Any]:
    """The answer once the release is known: membership, the code, display, status."""
    code = str(value.code)
    system = release.info.uri
    if not member:
        _not_in_value_set(value, system, vs_name, findings)
    if concept is None:
        findings.add("error", "code-invalid",
                     f"Unknown code '{code}' in the CodeSystem '{system}' version "
                     f"'{release.version}'", value.path("code"), "invalid-code",
                     location=not value.in_concept)
    if concept is None or (value.in_concept and not member):
        # a failed codeable concept names no single code as the answer
        return _result(False, value, None if value.in_concept else release, None, findings)
    shown = display(concept, release, params.text("displayLanguage"))
    if value.display and value.display not in displays(concept):
        findings.add("error", "invalid",
                     f"Wrong Display Name '{value.display}' for {system}#{code}. Valid "
                     f"display is '{shown}'", value.path("display"), "invalid-display")
    for note in release_status_notes(release):
        findings.add("information", "business-rule",
                     f"Reference to {note} CodeSystem {release_canonical(release)}", None,
                     "status-check")
    extra = []
    if is_inactive(concept):
        extra.append({"name": "inactive", "valueBoolean": True})
        status = (concept.properties.get("status") or ["inactive"])[0]
        text = (f"The concept '{code}' has a status of {status} and its use should be "
                "reviewed")
        findings.add("warning", "business-rule", text, value.where or "code", "code-comment")
        findings.messages.append(text)
    return _result(member and not findings.failed, value, release, shown, findings,
                   extra=extra)


def _inferred_system(context: Context, vs: dict[str, Any], rules: VersionRules,
                     code: str) -> str | None:
    """`inferSystem`: the one system of the value set that has the code, if only one has."""
    members = evaluate(context, vs, None, rules).members
    systems = {r.info.uri for r, c in members if c.code == code}
    return systems.pop() if len(systems) == 1 else None


def _result(result: bool, value: Value, release: Release | None, shown: str | None,
            findings: Findings, *, known_system: bool = True,
            extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The Parameters answer; a codeable concept that failed as a whole names no code."""
    out: list[dict[str, Any]] = [{"name": "result", "valueBoolean": result}]
    names_code = not value.in_concept or release is not None
    if names_code and value.code:
        out.append({"name": "code", "valueCode": value.code})
    if names_code and value.system:
        out.append({"name": "system", "valueUri": release.info.uri if release
                    else value.system})
    if release is not None and release.version:
        out.append({"name": "version", "valueString": release.version})
    if shown:
        out.append({"name": "display", "valueString": shown})
    out.extend(extra or [])
    if findings.messages:
        out.append({"name": "message", "valueString": "; ".join(findings.messages)})
    if value.codings:
        out.append({"name": "codeableConcept",
                    "valueCodeableConcept": {"coding": value.codings}})
    if findings.issues:
        out.append({"name": "issues", "resource": {"resourceType": "OperationOutcome",
                                                    "issue": findings.issues}})
    if known_system and findings.caused_by:
        # which system was missing, so a client can fetch it and ask again
        out.append({"name": "x-caused-by-unknown-system",
                    "valueCanonical": findings.caused_by[0]})
    return {"resourceType": "Parameters", "parameter": out}
