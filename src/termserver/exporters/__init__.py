"""Exports of a release: SKOS (Turtle, N-Triples, JSON-LD) and FHIR CodeSystem JSON."""

from __future__ import annotations

from ..errors import BadRequest
from ..model import Release
from .fhir import codesystem_json
from .skos import skos_bytes

EXPORT_FORMATS = ("ttl", "nt", "jsonld", "fhir")


def export_release(release: Release, fmt: str) -> bytes:
    """The whole release in `fmt` (ttl, nt, jsonld or fhir), as bytes ready to send."""
    if fmt == "fhir":
        if release.info.kind == "mappings":
            raise BadRequest(
                f"{release.scheme} {release.version} is a crosswalk (mapping statements only); "
                "a FHIR CodeSystem cannot carry it. Export it as ttl, nt or jsonld.",
                details={"scheme": release.scheme, "format": fmt},
            )
        return codesystem_json(release)
    if fmt in {"ttl", "nt", "jsonld"}:
        return skos_bytes(release, fmt)
    raise BadRequest(f"Unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}.",
                     details={"format": fmt})


__all__ = ["EXPORT_FORMATS", "export_release"]
