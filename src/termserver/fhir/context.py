"""Where code systems and value sets come from for one request.

The store's releases are found by canonical URL (the scheme's `uri`, or one of its
`identifiers`, such as KL's OIDs) and version. Resources sent with the request as
`tx-resource` are used for that request only and win over the store's: CodeSystems go
through our FHIR importer into a `Release`, ValueSets are read as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ImportRefused
from ..importers import ImportOptions
from ..importers import fhir as fhir_importer
from ..model import Release
from ..resources import Resources
from ..store import Store
from ..versions import version_key
from .concepts import CONCEPT_PROPERTIES
from .details import Details
from .outcome import FhirError
from .versions import version_matches


def canonical_urls(release: Release) -> list[str]:
    """Every URL a client may name the release's code system by."""
    urls = [release.info.uri] if release.info.uri else []
    for identifier in release.info.identifiers:
        urls.append(identifier)
        if identifier[:1].isdigit():  # a bare OID, as KL writes them
            urls.append(f"urn:oid:{identifier}")
    return urls


def split_canonical(url: str) -> tuple[str, str | None]:
    """`http://x|1.0` → (`http://x`, `1.0`): FHIR's way of pinning a version in a URL."""
    base, _, version = url.partition("|")
    return base, version or None


@dataclass
class Context:
    store: Store
    code_systems: list[Release] = field(default_factory=list)
    value_sets: list[dict[str, Any]] = field(default_factory=list)
    concept_maps: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    details: dict[int, Details] = field(default_factory=dict)
    """id(release) → the FHIR detail of a code system sent with the request."""
    replacements: dict[int, Release] = field(default_factory=dict)
    """id(release) → the same release with the supplements the request uses."""
    stored: Resources | None = None
    """The published value sets and concept maps (`termserver import`), after the
    request's own."""
    max_expansion: int = 10_000
    """Larger expansions without `count` are refused as too costly; a client may ask for a
    lower limit (`X-TOO-COSTLY-THRESHOLD`, as the ecosystem's tests do), never a higher."""

    @classmethod
    def for_request(cls, store: Store, resources: list[Any]) -> Context:
        context = cls(store)
        for index, resource in enumerate(resources):
            if not isinstance(resource, dict):
                raise FhirError(f"tx-resource[{index}] is not a resource.")
            kind = resource.get("resourceType")
            if kind == "CodeSystem":
                release = release_from_resource(resource, index)
                context.code_systems.append(release)
                context.details[id(release)] = Details.of(resource)
                context.resources.append(resource)
            elif kind == "ValueSet":
                context.value_sets.append(resource)
            elif kind == "ConceptMap":
                context.concept_maps.append(resource)
        return context

    def details_of(self, release: Release) -> Details | None:
        """What the code system's resource said beyond the release, when it was sent."""
        return self.details.get(id(release))

    def versions_of(self, url: str) -> list[Release]:
        """Every release known by `url`, oldest first (request resources after the store's),
        each with the supplements the request uses."""
        found = [r for r in self.code_systems if url in canonical_urls(r)]
        found.sort(key=lambda r: version_key(r.version))
        if not found:
            for scheme in self.store.schemes():
                releases = self.store.versions(scheme)
                if releases and url in canonical_urls(releases[-1]):
                    found = list(releases)
                    break
        return [self.replacements.get(id(r), r) for r in found]

    def code_system(self, url: str, version: str | None = None) -> Release | None:
        """The release for a system URL and version (latest without one), or None."""
        url, pinned = split_canonical(url)
        version = version or pinned
        releases = self.versions_of(url)
        if not releases:
            return None
        if version is None:
            for scheme in self.store.schemes():
                latest = self.store.latest(scheme)
                latest = self.replacements.get(id(latest), latest)
                if latest in releases:
                    return latest
            return releases[-1]
        exact = [r for r in releases if r.version == version]
        if exact:
            return exact[-1]
        wildcard = [r for r in releases if r.version and version_matches(version, r.version)]
        return wildcard[-1] if wildcard else None

    def value_set(self, url: str, version: str | None = None) -> dict[str, Any] | None:
        url, pinned = split_canonical(url)
        version = version or pinned
        for pool in (self.value_sets, self.stored.value_sets if self.stored else []):
            found = [vs for vs in pool if vs.get("url") == url
                     and (version is None or vs.get("version") == version
                          or version_matches(version, str(vs.get("version") or "")))]
            if found:
                return max(found, key=lambda vs: version_key(str(vs.get("version") or "")))
        return None


def release_from_resource(resource: dict[str, Any], index: int) -> Release:
    """A CodeSystem sent with a request, read by the same importer as files are."""
    import orjson

    name = f"tx-resource[{index}]"
    resource = dict(resource)
    resource.setdefault("version", "")
    if not resource["version"]:
        resource["version"] = "0"
        resource["_noVersion"] = True
    try:
        releases = fhir_importer.parse(Path(name), orjson.dumps(resource),
                                       ImportOptions(scheme=fhir_importer.scheme_id(resource)
                                                     or "tx-resource"))
    except ImportRefused as exc:
        raise FhirError(exc.message) from None
    release = releases[0]
    if resource.get("_noVersion"):
        release.info.version = ""
    release.info.extra["supplements"] = str(resource.get("supplements") or "")
    # the importer gives a code system without a language our default; FHIR needs to know
    release.info.extra["fhirLanguage"] = str(resource.get("language") or "")
    declared = {str(p.get("code")): str(p.get("uri") or "") for p in
                resource.get("property") or [] if isinstance(p, dict) and p.get("code")}
    if declared:  # which of its properties mean FHIR's notSelectable: by URI, or by name
        release.info.extra["fhirNotSelectable"] = " ".join(
            code for code, uri in declared.items()
            if uri == f"{CONCEPT_PROPERTIES}#notSelectable" or code == "notSelectable")
    for extension in resource.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url", "").endswith(
                "/structuredefinition-standards-status") and extension.get("valueCode"):
            release.info.extra["standardsStatus"] = str(extension["valueCode"])
    release.index_hierarchy()
    return release
