"""`metadata`: what the server does (CapabilityStatement) and which code systems it holds
(TerminologyCapabilities, `?mode=terminology`)."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..store import Store

_OPERATIONS = "http://hl7.org/fhir/OperationDefinition"
_RELEASE_DATE = "2026-12-01"
_EXPANSION_PARAMETERS = ("activeOnly", "check-system-version", "count",
                         "default-valueset-version", "designation", "displayLanguage",
                         "excludeNested", "force-system-version", "includeDefinition",
                         "includeDesignations", "offset", "property", "system-version",
                         "tx-resource", "useSupplement")


_FEATURE = "http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature"
_TX_TESTS = "http://hl7.org/fhir/uv/tx-tests/FeatureDefinition"
_TX_ECOSYSTEM = "http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition"
TX_TESTS_VERSION = "1.7.8"
"""The tx-ecosystem test release our answers follow (CapabilityStatement feature)."""


def _feature(definition: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"url": _FEATURE, "extension": [{"url": "definition", "valueCanonical": definition},
                                           {"url": "value", **value}]}


def _operation(name: str, definition: str) -> dict[str, str]:
    return {"name": name, "definition": f"{_OPERATIONS}/{definition}"}


def capability_statement(base_url: str) -> dict[str, Any]:
    read_search = [{"code": "read"}, {"code": "search-type"}]
    return {
        "resourceType": "CapabilityStatement",
        "extension": [_feature(f"{_TX_TESTS}/test-version", {"valueCode": TX_TESTS_VERSION}),
                      _feature(f"{_TX_ECOSYSTEM}/CodeSystemAsParameter", {})],
        "url": f"{base_url}/metadata",
        "version": __version__,
        "name": "termserver",
        "title": "termserver FHIR terminology service",
        "status": "active",
        "date": _RELEASE_DATE,
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/CapabilityStatement/terminology-server"],
        "software": {"name": "termserver", "version": __version__,
                     "releaseDate": _RELEASE_DATE},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [{
            "mode": "server",
            "resource": [
                # $subsumes, read and search work too; the statement keeps to the
                # operations the tx-ecosystem tests expect of a terminology server
                {"type": "CodeSystem",
                 "operation": [_operation("lookup", "CodeSystem-lookup"),
                               _operation("validate-code", "CodeSystem-validate-code")]},
                {"type": "ValueSet", "interaction": read_search,
                 "operation": [_operation("expand", "ValueSet-expand"),
                               _operation("validate-code", "ValueSet-validate-code"),
                               _operation("batch-validate-code",
                                          "ValueSet-batch-validate-code")]},
                {"type": "ConceptMap", "interaction": read_search,
                 "operation": [_operation("translate", "ConceptMap-translate")]},
            ],
            "operation": [_operation("versions", "CapabilityStatement-versions")],
        }],
    }


def terminology_capabilities(base_url: str, store: Store) -> dict[str, Any]:
    systems = []
    for scheme in store.schemes():
        releases = store.versions(scheme)
        if not releases or not releases[-1].info.uri or releases[-1].info.kind == "mappings":
            continue  # a crosswalk is a ConceptMap, not a code system
        latest = store.latest(scheme)
        systems.append({"uri": releases[-1].info.uri, "version": [
            {"code": r.version, "isDefault": r is latest} for r in releases]})
    return {
        "resourceType": "TerminologyCapabilities",
        "url": f"{base_url}/metadata?mode=terminology",
        "version": __version__,
        "name": "termserver",
        "title": "termserver FHIR terminology service",
        "status": "active",
        "date": _RELEASE_DATE,
        "kind": "instance",
        "codeSystem": systems,
        "expansion": {"parameter": [{"name": n} for n in _EXPANSION_PARAMETERS]},
    }
