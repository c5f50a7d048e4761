"""Publishing releases: parse and check everything, write atomically, then reindex.

The one path every import takes (CLI `import`, `serve` publishing vocab/, tests), so
the guarantees hold everywhere: nothing half-imported, conflicts refused before any
write, and the search index rebuilt whenever it does not cover exactly the published
releases (new ones, or ones an interrupted import left without their index).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import data_dir_lock
from .errors import TermserverError
from .importers import ImportOptions, load_files
from .importers.sources import load_sources
from .model import Release
from .releases import PublishResult, ReleaseRepository
from .resources import ResourceRepository, ResourceResult, StoredResource
from .search import generations, rebuild_index
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Refused:
    """A file whose new release failed its checks and was not published: the errors."""

    source: str
    scheme: str
    version: str
    errors: list[str]


@dataclass(slots=True)
class Published:
    """What an import did: each release's outcome, and what became of the search index.

    `index` is `updated` (rebuilt for new releases), `repaired` (nothing new, but the index
    did not cover what was published: an earlier import was interrupted), `unchanged`, or
    `failed` (releases were published but the index could not be rebuilt; `problem` says
    why; every reader repairs it when it next opens the data directory).
    """

    releases: list[PublishResult]
    index: str
    problem: str | None = None
    refused: list[Refused] = field(default_factory=list)
    """Files left out because their release failed its checks (vocab/ only)."""
    resources: list[ResourceResult] = field(default_factory=list)
    """The value sets and concept maps published (or found already published)."""

    @property
    def created(self) -> list[PublishResult]:
        return [r for r in self.releases if r.outcome == "created"]


def import_paths(
    settings: Settings,
    paths: Sequence[Path],
    options: ImportOptions,
    progress: Callable[[Path], None] | None = None,
) -> Published:
    """Publish the releases in `paths` and bring the search index in step with them.

    Raises when nothing was published. Once a release is on disk it stays published, so a
    failure while indexing is reported in the result, not raised: the caller must not say
    "nothing happened" about a release that readers already see.
    """
    loaded = load_sources(paths, options, progress)
    return publish_releases(settings, loaded.releases, loaded.resources)


def publish_releases(settings: Settings, releases: list[Release],
                     resources: Sequence[StoredResource] = ()) -> Published:
    """Publish releases (an import's, or an approved draft's) and the value sets and
    concept maps that came with them, and bring the search index in step; raises when
    nothing was published, as `import_paths`. Every conflict, in either, is found before
    anything is written."""
    with data_dir_lock(settings.data_dir):
        stored = ResourceRepository(settings.data_dir)
        planned = stored.plan(resources)
        results = ReleaseRepository(settings.data_dir).publish_many(releases)
        del releases  # reindexing loads the store afresh; don't hold two copies
        written = stored.write(planned)
        created = any(r.outcome == "created" for r in results)
        try:
            index = _bring_index_in_step(settings, created)
        except (OSError, TermserverError) as exc:
            if not created:
                raise
            problem = (exc.message if isinstance(exc, TermserverError)
                       else f"{exc.filename or settings.data_dir}: {exc.strerror or exc}")
            log.warning("published, but the search index was not rebuilt: %s", problem)
            return Published(results, "failed", problem, resources=written)
    return Published(results, index, resources=written)


def _bring_index_in_step(settings: Settings, created: bool) -> str:
    store = Store.open(settings.data_dir)
    found = generations.current(settings.data_dir, settings.search_backend,
                                (r.info for r in store.releases()))
    if found.status == generations.CURRENT:
        return "unchanged"
    rebuild_index(settings.data_dir, settings.search_backend, store)
    if created:
        return "updated"
    log.warning("%s: %s; rebuilt it.", settings.data_dir, found.describe())
    return "repaired"


def reindex(settings: Settings) -> None:
    store = Store.open(settings.data_dir)
    rebuild_index(settings.data_dir, settings.search_backend, store)


def publish_vocab(settings: Settings) -> Published | None:
    """Publish our own SKOS sources from vocab/ (a no-op when nothing changed).

    A release not published yet is published only when it passes the checks a draft gets
    (`authoring.release_checks`); the files that fail are left out and listed in
    `Published.refused`, and the rest are published.
    """
    from .authoring.release_checks import check_release, errors

    vocab = Path(settings.vocab_dir)
    sources = sorted(p for p in vocab.glob("*.ttl")) if vocab.is_dir() else []
    if not sources:
        return None
    releases = load_files(sources, ImportOptions(format="skos"))
    repository = ReleaseRepository(settings.data_dir)
    new = [r for r in releases if repository.info(r.scheme, r.version) is None]
    refused: list[Refused] = []
    if new:
        store = Store([*Store.open(settings.data_dir).releases(), *new])
        for release in new:
            found = errors(check_release(release, store))
            if found:
                refused.append(Refused(release.info.source, release.scheme,
                                       release.version, [f.message for f in found]))
    left_out = {(r.scheme, r.version) for r in refused}
    kept = [r for r in releases if (r.scheme, r.version) not in left_out]
    published = publish_releases(settings, kept) if kept else Published([], "unchanged")
    published.refused = refused
    return published
