"""GET /interventions?icf=: catalogue entries for an ICF code, and the reverse."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from ..interventions import intervention_index, parse_icf
from .responses import cached_json, json_response
from .schemas import (
    ERROR_RESPONSES,
    ConceptInterventionsOut,
    InterventionOut,
    InterventionsOut,
)

router = APIRouter(tags=["interventions"])


@router.get("/interventions", response_model=InterventionsOut, responses=ERROR_RESPONSES,
            summary="Interventions that address an ICF code (exact, narrower, crosswalk, broader)")
async def interventions_for_icf(
    request: Request,
    icf: str = Query(..., description="ICF code, qualifiers allowed: d450, d450.2, e310+2"),
) -> Response:
    services = request.app.state.services
    index = intervention_index(services)
    query = parse_icf(icf)
    if query.qualifier:
        # Memoised by code only: keys built from the caller's text would grow without bound.
        return json_response(index.for_icf(icf))
    return cached_json(services.cache, ("interventions", query.code), lambda: index.for_icf(icf))


@router.get("/interventions/{code}", response_model=InterventionOut, responses=ERROR_RESPONSES,
            summary="One catalogue entry with the ICF codes and tilstande it addresses")
async def intervention(request: Request, code: str) -> Response:
    services = request.app.state.services
    return cached_json(services.cache, ("intervention", code),
                       lambda: intervention_index(services).for_entry(code))


@router.get("/interventions/for/{scheme}/{code:path}",
            response_model=ConceptInterventionsOut, responses=ERROR_RESPONSES,
            summary="Interventions for a tilstand, målgruppe, ICF code or official ydelse")
async def interventions_for_concept(request: Request, scheme: str, code: str) -> Response:
    """The catalogue's current entries for the concept: those that name a tilstand (else
    those for the ICF codes it corresponds to), those for a målgruppe or a group above it,
    those for an ICF code (as `/interventions?icf=`), or those that match an official
    ydelse or indsats. Withdrawn entries are never listed."""
    services = request.app.state.services
    services.store.latest(scheme)  # an unknown scheme is the usual 404 naming the schemes
    return cached_json(services.cache, ("concept-interventions", scheme, code),
                       lambda: intervention_index(services).for_concept(scheme, code))
