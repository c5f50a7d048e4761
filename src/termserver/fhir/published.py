"""Read and search the published ValueSets (and imported ConceptMaps) as FHIR resources.

Each published version is its own resource, with the id `{id}-{version}` (as a release
is `CodeSystem/{scheme}-{version}`), so KL's `KLSeveritiesFFB` of 2.3.0 is
`ValueSet/KLSeveritiesFFB-2.3.0`. Search follows FHIR's rules for the parameters we
take: `url` (with `|version`) and `version` exactly, `name` and `title` by their
beginning in any case, `status` exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..resources import Resources, StoredResource, stored_id

SUMMARY = ("resourceType", "id", "url", "version", "name", "title", "status",
           "experimental", "date", "publisher", "description")


def served(item: StoredResource, *, summary: bool = False) -> dict[str, Any]:
    """The resource as we serve it: the publisher's, under its stored id."""
    resource = {**item.resource, "id": stored_id(item)}
    if summary:
        resource = {k: resource[k] for k in SUMMARY if k in resource}
    return resource


def matches(item: StoredResource, query: Mapping[str, str]) -> bool:
    url = query.get("url")
    if url and url.split("|")[0] != item.info.url:
        return False
    version = query.get("version") or (url.partition("|")[2] if url else "")
    if version and item.info.version != version:
        return False
    for name in ("name", "title"):
        wanted = query.get(name)
        if wanted and not str(item.resource.get(name) or "").lower().startswith(
                wanted.lower()):
            return False
    status = query.get("status")
    return not status or item.resource.get("status") == status


def search(resources: Resources, kind: str, query: Mapping[str, str],
           base: str) -> dict[str, Any]:
    """A searchset Bundle of the published resources of `kind` that match `query`."""
    found = [i for i in resources.of_kind(kind) if matches(i, query)]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(found),
            "entry": [{"fullUrl": f"{base}/{kind}/{stored_id(i)}",
                       "resource": served(i, summary=True),
                       "search": {"mode": "match"}} for i in found]}


def read(resources: Resources, kind: str, resource_id: str) -> dict[str, Any] | None:
    for item in resources.of_kind(kind):
        if stored_id(item) == resource_id:
            return served(item)
    return None
