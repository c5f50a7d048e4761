"""Everything `termserver import` takes, read and checked before anything is written.

Vocabulary files become releases (`load_file`); FHIR ValueSet and ConceptMap JSON
become stored resources; a FHIR package (`.tgz`, or an unpacked one in the package
cache) gives both. One bad file refuses the whole import, as `load_files` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ImportRefused
from ..model import Release
from ..resources import StoredResource
from . import ImportOptions, _refused_among, expand_paths, load_file, package
from .decoding import refuse_wide_encoding
from .fhir_resources import load_json, parse, resource_type


@dataclass
class Loaded:
    releases: list[Release] = field(default_factory=list)
    resources: list[StoredResource] = field(default_factory=list)
    packages: list[package.Package] = field(default_factory=list)

    def add(self, other: Loaded) -> None:
        self.releases.extend(other.releases)
        self.resources.extend(other.resources)
        self.packages.extend(other.packages)


def is_package_dir(path: Path) -> bool:
    return path.is_dir() and (path / "package" / "package.json").is_file()


def load_package_dir(root: Path) -> Loaded:
    """A package unpacked in the FHIR package cache (`…/name#version/package/…`)."""
    found = package.parse(root.name, package.directory_files(root))
    return Loaded(found.releases, found.resources, [found])


def load_source(path: Path, options: ImportOptions) -> Loaded:
    """One file: a package, a value set or concept map, or a vocabulary file."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise ImportRefused(f"{path}: cannot read the file ({exc.strerror or exc}).",
                            details={"file": str(path)}) from None
    if options.format == "auto" and package.is_package(path, head):
        if options.version or options.scheme:
            raise ImportRefused(
                f"{path.name}: a FHIR package's resources keep the ids and versions they "
                "declare (and the package's version where they declare none); --version "
                "and --scheme apply to single files only. Import without them.",
                details={"file": str(path)})
        found = package.parse(path.name, package.archive_files(path))
        return Loaded(found.releases, found.resources, [found])
    if options.format in ("auto", "fhir") and resource_type(head) is not None:
        data = path.read_bytes()
        refuse_wide_encoding(path, data, options.encoding)
        resource = load_json(path.name, data, options.encoding)
        return Loaded(resources=[parse(path.name, resource, version=options.version)])
    return Loaded(releases=load_file(path, options))


def load_sources(paths: Sequence[Path], options: ImportOptions,
                 progress: Callable[[Path], None] | None = None) -> Loaded:
    """Every file given (directories contribute theirs), each checked; the first bad one
    refuses the import, naming what became of the others."""
    files = [p for given in paths for p in (
        [given] if given.is_file() or is_package_dir(given) else expand_paths([given]))]
    loaded = Loaded()
    for position, path in enumerate(files):
        if progress is not None:
            progress(path)
        try:
            loaded.add(load_package_dir(path) if is_package_dir(path)
                       else load_source(path, options))
        except ImportRefused as exc:
            if len(files) == 1:
                raise
            raise _refused_among(exc, path, files[:position], files[position + 1:]) from None
    return loaded


__all__ = ["Loaded", "is_package_dir", "load_package_dir", "load_source", "load_sources"]
