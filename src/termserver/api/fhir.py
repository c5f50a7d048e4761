"""FHIR R4 terminology API under /fhir: `metadata`, CodeSystem read/search and the
terminology operations, by GET (query parameters) and POST (a `Parameters` body).

The work is done by the pure functions of `termserver.fhir`; this module only reads the
request, picks the function and writes `application/fhir+json`. Errors raised here leave
as `OperationOutcome`s through `fhir_error_response`, which the app's exception handlers
use for every path under /fhir except document validation (`$validate`, whose clients
read the /api/v1 envelope).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from ..errors import TermserverError
from ..fhir import capabilities, operations, published, qualifiers, translate
from ..fhir.conceptmaps import (
    conceptmap_resource,
    crosswalk_releases,
    is_crosswalk,
    stored_concept_maps,
)
from ..fhir.context import Context, canonical_urls
from ..fhir.outcome import FhirError, outcome_for_error, outcome_for_status
from ..fhir.params import Params
from ..fhir.textfilter import use_index
from ..fhir.xml import FHIR_JSON, FHIR_XML, from_xml, is_xml_body, to_xml, wants_xml
from ..model import Release

router = APIRouter(prefix="/fhir", tags=["fhir"])


def _xml_wanted(request: Request | None) -> bool:
    """Whether the client asked for XML (`_format`, else `Accept`); an unknown `_format`
    is a 406 (raised here for answers, read as JSON for error answers)."""
    if request is None:
        return False
    return wants_xml(request.query_params.get("_format"), request.headers.get("accept"))


def fhir_response(resource: dict[str, Any], status_code: int = 200,
                  request: Request | None = None,
                  headers: dict[str, str] | None = None) -> Response:
    """A resource in the format the client asked for: FHIR JSON, or FHIR XML."""
    if _xml_wanted(request):
        return Response(to_xml(resource), status_code=status_code, media_type=FHIR_XML,
                        headers=headers)
    return Response(orjson.dumps(resource), status_code=status_code, media_type=FHIR_JSON,
                    headers=headers)


def fhir_error_response(status_code: int, message: str,
                        exc: TermserverError | None = None,
                        headers: dict[str, str] | None = None,
                        request: Request | None = None) -> Response:
    """An error under /fhir as an OperationOutcome with the same HTTP status, in XML when
    the client asked for XML."""
    body = outcome_for_error(exc) if exc is not None else outcome_for_status(status_code,
                                                                              message)
    try:
        xml = _xml_wanted(request)
    except FhirError:  # the unknown _format itself: told in JSON
        xml = False
    if xml:
        return Response(to_xml(body), status_code=status_code, media_type=FHIR_XML,
                        headers=headers)
    return Response(orjson.dumps(body), status_code=status_code, media_type=FHIR_JSON,
                    headers=headers)


_ENVELOPE_PATHS = ("/fhir/$validate",)
"""Document validation answers errors with the /api/v1 envelope, as its clients expect."""


def is_fhir_path(path: str) -> bool:
    """A path whose errors are OperationOutcomes: the terminology API under /fhir."""
    return (path == "/fhir" or path.startswith("/fhir/")) and path not in _ENVELOPE_PATHS


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


def _check_format(request: Request) -> None:
    """An unknown `_format` is refused (406) before any work is done."""
    _xml_wanted(request)


async def _params(request: Request) -> Params:
    params = Params.from_query(request.query_params.multi_items())
    if request.method == "POST":
        body = await request.body()
        if body.strip():
            if is_xml_body(request.headers.get("content-type"), body):
                data = from_xml(body)
            else:
                try:
                    data = orjson.loads(body)
                except orjson.JSONDecodeError as exc:
                    raise FhirError(f"The request body is not valid JSON: {exc}.") from None
            for name, values in Params.from_resource(data).values.items():
                params.values.setdefault(name, []).extend(values)
    return params


def _memo_key(request: Request) -> tuple[Any, ...] | None:
    """The response memo's key for a GET: the answer depends only on the URL and the
    headers named here, and releases never change under a loaded store (a reload replaces
    the memo with the Services). POSTs may carry resources: never memoised."""
    if request.method != "GET":
        return None
    headers = request.headers
    return ("fhir", request.scope["path"], request.scope["query_string"],
            headers.get("accept"), headers.get("accept-language"),
            headers.get("x-too-costly-threshold"))


async def _run(request: Request, operation: Callable[[Context, Params], dict[str, Any]],
               inline: bool = False) -> Response:
    services = request.app.state.services
    key = _memo_key(request)
    if key is not None:
        body = services.cache.get(key)
        if body is not None:  # XML answers begin with their declaration
            return Response(body, media_type=FHIR_XML if body[:1] == b"<" else FHIR_JSON)
    _check_format(request)
    response = await _answer(request, operation, inline)
    if key is not None:
        services.cache[key] = bytes(response.body)
    return response


async def _answer(request: Request, operation: Callable[[Context, Params], dict[str, Any]],
                  inline: bool) -> Response:
    params = await _params(request)
    language = request.headers.get("accept-language")
    if language and params.get("displayLanguage") is None:  # FHIR: the header is the default
        params.values["displayLanguage"] = [language]
        params.kinds["displayLanguage"] = "valueCode"
    services = request.app.state.services
    store = services.store
    if params.get("filter") is not None:  # $expand's filter reads our search index
        use_index(store, services.search)
    resources = params.all("tx-resource")
    # resources sent along are imported in a worker thread: they must not hold up the loop
    context = await run_in_threadpool(Context.for_request, store, resources) if resources \
        else Context.for_request(store, [])
    context.stored = services.resources  # published value sets, after the request's own
    context.concept_maps.extend(services.resources.concept_maps)
    threshold = request.headers.get("x-too-costly-threshold")
    if threshold is not None:
        if not threshold.strip().isdigit() or int(threshold) < 1:
            raise FhirError(f"The X-TOO-COSTLY-THRESHOLD header must be a whole number of "
                            f"codes above 0, not {threshold!r}.")
        context.max_expansion = min(context.max_expansion, int(threshold))
    if inline and not resources:  # a bounded answer: no worker thread hand-off
        return fhir_response(operation(context, params), request=request)
    return fhir_response(await run_in_threadpool(operation, context, params),
                         request=request)


@router.get("/metadata", summary="CapabilityStatement, or TerminologyCapabilities with "
            "mode=terminology")
async def metadata(request: Request) -> Response:
    _check_format(request)
    mode = request.query_params.get("mode")
    base = _base_url(request)
    if mode == "terminology":
        store = request.app.state.services.store
        return fhir_response(capabilities.terminology_capabilities(base, store),
                             request=request)
    if mode not in (None, "full", "normative"):
        raise FhirError(f"Unknown metadata mode {mode!r}; use terminology, full or normative.")
    return fhir_response(capabilities.capability_statement(base), request=request)


_OPERATIONS: dict[str, Callable[[Context, Params], dict[str, Any]]] = {
    "CodeSystem/$lookup": qualifiers.lookup,
    "CodeSystem/$validate-code": lambda c, p: qualifiers.validate_code(c, p, value_set=False),
    "CodeSystem/$subsumes": operations.subsumes,
    "ValueSet/$validate-code": lambda c, p: qualifiers.validate_code(c, p, value_set=True),
    "ValueSet/$batch-validate-code": operations.batch_validate_code,
    "ConceptMap/$translate": translate.translate,
    "ValueSet/$expand": operations.expand,
}


_INLINE = frozenset(("CodeSystem/$lookup", "CodeSystem/$validate-code",
                     "CodeSystem/$subsumes"))
"""Operations on one code of one code system: tens of microseconds over a stored release,
answered on the event loop (value sets and expansions, which can take milliseconds, and
anything with resources sent along, go to a worker thread)."""


def _endpoint(path: str) -> Callable[[Request], Awaitable[Response]]:
    operation = _OPERATIONS[path]
    inline = path in _INLINE

    async def endpoint(request: Request) -> Response:
        return await _run(request, operation, inline)

    return endpoint


def hot_routes() -> list[Route]:
    """The operations' GETs as plain routes, which create_app mounts ahead of the rest (as
    the /api/v1 lookup's hot path): matched before the app's hundred other routes and
    without FastAPI's parameter machinery, so an answer from the response memo costs
    little more than the memo lookup. Same URLs, same answers, same errors."""
    return [Route(f"/fhir/{path}", _endpoint(path), methods=["GET"], include_in_schema=False)
            for path in _OPERATIONS]


def _operation_route(path: str) -> None:
    endpoint = _endpoint(path)
    name = "fhir_" + path.replace("/$", "_").replace("-", "_").lower()
    for method in ("GET", "POST"):
        router.add_api_route(f"/{path}", endpoint, methods=[method], summary=f"FHIR {path}",
                             operation_id=f"{name}_{method.lower()}", response_class=Response)


for _path in _OPERATIONS:
    _operation_route(_path)


def _matches(release: Release, request: Request) -> bool:
    query = request.query_params
    url = query.get("url")
    if url and url.split("|")[0] not in canonical_urls(release):
        return False
    version = query.get("version") or (url.partition("|")[2] if url else "")
    if version and release.version != version:
        return False
    resource = operations.codesystem_resource(release, summary=True)
    for name in ("name", "title"):  # FHIR string search: starts with, any case
        wanted = query.get(name)
        if wanted and not str(resource.get(name, "")).lower().startswith(wanted.lower()):
            return False
    status = query.get("status")
    return not status or resource["status"] == status


@router.get("/CodeSystem", summary="Search code systems by url, version, name, title, status")
async def search_code_systems(request: Request) -> Response:
    _check_format(request)
    store = request.app.state.services.store
    base = _base_url(request)
    found = [r for r in store.releases()
             if r.info.uri and not is_crosswalk(r) and _matches(r, request)]
    return fhir_response({
        "resourceType": "Bundle", "type": "searchset", "total": len(found),
        "entry": [{"fullUrl": f"{base}/CodeSystem/{operations.resource_id(r)}",
                   "resource": operations.codesystem_resource(r, summary=True),
                   "search": {"mode": "match"}} for r in found]}, request=request)


def _map_matches(resource: dict[str, Any], request: Request) -> bool:
    """FHIR search on a ConceptMap: `url` (with `|version`) and `version` exactly, `name`
    and `title` by their beginning in any case, `status` exactly."""
    query = request.query_params
    url = query.get("url")
    if url and url.split("|")[0] != resource["url"]:
        return False
    version = query.get("version") or (url.partition("|")[2] if url else "")
    if version and resource["version"] != version:
        return False
    for name in ("name", "title"):
        wanted = query.get(name)
        if wanted and not str(resource.get(name, "")).lower().startswith(wanted.lower()):
            return False
    status = query.get("status")
    return not status or resource["status"] == status


@router.get("/ConceptMap", summary="Search our crosswalks and the published concept maps "
            "by url, version, name, title, status")
async def search_concept_maps(request: Request) -> Response:
    _check_format(request)
    services = request.app.state.services
    base = _base_url(request)
    found = [m for m in (conceptmap_resource(services.store, r, summary=True)
                         for r in crosswalk_releases(services.store))
             if _map_matches(m, request)]
    entries = [{"fullUrl": f"{base}/ConceptMap/{m['id']}", "resource": m,
                "search": {"mode": "match"}} for m in found]
    # concept maps imported from files and packages (KL's), after our own
    entries += published.search(services.resources, "ConceptMap", request.query_params,
                                base)["entry"]
    return fhir_response({"resourceType": "Bundle", "type": "searchset",
                          "total": len(entries), "entry": entries}, request=request)


@router.get("/ConceptMap/{resource_id}", summary="Read one ConceptMap: a crosswalk release "
            "or a published concept map")
async def read_concept_map(request: Request) -> Response:
    _check_format(request)
    resource_id = request.path_params["resource_id"]
    services = request.app.state.services
    for resource in stored_concept_maps(services.store):
        if resource["id"] == resource_id:
            return fhir_response(resource, request=request)
    found = published.read(services.resources, "ConceptMap", resource_id)
    if found is not None:
        return fhir_response(found, request=request)
    raise FhirError(f"No ConceptMap with id {resource_id!r}; search GET /fhir/ConceptMap "
                    "to list them.", status_code=404, issue_code="not-found")


@router.get("/CodeSystem/{resource_id}", summary="Read one release as a CodeSystem")
async def read_code_system(request: Request) -> Response:
    _check_format(request)
    resource_id = request.path_params["resource_id"]
    store = request.app.state.services.store
    for release in store.releases():
        if operations.resource_id(release) == resource_id and not is_crosswalk(release):
            return fhir_response(operations.codesystem_resource(store.published(release)),
                                 request=request)
    raise FhirError(f"No CodeSystem with id {resource_id!r}; search GET /fhir/CodeSystem "
                    "to list them.", status_code=404, issue_code="not-found")


@router.get("/ValueSet", summary="Search the published value sets by url, version, name, "
            "title, status")
async def search_value_sets(request: Request) -> Response:
    _check_format(request)
    resources = request.app.state.services.resources
    return fhir_response(published.search(resources, "ValueSet", request.query_params,
                                          _base_url(request)), request=request)


@router.get("/ValueSet/{resource_id}", summary="Read one published value set version")
async def read_value_set(request: Request) -> Response:
    _check_format(request)
    resource_id = request.path_params["resource_id"]
    found = published.read(request.app.state.services.resources, "ValueSet", resource_id)
    if found is None:
        raise FhirError(f"No ValueSet with id {resource_id!r}; search GET /fhir/ValueSet "
                        "to list them.", status_code=404, issue_code="not-found")
    return fhir_response(found, request=request)
