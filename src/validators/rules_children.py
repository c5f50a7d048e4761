"""Sundhedspleje (kl-children 2.1.0) business rules, written from their meaning.

The report rules ask: when the report holds a visit of a given type delivered face to
face, does it also hold the observation that visit must record? A report is one delivery
Bundle; an incremental delivery is judged per inner delivery report.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .context import Context, Entry, all_codings, by_bundle, lst, obj
from .report import shown
from .standards.children import (
    ENCOUNTER_NAMES,
    FACE_TO_FACE,
    MEASUREMENTS,
    OBSERVATION_PROFILES,
    REPORT_RULES,
    VALUE_REQUIRED,
)

_MEASUREMENTS = frozenset(MEASUREMENTS)
_VALUE_REQUIRED = frozenset(VALUE_REQUIRED)
_OBSERVATION_PROFILES = frozenset(OBSERVATION_PROFILES)
_MAX_ANSWER = 30


def check(ctx: Context) -> None:
    for entry in ctx.of("Observation"):
        if entry.profiles & _MEASUREMENTS:
            _one_decimal(ctx, entry)
        if entry.profiles & _VALUE_REQUIRED:
            _value_or_reason(ctx, entry)
    for entry in ctx.of("QuestionnaireResponse", "klgateway-children-questionnaire-response"):
        _answers(ctx, f"{entry.path}.item", lst(entry.resource.get("item")))
    for members in _reports(ctx.entries):
        _report(ctx, members)


def decimals(value: object) -> int | None:
    """Digits after the decimal point as the document writes the number: XML keeps them
    (`3.50` has two), JSON numbers arrive as floats, whose shortest form is counted
    (`3.50` and `3.5` are the same float, one decimal)."""
    if type(value) is int:
        return 0
    if type(value) is float:
        text = repr(value)
    elif type(value) is str:
        text = value.strip()
    else:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    exponent = number.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else None


def _one_decimal(ctx: Context, entry: Entry) -> None:
    quantity = entry.resource.get("valueQuantity")
    if type(quantity) is not dict:
        return
    value = quantity.get("value")
    places = decimals(value)
    if places is not None and places > 1:
        ctx.add("obs-1", f"{entry.path}.valueQuantity.value",
                f"Målingen {shown(value)} har {places} decimaler; angiv den med højst én "
                "decimal (fx 53.5).")


def _has_value(resource: dict) -> bool:
    return any(key.startswith("value") and len(key) > 5 and key[5].isupper()
               and value not in (None, "", [], {}) for key, value in resource.items())


def _value_or_reason(ctx: Context, entry: Entry) -> None:
    resource = entry.resource
    if not _has_value(resource) and resource.get("dataAbsentReason") in (None, "", [], {}):
        ctx.add("obs-2", f"{entry.path}.value",
                "Observationen har ingen værdi; angiv værdien, eller forklar i "
                "dataAbsentReason, hvorfor den mangler.")


def _answers(ctx: Context, where: str, items: list) -> None:
    for index, item in enumerate(items):
        if type(item) is not dict:
            continue
        for number, answer in enumerate(lst(item.get("answer"))):
            text = obj(answer).get("valueString")
            if type(text) is str and not 1 <= len(text) <= _MAX_ANSWER:
                ctx.add("questionnaire-response-string-length",
                        f"{where}[{index}].answer[{number}].valueString",
                        f"Tekstsvaret er {len(text)} tegn langt; det skal være 1-{_MAX_ANSWER} "
                        "tegn.")
        _answers(ctx, f"{where}[{index}].item", lst(item.get("item")))


def _reports(entries: list[Entry]) -> list[list[Entry]]:
    """The resources of each delivery report, leaving out Bundles that only hold Bundles
    (an incremental delivery)."""
    return [members for members in by_bundle(entries).values()
            if any(m.kind != "Bundle" for m in members)]


def _text(value: object) -> str:
    return value if type(value) is str else ""


def _type_codes(encounter: dict) -> set[str]:
    return {c["code"] for concept in lst(encounter.get("type")) for c in all_codings(concept)}


def _report(ctx: Context, members: list[Entry]) -> None:
    observed: set[str] = set()
    for entry in members:
        if entry.kind != "Observation":
            continue
        observed.update(c["code"] for c in all_codings(entry.resource.get("code")))
        if not entry.profiles & _OBSERVATION_PROFILES:
            ctx.add("gateway-children-report-1", f"{entry.path}.meta.profile",
                    "Observationen angiver ingen af guidens observationsprofiler (fx "
                    "klgateway-children-bodyweight eller klgateway-children-sleep).")
    visits = [(e, _type_codes(e.resource)) for e in members if e.kind == "Encounter"
              and _text(obj(e.resource.get("class")).get("code")) in FACE_TO_FACE]
    for rule in REPORT_RULES:
        if observed.intersection(rule.codes):
            continue
        for entry, types in visits:
            kind = next((t for t in rule.encounters if t in types), None)
            if kind is None:
                continue
            ctx.add(rule.id, f"{entry.path}.type",
                    f"Kontakten »{ENCOUNTER_NAMES[kind]}« fandt sted med fremmøde, men "
                    f"rapporten indeholder ingen observation af {rule.label} (kode "
                    f"{' eller '.join(rule.codes)}).")
            break
