"""FHIR NPM packages (`name-version.tgz`, or one unpacked in the FHIR package cache).

A package is a gzipped tar with `package/package.json` (name, version) and the
resources as `package/*.json`. Its CodeSystems become releases, its ValueSets and
ConceptMaps stored resources, each under the version it declares (the package's own when
it declares none); other resource types (StructureDefinitions, the ImplementationGuide,
examples in subfolders) are counted and left alone.

An archive is read in memory and never unpacked by following its own names, and it is
refused as a whole, before anything is read into the store, when it is hostile: members
outside `package/` by `..` or an absolute path, links, devices, more than
`MAX_MEMBERS` members, a member over `MAX_MEMBER_BYTES` or a total over
`MAX_TOTAL_BYTES` unpacked (a decompression bomb), or a `.json` that is not JSON.
"""

from __future__ import annotations

import gzip
import re
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from ..errors import ImportRefused
from ..model import Release
from ..resources import KINDS, StoredResource
from . import fhir, fhir_resources
from .checks import VERSION

MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_MEMBERS = 20_000
PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,213}", re.I)
"""npm/FHIR package names: `kl.dk.fhir.term`, `hl7.fhir.r4.core`."""


@dataclass
class Package:
    name: str
    version: str
    source: str
    releases: list[Release] = field(default_factory=list)
    resources: list[StoredResource] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    """Resource type → how many of that type the package holds that are not imported."""

    @property
    def label(self) -> str:
        return f"{self.name}#{self.version}"


def is_package(path: Path, head: bytes) -> bool:
    """A gzip file (`.tgz`): FHIR packages are the only archives termserver reads."""
    return head.startswith(b"\x1f\x8b")


def _refuse(source: str, why: str, **details: Any) -> ImportRefused:
    return ImportRefused(f"{source}: {why} Nothing was imported.",
                         details={"file": source, **details})


def archive_files(path: Path) -> dict[str, bytes]:
    """`package/*.json` of a package archive (name → bytes), every member checked first."""
    source = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _refuse(source, f"cannot read the file ({exc.strerror or exc}).") from None
    if size > MAX_ARCHIVE_BYTES:
        raise _refuse(source, f"the archive is {size} bytes, more than a FHIR package may be "
                      f"({MAX_ARCHIVE_BYTES} bytes).")
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            count = 0
            while (member := archive.next()) is not None:
                count += 1
                if count > MAX_MEMBERS:
                    raise _refuse(source, f"the archive has more than {MAX_MEMBERS} members; "
                                  "that is not a FHIR package.")
                name = _checked_name(source, member)
                total += max(member.size, 0)
                if member.size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                    raise _refuse(source, f"{member.name} unpacks to more than a package "
                                  f"member may ({MAX_MEMBER_BYTES} bytes each, "
                                  f"{MAX_TOTAL_BYTES} in all): refused as a decompression "
                                  "bomb.", member=member.name)
                if member.isdir() or name is None:
                    continue
                handle = archive.extractfile(member)
                if handle is not None:
                    files[name] = handle.read()
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile, zlib.error) as exc:
        raise _refuse(source, f"not a readable FHIR package (a gzipped tar): {exc}.") from None
    return files


def _checked_name(source: str, member: tarfile.TarInfo) -> str | None:
    """The file name when the member is a top-level `package/*.json`, None for other safe
    members; refuses unsafe ones."""
    if not (member.isreg() or member.isdir()) or member.type == tarfile.GNUTYPE_SPARSE:
        kind = "a link" if member.issym() or member.islnk() else "not a regular file"
        raise _refuse(source, f"member {member.name!r} is {kind}; a FHIR package holds only "
                      "files and folders: refused as unsafe.", member=member.name)
    parts = PurePosixPath(member.name).parts
    if member.name.startswith(("/", "\\")) or ".." in parts or any(
            "\\" in p or ":" in p for p in parts):
        raise _refuse(source, f"member {member.name!r} points outside the package (absolute "
                      "or '..'): refused as unsafe.", member=member.name)
    parts = tuple(p for p in parts if p != ".")
    if member.isdir() or len(parts) != 2 or parts[0] != "package":
        return None
    name = parts[1]
    return name if name.endswith(".json") and not name.startswith(".") else None


def directory_files(root: Path) -> dict[str, bytes]:
    """`package/*.json` of a package unpacked in the package cache (no links followed)."""
    folder = root / "package"
    if not folder.is_dir():
        raise _refuse(str(root), "no package/ folder: not an unpacked FHIR package.")
    files = {}
    for path in sorted(folder.iterdir()):
        if path.is_symlink():
            raise _refuse(str(root), f"{path.name} is a link: refused as unsafe.")
        if path.is_file() and path.suffix == ".json" and not path.name.startswith("."):
            if path.stat().st_size > MAX_MEMBER_BYTES:
                raise _refuse(str(root), f"{path.name} is larger than {MAX_MEMBER_BYTES} bytes.")
            files[path.name] = path.read_bytes()
    return files


def manifest(source: str, files: dict[str, bytes]) -> tuple[str, str]:
    """(name, version) from `package/package.json`."""
    if "package.json" not in files:
        raise _refuse(source, "no package/package.json: not a FHIR package.")
    data = _json(source, "package.json", files["package.json"])
    name, version = (data.get("name"), data.get("version")) if isinstance(data, dict) else (
        None, None)
    if not isinstance(name, str) or not PACKAGE_NAME.fullmatch(name):
        raise _refuse(source, f"package.json names no valid package (name {name!r}).")
    if not isinstance(version, str) or not VERSION.fullmatch(version):
        raise _refuse(source, f"package.json gives no usable version ({version!r}).")
    return name, version


def parse(source: str, files: dict[str, bytes]) -> Package:
    """The package's code systems, value sets and concept maps, every file checked."""
    name, version = manifest(source, files)
    package = Package(name, version, source)
    for file_name in sorted(files):
        if file_name in ("package.json", ".index.json"):
            continue
        where = f"{source}:package/{file_name}"
        resource = _json(source, file_name, files[file_name])
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if kind == "CodeSystem" and resource.get("content") != "not-present":
            package.releases.extend(_code_system(where, resource, version))
        elif kind in KINDS:
            package.resources.append(fhir_resources.parse(
                where, resource, default_version=version, package=package.label))
        else:
            label = str(kind or "not a resource")
            package.skipped[label] = package.skipped.get(label, 0) + 1
    return package


def _json(source: str, file_name: str, data: bytes) -> Any:
    try:
        return orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        raise _refuse(source, f"package/{file_name} is not valid JSON ({exc}); a FHIR "
                      "package holds JSON resources.", member=file_name) from None


def _code_system(where: str, resource: dict[str, Any], version: str) -> list[Release]:
    from . import ImportOptions, finish_release

    if not resource.get("version"):
        resource = {**resource, "version": version}
    releases = fhir.parse(Path(where), orjson.dumps(resource), ImportOptions())
    for release in releases:
        finish_release(release, where, "fhir", ImportOptions())
    return releases


__all__ = ["Package", "archive_files", "directory_files", "is_package", "manifest", "parse"]
