"""Run HL7's tx-ecosystem terminology tests against a running termserver and count passes.

The tests (`test-cases.json` in HL7's `fhir-tx-ecosystem-ig`, folder `tests/`) are suites
of requests with expected responses. Each suite names setup resources (CodeSystems,
ValueSets); like HL7's own runner we send them with every request as `tx-resource`
parameters, so nothing is imported and the server's data directory is untouched.
Each request is POSTed as a `Parameters` resource to `/fhir/{ValueSet|CodeSystem}/$op`.

How an answer is compared with the expected response (the rules documented with the
tests, as HL7's `CompareUtilities` and `TxTester` apply them):
- the expected responses are R5 and termserver is R4: as HL7's runner converts an R4
  server's answers, R5's expansion properties (R4 extensions `extension-ValueSet.
  expansion.property` and `….contains.property`) become `property` elements;
- the answer is first scrubbed as HL7's runner does: no `text`, `meta`, `diagnostics`,
  no extensions with an absolute URL the tests do not manage, and a `message` made of
  `; `-joined parts has them sorted;
- objects: every expected property must be present unless listed in
  `$optional-properties$` (`*` for all) or an array of optional items only; a property
  the expected response does not have is a failure; `$count-arrays$` compares only sizes;
- arrays: order does not matter; items marked `$optional$` may be absent, every other
  expected item must match a distinct actual item, and no actual item may be left over;
- `$optional$` is `true`, a mode (optional when that mode is on), `!mode` (optional when
  it is off), `version:N` (optional when the server's FHIR version, 4.0.1, starts with N)
  or `warning:text` (always optional); we run with the modes `general` and `flat`;
- `metadata` and `term-caps` are compared as patterns, as HL7's runner does: what is
  expected must be there, anything more is fine;
- strings: `$$` anything, `$string$`, `$token$`, `$id$`, `$url$`, `$uuid$`, `$date$`,
  `$instant$`, `$semver$`, `$version$` by pattern, `$choice:a|b$` one of them,
  `$fragments:a|b$` containing each (any case), and `$external:N:a|b$` (a message a
  server words its own way) any text that contains the fragments after the number;
- the HTTP status must be the test's `http-code` (`4xx` a class), 2xx when it has none.

Usage: `python -m termserver.fhir.txtests --server http://127.0.0.1:18600
[--tests DIR] [--suite NAME]… [--filter TEXT] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TESTS = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / \
    "tx-ecosystem" / "tests"
MODES = frozenset({"general", "flat"})
FHIR_VERSION = "4.0.1"
"""The FHIR version termserver speaks; `$optional$: version:4` items are optional for it."""

_PATTERNS = {
    "$string$": r"(?s).+",
    "$token$": r"\S+",
    "$id$": r"[A-Za-z0-9\-.]{1,64}",
    "$url$": r"(https?|urn|ftp):\S+",
    "$uuid$": r"(urn:uuid:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
              r"-[0-9a-fA-F]{12}",
    "$date$": r"\d{4}(-\d{2}(-\d{2})?)?",
    "$instant$": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
    "$semver$": r"\d+\.\d+\.\d+(-[\w.]+)?",
    "$version$": r"[1-5]\.\d+\.\d+(-[\w.]+)?",
}
_OPERATIONS = {
    "expand": "ValueSet/$expand",
    "validate-code": "ValueSet/$validate-code",
    "cs-validate-code": "CodeSystem/$validate-code",
    "batch-validate": "ValueSet/$batch-validate-code",
    "lookup": "CodeSystem/$lookup",
    "translate": "ConceptMap/$translate",
}


# -- comparison --------------------------------------------------------------------------

def _filter_passes(flag: str, modes: frozenset[str], fhir_version: str) -> bool:
    """A `$optional$` filter: `mode`, `!mode`, `version:4` or `warning:text` (always)."""
    if flag.startswith("!"):
        return flag[1:] not in modes
    if flag.startswith("warning:"):
        return True  # optional; HL7's runner only reports the text when the item is missing
    if flag.startswith("version:"):
        return fhir_version.startswith(flag[len("version:"):])
    return flag in modes


def _optional(item: Any, modes: frozenset[str], fhir_version: str = FHIR_VERSION) -> bool:
    if not isinstance(item, dict) or "$optional$" not in item:
        return False
    flag = item["$optional$"]
    if flag is True:
        return True
    if isinstance(flag, str):
        return _filter_passes(flag, modes, fhir_version)
    return False


@dataclass(frozen=True)
class _Rules:
    modes: frozenset[str]
    fhir_version: str
    pattern: bool
    """Pattern mode (metadata, term-caps): only what is expected is looked for."""


def compare(expected: Any, actual: Any, path: str = "",
            modes: frozenset[str] = MODES, *, pattern: bool = False,
            fhir_version: str = FHIR_VERSION) -> str | None:
    """None when `actual` matches the template `expected`, else where and why it differs."""
    return _compare(expected, actual, path, _Rules(modes, fhir_version, pattern))


def _compare(expected: Any, actual: Any, path: str, rules: _Rules,
             count_only: bool = False) -> str | None:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, found {type(actual).__name__}"
        return _compare_objects(expected, actual, path, rules)
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: expected an array, found {type(actual).__name__}"
        if count_only:
            return None if len(expected) == len(actual) else \
                f"{path}: expected {len(expected)} items, found {len(actual)}"
        return _compare_arrays(expected, actual, path, rules)
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return f"{path}: expected text {expected!r}, found {actual!r}"
        return None if string_matches(expected, actual) else \
            f"{path}: expected {expected!r}, found {actual!r}"
    if expected != actual or type(expected) is not type(actual):
        return f"{path}: expected {expected!r}, found {actual!r}"
    return None


def _compare_objects(expected: dict[str, Any], actual: dict[str, Any], path: str,
                     rules: _Rules) -> str | None:
    optional = set(expected.get("$optional-properties$", []))
    count_only = set(expected.get("$count-arrays$", []))
    for name, value in actual.items():
        if name not in expected:
            if rules.pattern or name in optional or "*" in optional:
                continue
            return f"{path}: unexpected property {name!r}"
        problem = _compare(expected[name], value, f"{path}.{name}", rules,
                           name in count_only)
        if problem:
            return problem
    for name in expected:
        if name.startswith("$") and name.endswith("$"):
            continue
        if name not in actual and name not in optional and "*" not in optional and \
                not _all_optional(expected[name], rules):
            return f"{path}: missing property {name!r}"
    return None


def _all_optional(value: Any, rules: _Rules) -> bool:
    """An array of optional items only: JSON leaves an empty array out, so it may be absent."""
    return isinstance(value, list) and all(
        _optional(item, rules.modes, rules.fhir_version) for item in value)


def _compare_arrays(expected: list[Any], actual: list[Any], path: str,
                    rules: _Rules) -> str | None:
    def optional(item: Any) -> bool:
        return _optional(item, rules.modes, rules.fhir_version)

    required = [e for e in expected if not optional(e)]
    if not rules.pattern and not len(required) <= len(actual) <= len(expected):
        return (f"{path}: expected {len(required)}"
                f"{'' if len(required) == len(expected) else f'-{len(expected)}'} items, "
                f"found {len(actual)}")
    unused = list(range(len(actual)))
    # required items first, so an optional one cannot take the only match of a required one
    ordered = sorted(enumerate(expected), key=lambda pair: optional(pair[1]))
    for index, item in ordered:
        match = next((i for i in unused if _compare(item, actual[i], "", rules) is None),
                     None)
        if match is not None:
            unused.remove(match)
        elif not optional(item):
            nearest = [_compare(item, actual[i], f"{path}[{i}]", rules) for i in unused]
            return nearest[0] if len(nearest) == 1 else \
                f"{path}[{index}]: no item matches {_brief(item)}"
    if unused and not rules.pattern:
        return f"{path}: unexpected item {_brief(actual[unused[0]])}"
    return None


def _brief(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) < 160 else text[:157] + "…"


def string_matches(template: str, actual: str) -> bool:
    if template == "$$":
        return True
    if template.startswith("$external:") and template.endswith("$"):
        # our own wording is fine; it must still name what the test names after the number
        _, _, fragments = template[len("$external:"):-1].partition(":")
        return all(part.lower() in actual.lower() for part in fragments.split("|") if part)
    pattern = _PATTERNS.get(template)
    if pattern is not None:
        return re.fullmatch(pattern, actual) is not None
    if template.startswith("$choice:") and template.endswith("$"):
        return actual in template[len("$choice:"):-1].split("|")
    if template.startswith("$fragments:") and template.endswith("$"):
        return all(part.lower() in actual.lower()
                   for part in template[len("$fragments:"):-1].split("|"))
    return template == actual


# -- running ------------------------------------------------------------------------------

@dataclass
class Outcome:
    suite: str
    test: str
    passed: bool
    problem: str = ""


@dataclass
class SuiteResult:
    name: str
    passed: int = 0
    total: int = 0
    failures: list[Outcome] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.passed / self.total if self.total else 100.0


def load_manifest(tests_dir: Path) -> dict[str, Any]:
    manifest = tests_dir / "test-cases.json"
    if not manifest.is_file():
        raise SystemExit(f"No tx-ecosystem tests at {tests_dir}: test-cases.json is missing. "
                         "Give the folder with --tests.")
    return json.loads(manifest.read_text(encoding="utf-8-sig"))


def selected_suites(manifest: dict[str, Any], modes: frozenset[str] = MODES,
                    names: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The metadata suite and every suite in one of `modes` (or the named ones)."""
    wanted = set(names)
    if wanted:
        return [s for s in manifest["suites"] if s["name"] in wanted]
    return [s for s in manifest["suites"] if s.get("mode") is None or s["mode"] in modes]


