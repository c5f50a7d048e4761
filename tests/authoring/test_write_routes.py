"""Every route that can change something asks the permission check.

The test lists the app's routes itself, so a write route added later is checked without
anyone remembering to add it here: each one must refuse an anonymous request with 401
and leave a denied entry in the audit log (proof that it went through the check, not
merely failed). The only non-GET routes allowed without a token are listed below, each
with the reason.
"""

from __future__ import annotations

import re
from typing import Annotated

import fastapi.routing
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from termserver.api.auth import acting
from termserver.authoring.db import AuthoringDB
from termserver.authoring.permissions import Actor

from .conftest import bearer

PUBLIC_READS = {
    ("POST", "/api/v1/validate"): "validates a document sent in the body; changes nothing",
    ("POST", "/fhir/$validate"): "the same validation as a FHIR OperationOutcome",
    ("POST", "/api/v1/validate/course"): "validates a citizen's documents sent in the body "
    "together; changes nothing",
    ("POST", "/api/v1/progression"): "reports the progression of the courses sent in the "
    "body; changes nothing",
    ("POST", "/sparql"): "a read-only SPARQL query too long for a URL (SPARQL protocol)",
    **{("POST", f"/fhir/{operation}"): "a FHIR terminology operation (lookup, validation, "
       "subsumption, expansion, translation) with its Parameters in the body; reads only"
       for operation in ("CodeSystem/$lookup", "CodeSystem/$validate-code",
                         "CodeSystem/$subsumes", "ValueSet/$validate-code",
                         "ValueSet/$batch-validate-code", "ValueSet/$expand",
                         "ConceptMap/$translate")},
}
"""Non-GET routes open to everyone, and why: they are reads that need a request body."""
PUBLIC_FORMS = {
    ("POST", "/redaktion/login"): "the login form itself (no session yet); failed logins are "
    "limited and audited",
    **{("POST", f"/liste/{action}"): "the caseworker's shortlist, kept in the browser's own "
       "cookie (no account, nothing stored on the server); same-site posts only"
       for action in ("tilfoej", "fjern", "toem", "gem")},
}
"""Forms of the web pages that need no session, and why."""
WEB_PAGES = "/redaktion"
"""The methodologists' pages: without a session a form is sent to the login page (303),
not answered 401 as an API client is, and the attempt is audited all the same."""
AUTHENTICATED_READS = {"/api/v1/audit", "/api/v1/drafts", "/api/v1/drafts/{draft_id}",
                       "/api/v1/drafts/{draft_id}/diff",
                       "/api/v1/drafts/{draft_id}/concepts/{code}",
                       "/api/v1/drafts/{draft_id}/check", "/api/v1/drafts/{draft_id}/reviews"}
"""GET routes that need a token (the audit log is an admin's; drafts are their editors',
reviewers' and publishers')."""
_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


class Body(BaseModel):
    """A body the example routes require, so that validating it would answer 400."""

    title: str


def write_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route that takes a method other than GET/HEAD.

    FastAPI releases that keep included routers unflattened list their routes through
    `iter_route_contexts`; older ones flatten them into `app.routes`."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    found = []
    for route in flatten(app.routes) if flatten else app.routes:
        template = getattr(route, "path_format", None) or getattr(route, "path", "")
        for method in sorted(set(getattr(route, "methods", None) or ()) - _READ_METHODS):
            found.append((method, template))
    assert found, "no routes found at all: the listing is broken"
    return found


def unguarded(client: TestClient, db: AuthoringDB) -> list[str]:
    """Routes that did not refuse an anonymous caller through the permission check."""
    problems = []
    routes = [r for r in write_routes(client.app) if r not in PUBLIC_READS | PUBLIC_FORMS]
    routes += [("GET", path) for path in sorted(AUTHENTICATED_READS)]
    for method, template in routes:
        path = re.sub(r"\{[^}]+\}", "x", template)
        before = _entries(db)
        page = path.startswith(WEB_PAGES)
        answer = client.request(method, path, data={"csrf": "x"} if page else None,
                                json=None if page else {}, follow_redirects=False)
        denied = _entries(db)[len(before):]
        if page:
            if answer.status_code != 303 or not answer.headers["location"].startswith(
                    "/redaktion/login"):
                problems.append(f"{method} {template}: answered {answer.status_code}")
                continue
        elif answer.status_code != 401 or answer.json()["error"]["code"] != "unauthorized":
            problems.append(f"{method} {template}: answered {answer.status_code}")
        elif [(e["outcome"], e["actor"]) for e in denied] != [("denied", None)]:
            problems.append(f"{method} {template}: refused without an audit entry")
    return problems


def _entries(db: AuthoringDB) -> list[dict]:
    from termserver.authoring import audit

    with db.read() as session:
        return list(reversed(audit.page(session, limit=1000)["entries"]))


def test_every_write_route_refuses_anonymous_callers(api: TestClient, db: AuthoringDB) -> None:
    assert unguarded(api, db) == []


def test_the_public_non_get_routes_are_exactly_the_listed_reads(api: TestClient) -> None:
    routes = set(write_routes(api.app))
    assert set(PUBLIC_READS) <= routes, "a listed public read no longer exists: update the list"


def test_the_check_finds_an_unguarded_write_route(api: TestClient, db: AuthoringDB,
                                                  admin_token: str) -> None:
    """The listing test can fail: a write route without the check is caught, one with
    it passes, and the check runs before the body is validated."""

    app = api.app

    @app.post("/api/v1/unguarded-example")
    def unguarded_example(body: Body) -> dict:
        return {}

    @app.put("/api/v1/guarded-example/{code}")
    def guarded_example(code: str, body: Body,
                        actor: Annotated[Actor, Depends(acting("draft.edit"))]) -> dict:
        return {"by": actor.name}

    assert unguarded(api, db) == ["POST /api/v1/unguarded-example: answered 400"]
    allowed = api.put("/api/v1/guarded-example/x", json={"title": "t"},
                      headers=bearer(admin_token))
    assert allowed.json() == {"by": "admin"}
