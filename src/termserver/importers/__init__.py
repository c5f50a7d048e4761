"""Importers: official releases and our own SKOS sources in, `Release` objects out.

Each format module offers `sniff(path, head) -> bool` and
`parse(path, data, options) -> list[Release]`. `load_files` parses and checks every
file before the caller writes anything, so bad input never half-imports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ImportRefused
from ..model import Release
from .checks import check_release
from .decoding import refuse_wide_encoding

FORMATS = ("fhir", "owl", "claml", "skos")


@dataclass(slots=True)
class ImportOptions:
    format: str = "auto"
    scheme: str | None = None
    version: str | None = None
    encoding: str | None = None


def _module(name: str):
    from . import claml, fhir, owl, skos

    return {"fhir": fhir, "owl": owl, "claml": claml, "skos": skos}[name]


def detect_format(path: Path, head: bytes) -> str:
    """Pick the importer from the file's own content (and name, for RDF syntaxes)."""
    for name in FORMATS:
        if _module(name).sniff(path, head):
            return name
    raise ImportRefused(
        f"{path.name}: cannot tell what format this is. termserver imports FHIR CodeSystem, "
        "ValueSet and ConceptMap JSON, FHIR packages (.tgz), WHO ICF OWL, ClaML XML and "
        "SKOS (.ttl, .rdf/.owl/.xml, .nt, .jsonld). "
        "Name the format with --format fhir|owl|claml|skos.",
        details={"file": path.name, "formats": list(FORMATS)},
    )


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files as given; directories contribute their files (sorted, hidden ones skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            # hidden means hidden *inside* the directory given: `../shared/…` is not hidden
            files.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and p.suffix.lower() in {".json", ".ttl", ".rdf", ".owl", ".xml", ".nt",
                                          ".jsonld", ".n3"}
            )
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise ImportRefused(
                f"{path}: not a regular file or directory (a device, pipe or socket). Give "
                "the vocabulary file itself.",
                details={"file": str(path)},
            )
        else:
            raise ImportRefused(
                f"{path}: no such file or directory.", details={"file": str(path)}
            )
    return files


def _head(data: bytes, encoding: str | None) -> bytes:
    """The start of the file as UTF-8 bytes, for sniffing (decoded when --encoding says so)."""
    if not encoding:
        return data[:4096]
    try:
        return data[:8192].decode(encoding, errors="ignore").encode("utf-8")[:4096]
    except LookupError:
        return data[:4096]  # read_text reports the unknown encoding


def load_file(path: Path, options: ImportOptions) -> list[Release]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportRefused(
            f"{path}: cannot read the file ({exc.strerror or exc}). Check the path and its "
            "permissions.",
            details={"file": str(path)},
        ) from None
    fmt = options.format
    if fmt == "auto":
        refuse_wide_encoding(path, data, options.encoding)
        fmt = detect_format(path, _head(data, options.encoding))
    elif fmt not in FORMATS:
        raise ImportRefused(
            f"Unknown format {fmt!r}. Use one of: auto, {', '.join(FORMATS)}.",
            details={"format": fmt},
        )
    releases = _module(fmt).parse(path, data, options)
    for release in releases:
        finish_release(release, path.name, fmt, options)
    return releases


def finish_release(release: Release, source: str, fmt: str, options: ImportOptions) -> None:
    """What every parsed release gets, from a file or a package member: its source, the
    version asked for, the shared checks, the hierarchy index."""
    release.info.source = source
    release.info.source_format = fmt
    if options.version:
        release.info.version = options.version
    check_release(release, source)
    release.index_hierarchy()


def load_files(
    paths: Sequence[Path],
    options: ImportOptions,
    progress: Callable[[Path], None] | None = None,
) -> list[Release]:
    """Parse and check every file; raises on the first bad one, having written nothing.

    The refusal names the bad file by its whole path and says what became of the others
    (nothing is imported when one file is bad), so an operator importing a folder knows
    exactly which file to fix and that a rerun is safe.
    """
    files = expand_paths(paths)
    releases: list[Release] = []
    for position, path in enumerate(files):
        if progress is not None:
            progress(path)
        try:
            releases.extend(load_file(path, options))
        except ImportRefused as exc:
            if len(files) == 1:
                raise
            raise _refused_among(exc, path, files[:position], files[position + 1:]) from None
    return releases


def _refused_among(exc: ImportRefused, path: Path, read: list[Path],
                   unread: list[Path]) -> ImportRefused:
    message = exc.message
    for prefix in (f"{path}: ", f"{path.name}: "):
        if message.startswith(prefix):
            message = message[len(prefix):]
            break
    summary = f"Nothing was imported from the {len(read) + len(unread) + 1} files given"
    if read:
        summary += f" ({len(read)} read without problems before it"
        summary += f", {len(unread)} not read yet)" if unread else ")"
    elif unread:
        summary += f" ({len(unread)} not read yet)"
    refused = ImportRefused(
        f"{path}: {message} {summary}; fix or leave out this file and import again.",
        details={**exc.details, "file": str(path), "imported": [],
                 "read_ok": [str(p) for p in read], "not_read": [str(p) for p in unread]},
    )
    return refused
