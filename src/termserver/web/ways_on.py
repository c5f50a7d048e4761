"""What a concept page offers next, so no page is a dead end for a caseworker.

- a withdrawn concept (deprecated or retired) says so first, with the reason its publisher
  gave and a link to what replaces it;
- a målgruppe lists the catalogue's interventions for it (or for a group above it);
- a tilstand links to the ICF codes our crosswalks relate it to, and lists the
  interventions that name it, else those for those ICF codes;
- an ICF code lists its interventions (as "Find indsatser" would);
- an official ydelse or indsats names the catalogue entry that matches it;
- and when there is nothing to list, a search for interventions by its name.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from ..interventions import intervention_index, retirement_reason
from ..search.facets import ICF, INDSATS, MAALGRUPPE, NOT_CURRENT, TILSTAND, kind_of
from ..store import Resolved
from . import labels

ICF_SHOWN = 12
"""Interventions an ICF code's page lists before linking to all of them."""


def retired(resolved: Resolved) -> dict[str, Any] | None:
    concept = resolved.concept
    if resolved.status not in NOT_CURRENT:
        return None
    release = resolved.release
    return {
        "name": labels.STATUS_NAMES.get(resolved.status, resolved.status),
        "reason": retirement_reason(concept) if concept.status in NOT_CURRENT else None,
        "replaced_by": [{"scheme": release.scheme, "code": c,
                         "label": release.concepts[c].label() if c in release.concepts else c}
                        for c in concept.replaced_by],
    }


def ways_on(services: Any, resolved: Resolved) -> dict[str, Any]:
    """Template context for the concept page's "what now" sections."""
    out: dict[str, Any] = {"retired": retired(resolved), "kind": "", "ways": None}
    release, concept = resolved.release, resolved.concept
    latest = services.store.latest(release.scheme)
    if latest is not release or concept.code not in latest.concepts:
        return out  # an older version: its page is for history, not for choosing
    kind = out["kind"] = kind_of(services.store, release, concept)
    index = intervention_index(services)
    ways: dict[str, Any] = {"search": "/?" + urlencode({"q": concept.label(),
                                                        "type": "indsats"})}
    if release.scheme == "icf" and kind == ICF:
        answer = index.for_icf(concept.code)
        ways.update(title="Indsatser til koden", icf=answer,
                    shown={**answer, "results": answer["results"][:ICF_SHOWN]})
    elif kind == MAALGRUPPE:
        ways.update(title="Indsatser til målgruppen",
                    entries=index.for_target_group(release.scheme, concept.code))
    elif kind == TILSTAND:
        answer = index.for_tilstand(release.scheme, concept.code)
        ways.update(title="Indsatser til tilstanden", entries=answer["interventions"],
                    icf_codes=answer["icf"], by_icf=answer["match"] == "icf")
    elif kind == INDSATS and release.scheme != "catalogue":
        ways.update(title="I indsatskataloget",
                    entries=index.for_concept(release.scheme, concept.code)["interventions"])
    else:
        return out
    out["ways"] = ways
    return out
