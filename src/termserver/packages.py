"""FHIR packages from a package registry, through the FHIR package cache, into the store.

The registry API is the one every FHIR tool uses (packages.fhir.org, Simplifier, a
private mirror): `GET {registry}/{name}` lists the versions (npm's document, with
`dist-tags.latest`), `GET {registry}/{name}/{version}` answers the package `.tgz`. A
fetched package is unpacked (its checked `package/*.json` only) into the standard FHIR
package cache, `{cache}/{name}#{version}/package/`, where SUSHI, the IG publisher and
the HL7 validator look too; a package already there is not fetched again.

Every step is bounded: a connect and read timeout, an overall deadline, and a size
limit, and every failure is one line saying what could not be fetched and how to import
a file instead.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson

from . import atomic
from .errors import TermserverError
from .importers import package as package_format
from .importers.sources import load_package_dir
from .publishing import Published, publish_releases
from .settings import Settings

SPEC = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,213})(?:[#@](?P<version>[^#@\s]+))?")


class PackageUnavailable(TermserverError):
    """A package could not be fetched: registry unreachable, unknown, too large."""

    status_code = 502
    code = "package_unavailable"
    exit_code = 2


@dataclass
class Installed:
    label: str
    published: Published
    fetched: bool
    """False when the package came from the package cache without a download."""


def parse_spec(spec: str) -> tuple[str, str | None]:
    """`kl.dk.fhir.term#2.3.0` → (name, version); no version (or `latest`) → None."""
    match = SPEC.fullmatch(spec.strip())
    if not match:
        raise PackageUnavailable(
            f"{spec!r} is not a FHIR package name: give name#version, e.g. "
            "kl.dk.fhir.term#2.3.0.", details={"package": spec})
    version = match.group("version")
    return match.group("name"), None if version in (None, "latest") else version


def cache_root(settings: Settings) -> Path:
    return Path(os.path.expanduser(str(settings.fhir_package_cache)))


def how_to_import(label: str) -> str:
    name, _, version = label.partition("#")
    return (f"import the package file with `termserver import {name}-{version or 'VERSION'}"
            f".tgz`, or run `termserver import --package {label}` once the registry is "
            "reachable")


def _get(url: str, settings: Settings, limit: int, timeout: float) -> bytes:
    """The body at `url` (following up to 3 redirects), at most `limit` bytes; the
    connection is closed whatever happens."""
    for _ in range(4):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PackageUnavailable(f"{url} is not an http(s) URL", details={"url": url})
        kind = http.client.HTTPSConnection if parts.scheme == "https" else \
            http.client.HTTPConnection
        connection = kind(parts.hostname, parts.port, timeout=timeout)
        response: http.client.HTTPResponse | None = None
        try:
            connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                               headers={"Accept": "application/tar+gzip, application/json;"
                                        "q=0.9, */*;q=0.5", "User-Agent": "termserver"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location", ""))
                continue
            if response.status != 200:
                why = ("not found in the registry" if response.status == 404
                       else f"HTTP {response.status}")
                raise PackageUnavailable(f"{url}: {why}",
                                         details={"url": url, "status": response.status})
            declared = response.getheader("Content-Length") or ""
            if declared.isdigit() and int(declared) > limit:
                raise PackageUnavailable(
                    f"{url} is {declared} bytes, more than fhir_package_max_bytes ({limit})",
                    details={"url": url})
            data = response.read(limit + 1)
        except (OSError, http.client.HTTPException) as exc:
            raise PackageUnavailable(f"{url}: {exc or type(exc).__name__}",
                                     details={"url": url}) from None
        finally:
            if response is not None:
                response.close()  # else its socket outlives the connection
            connection.close()
        if len(data) > limit:
            raise PackageUnavailable(f"{url} is larger than fhir_package_max_bytes ({limit})",
                                     details={"url": url})
        return data
    raise PackageUnavailable(f"{url}: too many redirects", details={"url": url})


def latest_version(settings: Settings, name: str, timeout: float) -> str:
    """The registry's `dist-tags.latest` for a package named without a version."""
    url = f"{settings.fhir_package_registry.rstrip('/')}/{name}"
    try:
        listing: Any = json.loads(_get(url, settings, 16 * 1024 * 1024, timeout))
        return str(listing["dist-tags"]["latest"])
    except (ValueError, KeyError, TypeError):
        raise PackageUnavailable(f"{url} does not list the package's versions.",
                                 details={"url": url}) from None


