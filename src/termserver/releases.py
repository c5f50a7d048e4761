"""Published releases on disk: one immutable directory per (scheme, version).

Layout (see docs/decisions/0001-release-storage.md):

    <data_dir>/releases/<scheme>/<version>/release.nt    canonical sorted N-Triples
    <data_dir>/releases/<scheme>/<version>/release.json  fast-load form of the same content
    <data_dir>/releases/<scheme>/<version>/meta.json     ReleaseInfo (incl. checksum)

A release directory is built in a staging directory and renamed into place in one
step, so a reader sees either no release or a complete one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

import orjson

from . import atomic
from .errors import DataDirDamaged, ImportRefused
from .model import Concept, Mapping, Note, Release, ReleaseInfo
from .rdf import checksum, content_lines

_FIELDS_WITH_DEFAULTS = ("alt_labels", "hidden_labels", "definitions", "properties")


@dataclass(slots=True)
class PublishResult:
    info: ReleaseInfo
    outcome: str  # "created" | "unchanged"


def _concept_to_json(concept: Concept) -> dict:
    data: dict = {"code": concept.code, "uri": concept.uri, "labels": concept.labels}
    for name in _FIELDS_WITH_DEFAULTS:
        value = getattr(concept, name)
        if value:
            data[name] = value
    if concept.notes:
        data["notes"] = [
            {"kind": n.kind, "text": n.text, "lang": n.lang, "refs": list(n.refs)}
            for n in concept.notes
        ]
    if concept.status != "active":
        data["status"] = concept.status
    if concept.broader:
        data["broader"] = concept.broader
    if concept.replaced_by:
        data["replaced_by"] = concept.replaced_by
    data["order"] = concept.order
    return data


def _concept_from_json(data: dict) -> Concept:
    notes = data.pop("notes", None)
    concept = Concept(**data)
    if notes:
        concept.notes = [
            Note(n["kind"], n["text"], n.get("lang", ""), tuple(n.get("refs", ()))) for n in notes
        ]
    return concept


def release_json_chunks(release: Release) -> Iterator[bytes]:
    """The fast-load JSON, concept by concept: a large release never exists twice in memory."""
    yield b'{"info":' + orjson.dumps(dataclasses.asdict(release.info))
    yield b',"mappings":' + orjson.dumps([dataclasses.asdict(m) for m in release.mappings])
    yield b',"concepts":['
    for index, concept in enumerate(release.concepts.values()):
        yield (b"," if index else b"") + orjson.dumps(_concept_to_json(concept))
    yield b"]}"


def release_to_json(release: Release) -> bytes:
    return b"".join(release_json_chunks(release))


def release_from_json(data: bytes) -> Release:
    raw = orjson.loads(data)
    concepts = {}
    for item in raw["concepts"]:
        concept = _concept_from_json(item)
        concepts[concept.code] = concept
    release = Release(
        info=ReleaseInfo(**raw["info"]),
        concepts=concepts,
        mappings=[Mapping(**m) for m in raw.get("mappings", [])],
    )
    release.index_hierarchy()
    return release


def _segment(text: str) -> str:
    """One path segment for a scheme id or version; never `.`, `..` or a hidden name."""
    segment = quote(text, safe="~")
    if not segment or segment.startswith("."):
        raise ImportRefused(
            f"{text!r} cannot name a release directory (empty or starting with '.').",
            details={"name": text},
        )
    return segment


class ReleaseRepository:
    """Reads and publishes releases under `<data_dir>/releases`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "releases"

    def release_dir(self, scheme: str, version: str) -> Path:
        return self.root / _segment(scheme) / _segment(version)

    def nt_path(self, scheme: str, version: str) -> Path:
        return self.release_dir(scheme, version) / "release.nt"

    def iter_release_dirs(self) -> Iterator[Path]:
        if not self.root.is_dir():
            return
        for scheme_dir in sorted(self.root.iterdir()):
            if not scheme_dir.is_dir() or scheme_dir.name.startswith("."):
                continue
            for version_dir in sorted(scheme_dir.iterdir()):
                if version_dir.name.startswith("."):
                    continue
                if (version_dir / "meta.json").is_file():
                    yield version_dir

    def load_all(self) -> list[Release]:
        releases = []
        for path in self.iter_release_dirs():
            try:
                releases.append(release_from_json((path / "release.json").read_bytes()))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise _damaged(path / "release.json", exc) from None
        return releases

    def info(self, scheme: str, version: str) -> ReleaseInfo | None:
        meta = self.release_dir(scheme, version) / "meta.json"
        if not meta.is_file():
            return None
        try:
            return ReleaseInfo(**orjson.loads(meta.read_bytes()))
        except (OSError, ValueError, TypeError) as exc:
            raise _damaged(meta, exc) from None

    def check(self, release: Release) -> tuple[str, list[str]]:
        """Compute the release's canonical content; refuse a different one under a taken name.

        Returns ("created" | "unchanged", canonical lines). Raises ImportRefused when the
        (scheme, version) is already published with other content.
        """
        lines = content_lines(release)
        release.info.checksum = checksum(lines)
        existing = self.info(release.scheme, release.version)
        if existing is None:
            return "created", lines
        if existing.checksum == release.info.checksum:
            return "unchanged", lines
        here = f"{release.info.source}: " if release.info.source else ""
        raise ImportRefused(
            f"{here}{release.scheme} version {release.version} is already published with "
            f"different content (published from {existing.source or 'an earlier import'}, "
            f"checksum {existing.checksum[:12]}…; this file {release.info.checksum[:12]}…). "
            "Published releases never change. If the publisher re-used the version string, "
            "import this file under its own name with --version, e.g. "
            f"--version {release.version}~<tag> for an earlier re-publication "
            f"(sorts before {release.version}) or --version {release.version}.1 for a later one.",
            details={
                "file": release.info.source,
                "scheme": release.scheme,
                "version": release.version,
                "source": release.info.source,
                "published_checksum": existing.checksum,
                "new_checksum": release.info.checksum,
            },
        )

    def publish_many(self, releases: Iterable[Release]) -> list[PublishResult]:
        """Publish several releases; every conflict is found before anything is written."""
        releases = list(releases)
        seen: dict[tuple[str, str], str] = {}
        planned: list[tuple[Release, str, list[str]]] = []
        for release in releases:
            key = (release.scheme, release.version)
            outcome, lines = self.check(release)
            if key in seen and seen[key] != release.info.checksum:
                raise ImportRefused(
                    f"Two of the files given both claim {key[0]} version {key[1]} with "
                    "different content; import one of them with --version.",
                    details={"scheme": key[0], "version": key[1]},
                )
            if key in seen:
                continue
            seen[key] = release.info.checksum
            planned.append((release, outcome, lines))
        results = []
        while planned:
            release, outcome, lines = planned.pop(0)  # drop each release's lines once written
            if outcome == "created":
                self._write(release, lines)
            del lines
            results.append(PublishResult(release.info, outcome))
        return results

    def _write(self, release: Release, lines: list[str]) -> None:
        final = self.release_dir(release.scheme, release.version)
        if not release.info.imported_at:
            release.info.imported_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        final.parent.mkdir(parents=True, exist_ok=True)
        atomic.remove_stale_staging(final.parent)  # a killed writer's; we hold the lock
        with atomic.staging_dir(final.parent) as staging:
            with open(staging / "release.nt", "w", encoding="utf-8") as handle:
                for line in lines:
                    handle.write(line)
                    handle.write("\n")
            lines.clear()  # the caller's list: the N-Triples are on disk now
            with open(staging / "release.json", "wb") as handle:
                for chunk in release_json_chunks(release):
                    handle.write(chunk)
            (staging / "meta.json").write_bytes(
                orjson.dumps(dataclasses.asdict(release.info), option=orjson.OPT_INDENT_2)
            )
            for name in ("release.nt", "release.json", "meta.json"):
                with open(staging / name, "rb") as handle:
                    os.fsync(handle.fileno())
            os.rename(staging, final)
            atomic.fsync_dir(final.parent)


def _damaged(path: Path, exc: Exception) -> DataDirDamaged:
    return DataDirDamaged(
        f"{path}: this published release cannot be read ({type(exc).__name__}: "
        f"{str(exc)[:200]}). Releases are never rewritten, so the file was changed or "
        "damaged outside termserver: restore it from a backup, or remove its directory "
        "and import the release again.",
        details={"path": str(path)},
    )


def version_from_dir(path: Path) -> tuple[str, str]:
    return unquote(path.parent.name), unquote(path.name)
