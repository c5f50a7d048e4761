"""Published FHIR ValueSets and ConceptMaps: immutable, one directory per (url, version).

Code systems become releases (`releases`); the value sets and concept maps that come with
them (KL's package, a loose `ValueSet-*.json`) are kept as the publisher wrote them, under
the same rules: a (url, version) once published never changes, identical content again
is a no-op, different content under a taken (url, version) is refused.

    <data_dir>/resources/<ValueSet|ConceptMap>/<quoted url>/<quoted version>/resource.json
    <data_dir>/resources/<ValueSet|ConceptMap>/<quoted url>/<quoted version>/meta.json

A directory is built in a staging directory and renamed into place, as releases are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import orjson

from . import atomic
from .errors import DataDirDamaged, ImportRefused
from .versions import version_key

KINDS = ("ValueSet", "ConceptMap")
"""The resource types stored here (CodeSystems are releases)."""


@dataclass(slots=True)
class ResourceInfo:
    """What meta.json says about one published resource."""

    kind: str
    url: str
    version: str
    id: str
    source: str = ""
    package: str = ""
    """`name#version` of the FHIR package it came in, when it came in one."""
    checksum: str = ""
    imported_at: str = ""


@dataclass(slots=True)
class StoredResource:
    info: ResourceInfo
    resource: dict[str, Any]


@dataclass(slots=True)
class ResourceResult:
    info: ResourceInfo
    outcome: str  # "created" | "unchanged"


def resource_checksum(resource: dict[str, Any]) -> str:
    """SHA-256 of the resource's canonical JSON (sorted keys): its identity as content."""
    return hashlib.sha256(orjson.dumps(resource, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _segment(text: str, what: str) -> str:
    segment = quote(text, safe="")
    if not segment or segment.startswith(".") or len(segment) > 240:
        raise ImportRefused(
            f"{what} {text!r} cannot be stored (empty, starting with '.', or too long).",
            details={"name": text})
    return segment


class ResourceRepository:
    """Reads and publishes value sets and concept maps under `<data_dir>/resources`."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "resources"

    def resource_dir(self, kind: str, url: str, version: str) -> Path:
        return self.root / kind / _segment(url, "URL") / _segment(version, "version")

    def iter_dirs(self) -> Iterator[Path]:
        for kind in KINDS:
            base = self.root / kind
            if not base.is_dir():
                continue
            for url_dir in sorted(base.iterdir()):
                if not url_dir.is_dir() or url_dir.name.startswith("."):
                    continue
                for version_dir in sorted(url_dir.iterdir()):
                    if not version_dir.name.startswith(".") and (
                            version_dir / "meta.json").is_file():
                        yield version_dir

    def info(self, kind: str, url: str, version: str) -> ResourceInfo | None:
        meta = self.resource_dir(kind, url, version) / "meta.json"
        if not meta.is_file():
            return None
        try:
            return ResourceInfo(**orjson.loads(meta.read_bytes()))
        except (OSError, ValueError, TypeError) as exc:
            raise _damaged(meta, exc) from None

    def load_all(self) -> list[StoredResource]:
        out = []
        for path in self.iter_dirs():
            try:
                info = ResourceInfo(**orjson.loads((path / "meta.json").read_bytes()))
                resource = orjson.loads((path / "resource.json").read_bytes())
            except (OSError, ValueError, TypeError) as exc:
                raise _damaged(path, exc) from None
            out.append(StoredResource(info, resource))
        return out

    def check(self, item: StoredResource) -> str:
        """`created` or `unchanged`; refuses other content under a published (url, version)."""
        item.info.checksum = resource_checksum(item.resource)
        existing = self.info(item.info.kind, item.info.url, item.info.version)
        if existing is None:
            return "created"
        if existing.checksum == item.info.checksum:
            return "unchanged"
        here = f"{item.info.source}: " if item.info.source else ""
        raise ImportRefused(
            f"{here}{item.info.kind} {item.info.url} version {item.info.version} is already "
            f"published with different content (from {existing.source or 'an earlier import'}). "
            "Published value sets and concept maps never change; the publisher must give "
            "changed content a new version (or import this file with --version).",
            details={"file": item.info.source, "url": item.info.url,
                     "version": item.info.version, "kind": item.info.kind})

    def plan(self, items: Iterable[StoredResource]) -> list[tuple[StoredResource, str]]:
        """Every item's outcome, all conflicts found before anything is written."""
        seen: dict[tuple[str, str, str], str] = {}
        planned = []
        for item in items:
            key = (item.info.kind, item.info.url, item.info.version)
            outcome = self.check(item)
            if key in seen:
                if seen[key] != item.info.checksum:
                    raise ImportRefused(
                        f"Two of the files given both claim {key[0]} {key[1]} version "
                        f"{key[2]} with different content; import one of them with --version.",
                        details={"url": key[1], "version": key[2]})
                continue
            seen[key] = item.info.checksum
            planned.append((item, outcome))
        return planned

    def write(self, planned: list[tuple[StoredResource, str]]) -> list[ResourceResult]:
        results = []
        for item, outcome in planned:
            if outcome == "created":
                self._write(item)
            results.append(ResourceResult(item.info, outcome))
        return results

    def _write(self, item: StoredResource) -> None:
        final = self.resource_dir(item.info.kind, item.info.url, item.info.version)
        if not item.info.imported_at:
            item.info.imported_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        final.parent.mkdir(parents=True, exist_ok=True)
        atomic.remove_stale_staging(final.parent)
        with atomic.staging_dir(final.parent) as staging:
            (staging / "resource.json").write_bytes(
                orjson.dumps(item.resource, option=orjson.OPT_INDENT_2))
            (staging / "meta.json").write_bytes(
                orjson.dumps(dataclasses.asdict(item.info), option=orjson.OPT_INDENT_2))
            for name in ("resource.json", "meta.json"):
                with open(staging / name, "rb") as handle:
                    os.fsync(handle.fileno())
            os.rename(staging, final)
            atomic.fsync_dir(final.parent)


def fingerprint_names(data_dir: Path) -> list[str]:
    """`kind/url/version` of every published resource, for the reloader's fingerprint."""
    return ["/".join(p.parts[-3:]) for p in ResourceRepository(data_dir).iter_dirs()]


@dataclass
class Resources:
    """Every published value set and concept map, in memory, read-only once built."""

    items: list[StoredResource] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_kind = {kind: sorted(
            (i for i in self.items if i.info.kind == kind),
            key=lambda i: (i.info.url, version_key(i.info.version))) for kind in KINDS}
        self.value_sets = [i.resource for i in self._by_kind["ValueSet"]]
        self.concept_maps = [i.resource for i in self._by_kind["ConceptMap"]]

    @classmethod
    def open(cls, data_dir: Path) -> Resources:
        return cls(ResourceRepository(data_dir).load_all())

    def of_kind(self, kind: str) -> list[StoredResource]:
        """Every published version of every resource of `kind`, by url, oldest first."""
        return self._by_kind.get(kind, [])

    def find(self, kind: str, url: str, version: str | None = None) -> dict[str, Any] | None:
        """The resource at `url` and `version` (the newest without one), or None."""
        found = [i for i in self.of_kind(kind) if i.info.url == url
                 and (version is None or i.info.version == version)]
        return found[-1].resource if found else None

    def by_id(self, kind: str, resource_id: str) -> dict[str, Any] | None:
        for item in self.of_kind(kind):
            if stored_id(item) == resource_id:
                return item.resource
        return None


def stored_id(item: StoredResource) -> str:
    """A FHIR id for one published version: the resource's id and its version."""
    raw = f"{item.info.id}-{item.info.version}"
    return "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in raw)[:64]


def _damaged(path: Path, exc: Exception) -> DataDirDamaged:
    return DataDirDamaged(
        f"{path}: this published value set or concept map cannot be read "
        f"({type(exc).__name__}: {str(exc)[:200]}). Published resources are never "
        "rewritten, so it was changed or damaged outside termserver: restore it from a "
        "backup, or remove its directory and import it again.",
        details={"path": str(path)})


def version_from_dir(path: Path) -> tuple[str, str, str]:
    return path.parent.parent.name, unquote(path.parent.name), unquote(path.name)


def check_dir(directory: Path) -> str | None:
    """Why a published resource directory cannot be served as published, or None: its
    resource.json must have the checksum meta.json recorded (`termserver check-data`)."""
    try:
        info = ResourceInfo(**orjson.loads((directory / "meta.json").read_bytes()))
        actual = resource_checksum(orjson.loads((directory / "resource.json").read_bytes()))
    except (OSError, ValueError, TypeError) as exc:
        return (f"{directory}: cannot be read ({type(exc).__name__}: {str(exc)[:200]}); "
                "restore the directory from a backup or import it again")
    if actual != info.checksum:
        return (f"resource.json has checksum {actual[:12]}…, but it was published with "
                f"{info.checksum[:12]}…: the file was changed or damaged; restore the "
                "directory from a backup")
    return None