def download(settings: Settings, name: str, version: str, timeout: float) -> Path:
    """Fetch `name#version` into the package cache (unless it is there) and return its
    folder; the archive is checked as `termserver import FILE.tgz` checks one."""
    target = cache_root(settings) / f"{name}#{version}"
    if (target / "package" / "package.json").is_file():
        return target
    url = f"{settings.fhir_package_registry.rstrip('/')}/{name}/{version}"
    data = _get(url, settings, settings.fhir_package_max_bytes, timeout)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".download-") as scratch:
        archive = Path(scratch) / f"{name}-{version}.tgz"
        archive.write_bytes(data)
        files = package_format.archive_files(archive)
        found = package_format.manifest(archive.name, files)
        if found != (name, version):
            raise PackageUnavailable(
                f"{url} answered the package {found[0]}#{found[1]}, not {name}#{version}.",
                details={"url": url})
        staging = Path(scratch) / "unpacked"
        (staging / "package").mkdir(parents=True)
        for file_name, content in files.items():
            (staging / "package" / file_name).write_bytes(content)
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / "package" / "package.json").is_file():
                raise
    return target


def install(settings: Settings, spec: str, deadline: float | None = None) -> Installed:
    """Fetch (or find in the cache) and import one package; raises PackageUnavailable or
    ImportRefused with one line to show. `deadline` bounds the fetch (not the import)."""
    name, version = parse_spec(spec)
    timeout = settings.fhir_package_timeout if deadline is None else deadline
    cached = cache_root(settings) / f"{name}#{version}" / "package" / "package.json"
    fetched = version is None or not cached.is_file()
    try:
        folder = _within(timeout, lambda: download(
            settings, name, version or latest_version(settings, name, timeout), timeout),
            f"no answer within {timeout:g} s")
    except PackageUnavailable as exc:
        label = f"{name}#{version or 'latest'}"
        raise PackageUnavailable(
            f"could not fetch the FHIR package {label} from "
            f"{settings.fhir_package_registry} ({exc.message}); {how_to_import(label)}.",
            details={**exc.details, "package": label}) from None
    loaded = load_package_dir(folder)
    label = loaded.packages[0].label
    published = publish_releases(settings, loaded.releases, loaded.resources)
    mark_installed(settings, label, published)
    return Installed(label, published, fetched)


def _within(seconds: float, work: Callable[[], Path], late: str) -> Path:
    """`work()`, given up after `seconds`: a DNS lookup ignores socket timeouts, so the
    work runs in a thread that is left behind if it hangs."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["done"] = work()
        except Exception as exc:  # handed to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="fhir-package-fetch", daemon=True)
    thread.start()
    thread.join(seconds + 1)
    if "error" in outcome:
        raise outcome["error"]
    if "done" not in outcome:
        raise PackageUnavailable(late)
    return outcome["done"]


def _marker(settings: Settings, label: str) -> Path:
    return Path(settings.data_dir) / "packages" / f"{label}.json"


def is_installed(settings: Settings, spec: str) -> bool:
    name, version = parse_spec(spec)
    return version is not None and _marker(settings, f"{name}#{version}").is_file()


def mark_installed(settings: Settings, label: str, published: Published) -> None:
    """Record that the package was imported, so `serve` does not fetch it again."""
    body = {"package": label,
            "releases": [f"{r.info.scheme} {r.info.version}" for r in published.releases],
            "resources": [f"{r.info.kind} {r.info.url}|{r.info.version}"
                          for r in published.resources]}
    path = _marker(settings, label)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, orjson.dumps(body, option=orjson.OPT_INDENT_2))


def install_missing(settings: Settings, say: Callable[[str], None]) -> None:
    """Import each of `serve_packages` not imported yet, each fetch bounded by
    `serve_package_timeout`; every outcome said in one line, none raised (the server
    goes on with what it has)."""
    for spec in settings.serve_packages:
        try:
            if is_installed(settings, spec):
                continue
            installed = install(settings, spec, deadline=settings.serve_package_timeout)
        except TermserverError as exc:
            message = " ".join(exc.message.split())
            say(f"termserver: {message} Serving the releases already in "
                f"{settings.data_dir} meanwhile.")
            continue
        except Exception as exc:  # a background thread must say why, not die silently
            say(f"termserver: the FHIR package {spec} was not imported: "
                f"{' '.join(str(exc).split())}")
            continue
        published = installed.published
        new = [r for r in published.releases if r.outcome == "created"]
        new_resources = [r for r in published.resources if r.outcome == "created"]
        say(f"termserver: imported the FHIR package {installed.label}: {len(new)} new "
            f"release(s), {len(new_resources)} new value set(s)/concept map(s); served "
            "once loaded (no restart needed).")


def install_missing_in_background(settings: Settings,
                                  say: Callable[[str], None]) -> threading.Thread:
    """`install_missing` in a daemon thread, so the server never waits for a registry."""
    thread = threading.Thread(target=install_missing, args=(settings, say),
                              name="fhir-packages", daemon=True)
    thread.start()
    return thread