def _read(tests_dir: Path, name: str) -> Any:
    return json.loads((tests_dir / name).read_text(encoding="utf-8-sig"))


def _post(url: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={
        "Accept": "application/fhir+json", "Content-Type": "application/fhir+json",
        **headers})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, {"unparsable": raw[:200].decode("utf-8", "replace")}


def _status_ok(expected: str | None, status: int) -> bool:
    if not expected:
        return 200 <= status < 300
    expected = str(expected)
    if expected.endswith("xx"):
        return str(status)[0] == expected[0]
    return str(status) == expected


def run_test(server: str, tests_dir: Path, suite: dict[str, Any], test: dict[str, Any],
             modes: frozenset[str] = MODES) -> Outcome:
    """One test: send its request, compare the answer; a missing test file is a failure."""
    try:
        return _run_test(server, tests_dir, suite, test, modes)
    except (OSError, ValueError) as exc:
        return Outcome(suite["name"], test["name"], False, f"cannot run the test: {exc}")


def _run_test(server: str, tests_dir: Path, suite: dict[str, Any], test: dict[str, Any],
              modes: frozenset[str]) -> Outcome:
    operation = test["operation"]
    headers = {}
    if test.get("Accept-Language"):
        headers["Accept-Language"] = test["Accept-Language"]
    header = test.get("header")
    if isinstance(header, dict) and header.get("mode", "general") in modes | {"general"}:
        headers[header["name"]] = str(header["value"])
    if operation in ("metadata", "term-caps"):
        query = "?mode=terminology" if operation == "term-caps" else ""
        request = urllib.request.Request(f"{server}/fhir/metadata{query}",
                                         headers={"Accept": "application/fhir+json"})
        status, body = _get(request)
    elif operation in _OPERATIONS:
        parameters = _read(tests_dir, test["request"])
        entries = list(parameters.get("parameter", []))
        if test.get("profile"):
            entries += [p for p in _read(tests_dir, test["profile"]).get("parameter", [])
                        if p.get("name") != "uuid"]
        entries += [{"name": "tx-resource", "resource": _read(tests_dir, name)}
                    for name in suite.get("setup", [])]
        status, body = _post(f"{server}/fhir/{_OPERATIONS[operation]}",
                             {"resourceType": "Parameters", "parameter": entries}, headers)
    else:
        return Outcome(suite["name"], test["name"], False,
                       f"operation {operation!r} is not run by this runner")
    expected_file = test["response"]
    flat = test.get("response:flat")
    if "flat" in modes and flat and (tests_dir / flat).is_file():
        expected_file = flat  # a few named in the manifest are not in the published tests
    expected = _read(tests_dir, expected_file)
    if not _status_ok(test.get("http-code"), status):
        return Outcome(suite["name"], test["name"], False,
                       f"HTTP {status}, expected {test.get('http-code') or 200}: "
                       f"{_brief(body)}")
    pattern = operation in ("metadata", "term-caps")
    if not pattern:
        body = scrub(as_r5(body))
    problem = compare(expected, body, expected.get("resourceType", ""), modes, pattern=pattern)
    return Outcome(suite["name"], test["name"], problem is None, problem or "")


