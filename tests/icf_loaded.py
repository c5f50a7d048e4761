"""The WHO ICF OWL parsed once per test session (≈3 s), shared by the importer and exporter
tests. Callers must not modify the releases."""

from __future__ import annotations

from functools import cache

from termserver.importers import ImportOptions, load_files
from termserver.model import Release

from .conftest import ICF_OWL, require_shared


@cache
def _load() -> dict[str, Release]:
    return {r.scheme: r for r in load_files([ICF_OWL], ImportOptions())}


def icf_releases() -> dict[str, Release]:
    """{"icf": …, "icf-qualifiers": …} from ../shared/data (skips/fails when it is missing)."""
    require_shared(ICF_OWL)
    return _load()
