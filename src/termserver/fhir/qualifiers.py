"""ICF codes with a qualifier (`d450.2`, `e310+2`) in `$lookup` and `$validate-code`.

Caseworkers record ICF with a qualifier: how much of a problem (`.2`, moderate), or for
environmental factors a barrier (`.2`) or facilitator (`+2`). `/api/v1` reads such a code
with `interventions.parse_icf`; the FHIR operations use the same reading. A qualified code
is valid where its category is: the operation runs on the category (`d450`), and the
answer names the code as sent and the qualifier with its meaning from WHO's qualifier
scales (`icf-qualifiers`, `Q_Performance.2`) when those are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import BadRequest
from ..interventions import parse_icf
from ..model import Release
from . import operations
from .context import Context
from .outcome import FhirError
from .params import Params

ICF_SCHEMES = ("icf",)
QUALIFIER_SCHEME = "icf-qualifiers"
FIRST_SCALE = {"b": "Q_Extent_of_Impairment", "s": "Q_Extent_of_Impairment",
               "d": "Q_Performance", "e": "Q_Barrier_or_Facilitator"}
"""The scale of the first qualifier, by ICF component (for activities and participation
the first qualifier is performance)."""


@dataclass
class Qualified:
    sent: str
    """The code as the request gave it (`d450.2`)."""
    code: str
    """The ICF category it qualifies (`d450`)."""
    qualifier: str
    """`.2`, `+2`."""


def _is_icf(context: Context, system: Any) -> bool:
    if not isinstance(system, str) or not system:
        return False
    release = context.code_system(system)
    return release is not None and release.scheme in ICF_SCHEMES


def _split(context: Context, system: Any, code: Any) -> Qualified | str | None:
    """The qualified code's parts, None when there is nothing to split, or why the
    qualifier is wrong (parse_icf's message)."""
    if not isinstance(code, str) or not any(ch in code for ch in ".+") \
            or not _is_icf(context, system):
        return None
    release = context.code_system(system)
    if release is None or code in release.concepts:
        return None
    try:
        query = parse_icf(code)
    except BadRequest as exc:
        return exc.message
    if not query.qualifier or query.code not in release.concepts:
        return None
    return Qualified(code, query.code, query.qualifier)


def unqualify(context: Context, params: Params) -> tuple[list[Qualified], list[str]]:
    """Replace qualified ICF codes in the request by their category, in place; what was
    replaced, and the explanations for qualifiers that are not ICF's."""
    found: list[Qualified] = []
    problems: list[str] = []

    def take(system: Any, code: Any) -> str | None:
        split = _split(context, system, code)
        if isinstance(split, Qualified):
            found.append(split)
            return split.code
        if isinstance(split, str):
            problems.append(split)
        return None

    system = params.get("system") or params.get("url")
    plain = take(system, params.get("code"))
    if plain is not None:
        params.values["code"] = [plain]
    for name in ("coding",):
        coding = params.get(name)
        if isinstance(coding, dict):
            plain = take(coding.get("system"), coding.get("code"))
            if plain is not None:
                params.values[name] = [{**coding, "code": plain}]
    concept = params.get("codeableConcept")
    if isinstance(concept, dict) and isinstance(concept.get("coding"), list):
        codings = []
        for coding in concept["coding"]:
            plain = take(coding.get("system"), coding.get("code")) \
                if isinstance(coding, dict) else None
            codings.append({**coding, "code": plain} if plain is not None else coding)
        params.values["codeableConcept"] = [{**concept, "coding": codings}]
    return found, problems


def meaning(context: Context, qualified: Qualified) -> dict[str, Any] | None:
    """The first qualifier as a coding of WHO's qualifier scales, when they are loaded."""
    store = context.store
    if QUALIFIER_SCHEME not in store.schemes():
        return None
    scales: Release = store.latest(QUALIFIER_SCHEME)
    scale = FIRST_SCALE.get(qualified.code[:1])
    if scale is None or len(qualified.qualifier) < 2:
        return None
    value = qualified.qualifier[1]
    code = f"{scale}.plus-{value}" if qualified.qualifier.startswith("+") \
        else f"{scale}.{value}"
    concept = scales.concepts.get(code)
    if concept is None:
        return None
    return {"system": scales.info.uri, "code": code, "display": concept.label()}


def annotate(context: Context, answer: dict[str, Any], found: list[Qualified],
             problems: list[str], *, lookup: bool, params: Params | None = None
             ) -> dict[str, Any]:
    """Put the codes as sent back into the answer, with the qualifier (and its meaning)
    as properties of `$lookup` unless `property` asks for others; a wrong qualifier's
    explanation goes into the message."""
    parameters = answer.get("parameter")
    if not isinstance(parameters, list):
        return answer
    by_code = {q.code: q for q in found}
    for parameter in parameters:
        if parameter.get("name") == "code" and parameter.get("valueCode") in by_code:
            parameter["valueCode"] = by_code[parameter["valueCode"]].sent
    wanted = {str(p) for p in params.all("property")} if params is not None else set()
    if lookup and (not wanted or "*" in wanted or wanted & {"qualifier", "qualifier-meaning"}):
        for qualified in found:
            parts = [{"name": "code", "valueCode": "qualifier"},
                     {"name": "value", "valueString": qualified.qualifier}]
            parameters.append({"name": "property", "part": parts})
            coding = meaning(context, qualified)
            if coding is not None:
                parameters.append({"name": "property", "part": [
                    {"name": "code", "valueCode": "qualifier-meaning"},
                    {"name": "value", "valueCoding": coding}]})
    if problems:
        message = next((p for p in parameters if p.get("name") == "message"), None)
        text = " ".join(problems)
        if message is None:
            parameters.append({"name": "message", "valueString": text})
        else:
            message["valueString"] = f"{message['valueString']}; {text}"
    return answer


def lookup(context: Context, params: Params) -> dict[str, Any]:
    """`$lookup` that reads `d450.2` as d450 with qualifier .2."""
    found, problems = unqualify(context, params)
    if problems:
        raise FhirError(" ".join(problems), issue_code="code-invalid")
    return annotate(context, operations.lookup(context, params), found, [], lookup=True,
                    params=params)


def validate_code(context: Context, params: Params, *, value_set: bool) -> dict[str, Any]:
    """`$validate-code` that finds `d450.2` valid where d450 is."""
    found, problems = unqualify(context, params)
    answer = operations.validate_code(context, params, value_set=value_set)
    return annotate(context, answer, found, problems, lookup=False)