_R5_EXPANSION_PROPERTY = ("http://hl7.org/fhir/5.0/StructureDefinition/"
                          "extension-ValueSet.expansion.property")
_R5_CONTAINS_PROPERTY = ("http://hl7.org/fhir/5.0/StructureDefinition/"
                         "extension-ValueSet.expansion.contains.property")


def as_r5(body: Any) -> Any:
    """An R4 answer as R5 where the expected responses differ, as HL7's runner converts an
    R4 server's answers: expansion properties carried as extensions become `property`."""
    if not isinstance(body, dict) or body.get("resourceType") != "ValueSet" or \
            not isinstance(body.get("expansion"), dict):
        return body
    body = dict(body)
    expansion = dict(body["expansion"])
    definitions = _take_extensions(expansion, _R5_EXPANSION_PROPERTY)
    if definitions:
        expansion["property"] = [_parts(d, ("code", "uri")) for d in definitions]
    if isinstance(expansion.get("contains"), list):
        expansion["contains"] = [_contains_as_r5(c) for c in expansion["contains"]]
    body["expansion"] = expansion
    return body


def _contains_as_r5(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    item = dict(item)
    properties = _take_extensions(item, _R5_CONTAINS_PROPERTY)
    if properties:
        item["property"] = [_parts(p, ("code", "value")) for p in properties]
    if isinstance(item.get("contains"), list):
        item["contains"] = [_contains_as_r5(c) for c in item["contains"]]
    return item


def _take_extensions(element: dict[str, Any], url: str) -> list[dict[str, Any]]:
    extensions = element.get("extension") or []
    taken = [e for e in extensions if isinstance(e, dict) and e.get("url") == url]
    rest = [e for e in extensions if e not in taken]
    if rest:
        element["extension"] = rest
    else:
        element.pop("extension", None)
    return taken


def _parts(extension: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """`{code: …, value[x]: …}` from an extension's sub-extensions `code`, `value`…"""
    out: dict[str, Any] = {}
    for part in extension.get("extension") or []:
        name = part.get("url")
        if name not in names:
            continue
        for key, value in part.items():
            if key.startswith("value"):
                out[name if name in ("code", "uri") else key] = value
    return out


_MANAGED_EXTENSIONS = frozenset({
    "http://hl7.org/fhir/StructureDefinition/codesystem-alternate",
    "http://hl7.org/fhir/StructureDefinition/codesystem-conceptOrder",
    "http://hl7.org/fhir/StructureDefinition/codesystem-label",
    "http://hl7.org/fhir/StructureDefinition/coding-sctdescid",
    "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
    "http://hl7.org/fhir/StructureDefinition/itemWeight",
    "http://hl7.org/fhir/StructureDefinition/rendering-style",
    "http://hl7.org/fhir/StructureDefinition/rendering-xhtml",
    "http://hl7.org/fhir/StructureDefinition/translation",
    "http://hl7.org/fhir/StructureDefinition/valueset-concept-definition",
    "http://hl7.org/fhir/StructureDefinition/valueset-conceptOrder",
    "http://hl7.org/fhir/StructureDefinition/valueset-deprecated",
    "http://hl7.org/fhir/StructureDefinition/valueset-label",
    "http://hl7.org/fhir/StructureDefinition/valueset-supplement",
    "http://hl7.org/fhir/StructureDefinition/alternate-code-use",
    "http://hl7.org/fhir/StructureDefinition/alternate-code-status",
    "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id",
    "http://hl7.org/fhir/StructureDefinition/valueset-unclosed",
    "http://hl7.org/fhir/StructureDefinition/valueset-unclosed-reason",
})
"""Extensions the tests look at; HL7's runner drops every other extension with an absolute
URL from an answer before comparing (tests' own `http://hl7.org/fhir/test/…` ones stay)."""


def scrub(value: Any, in_compose: bool = False) -> Any:
    """An answer as HL7's runner compares it: no `text`, `meta`, `diagnostics` or
    extensions the tests do not manage, and a message's `; `-joined parts in sorted order."""
    if isinstance(value, list):
        return [scrub(item, in_compose) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for name, item in value.items():
        if "resourceType" in value and name in ("text", "meta"):
            continue
        if name in ("extension", "modifierExtension") and not in_compose:
            item = [e for e in item if _managed(e)]
            if not item:
                continue
        out[name] = scrub(item, in_compose or name == "compose")
    if out.get("resourceType") == "OperationOutcome":
        issues = [i for i in out.get("issue", []) if "details" in i or "diagnostics" not in i]
        for issue in issues:
            if "x-request-id" not in str(issue.get("diagnostics", "")).lower():
                issue.pop("diagnostics", None)
        out["issue"] = issues
    if out.get("resourceType") == "Parameters":
        parameters = [p for p in out.get("parameter", []) if p.get("name") != "diagnostics"]
        for parameter in parameters:
            if parameter.get("name") == "message" and "; " in str(
                    parameter.get("valueString", "")):
                parameter["valueString"] = "; ".join(sorted(parameter["valueString"]
                                                            .split("; ")))
        out["parameter"] = parameters
    return out


def _managed(extension: Any) -> bool:
    url = extension.get("url", "") if isinstance(extension, dict) else ""
    absolute = re.match(r"^(https?|urn|ftp):", url) is not None
    return not absolute or url in _MANAGED_EXTENSIONS or url.startswith("http://hl7.org/fhir/test/")


def _get(request: urllib.request.Request) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def run(server: str, tests_dir: Path = DEFAULT_TESTS, suites: Iterable[str] = (),
        text_filter: str = "", modes: frozenset[str] = MODES) -> list[SuiteResult]:
    manifest = load_manifest(tests_dir)
    results = []
    for suite in selected_suites(manifest, modes, suites):
        result = SuiteResult(suite["name"])
        for test in suite["tests"]:
            if test.get("mode") and test["mode"] not in modes:
                continue
            if text_filter and text_filter not in test["name"]:
                continue
            outcome = run_test(server, tests_dir, suite, test, modes)
            result.total += 1
            if outcome.passed:
                result.passed += 1
            else:
                result.failures.append(outcome)
        results.append(result)
    return results


def summary(results: list[SuiteResult]) -> dict[str, Any]:
    passed = sum(r.passed for r in results)
    total = sum(r.total for r in results)
    return {"passed": passed, "total": total,
            "percent": round(100.0 * passed / total, 1) if total else 100.0,
            "suites": [{"name": r.name, "passed": r.passed, "total": r.total,
                        "percent": round(r.percent, 1),
                        "failures": [asdict(f) for f in r.failures]} for r in results]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="http://127.0.0.1:18600",
                        help="base URL of a running termserver (its /fhir is tested)")
    parser.add_argument("--tests", type=Path, default=DEFAULT_TESTS,
                        help="the tx-ecosystem tests folder (with test-cases.json)")
    parser.add_argument("--suite", action="append", default=[], help="only this suite")
    parser.add_argument("--filter", default="", help="only tests whose name contains this")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--failures", action="store_true", help="print why each test failed")
    args = parser.parse_args(argv)
    results = run(args.server.rstrip("/"), args.tests, args.suite, args.filter)
    figures = summary(results)
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        return 0
    for suite in figures["suites"]:
        print(f"{suite['name']:<28} {suite['passed']:>4} / {suite['total']:<4} "
              f"{suite['percent']:5.1f} %")
        if args.failures:
            for failure in suite["failures"]:
                print(f"    {failure['test']}: {failure['problem']}")
    print(f"{'all':<28} {figures['passed']:>4} / {figures['total']:<4} "
          f"{figures['percent']:5.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
