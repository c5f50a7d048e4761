"""The rule matrix (docs/validators.md), generated from the rule registry and the standards."""

from __future__ import annotations

from .model import Include
from .standard import DOCUMENT_TYPES, PROFILES, RULES, VALUE_SETS

_INTRO = """\
Generated from `src/validators/standard.py` and `src/validators/standards/*.py` by
`scripts/gen-docs`; `tests/test_validate.py` keeps it in step with the registry, and
`tests/test_validate_standard.py` checks every declared value set against KL's published
ValueSets and every declared profile constraint against KL's StructureDefinitions.

## Report

`{valid, document_type, standard, terminology_versions, issues: [{severity, rule, path,
message}]}`; `valid` is false exactly when an issue has severity `error`. Messages are in
Danish. The same report is available as a FHIR OperationOutcome (`POST /fhir/$validate`):
each issue carries the rule id as `details.coding[0].code` (system
`https://data.termserver.dk/def/rules`) and the path in `expression`.

Paths are FHIRPath-style locations with list indexes: in a Bundle
`Bundle.entry[3].resource.severity.coding[0].code`; a single resource starts at its type
(`Condition.code.coding[0].code`); bundles of bundles continue inside the inner Bundle
(`Bundle.entry[0].resource.entry[2].resource…`). Findings about the whole document use
`(dokument)`; unreadable input names the line (`(linje 3, kolonne 7)`).

## Layers

1. syntax: UTF-8 (BOM tolerated), JSON or XML (DOCTYPE/entities refused), size and depth;
2. structure: FHIR resource types, base cardinalities, and the KL profiles' cardinalities,
   forbidden elements and fixed values (table *Profiles*);
3. Bundle integrity and references (reporting Bundles: every reference resolves inside);
4. terminology against the store: unknown, retired (with the version it left), wrong
   system, unknown version, legacy canonical URLs (warning), displays (warning, compared
   case-insensitively with every historical display), and value-set bindings;
5. business rules of each standard, by their KL invariant id where KL has one.
"""


def _include(include: Include) -> str:
    parts = [f"descendent-of {c}" for c in include.descendent_of]
    parts += [f"is-a {c}" for c in include.is_a]
    if include.codes:
        parts.append(f"{len(include.codes)} codes")
    parts += [f"valueset {n}" for n in include.value_sets]
    return ", ".join(parts)


def markdown() -> str:
    lines = ["# Validation rules", "", _INTRO, "## Rules", "",
             "| rule | severity | clause | what it checks |", "|---|---|---|---|"]
    lines += [f"| `{r.id}` | {r.severity} | {r.clause} | {r.description} |"
              for r in RULES.values()]
    lines += ["", "## Document types", "",
              "Chosen from `meta.profile` (the Bundle's first, then each resource's), or by "
              "the `profile` parameter (`--profile` in the CLI) with one of these ids.", "",
              "| id | document | profiles | standard |", "|---|---|---|---|"]
    lines += [f"| `{d.id}` | {d.title} | `{d.profile_prefix}…` | {d.standard} |"
              for d in DOCUMENT_TYPES]
    lines += ["", "## Profiles", "",
              "| profile | resource | required (min ≥ 1) | forbidden (max 0) | fixed | bindings |",
              "|---|---|---|---|---|---|"]
    for p in PROFILES.values():
        bindings = "; ".join(f"{b.path} → {b.value_set}"
                             + (" (extensible)" if b.strength != "required" else "")
                             for b in p.bindings)
        fixed = ", ".join(f"{k} = {v}" for k, v in p.fixed)
        lines.append(f"| `{p.name}` | {p.resource_type} | {', '.join(p.required)} | "
                     f"{', '.join(p.forbidden)} | {fixed} | {bindings} |")
    lines += ["", "## Value sets", "",
              "`descendent-of` excludes the root; `is-a` includes it.", "",
              "| name | title | system | definition | exclude |", "|---|---|---|---|---|"]
    for vs in VALUE_SETS.values():
        systems = ", ".join(f"`{s}`" for s in sorted(vs.systems)) or "(union)"
        definition = "; ".join(_include(i) for i in vs.include)
        lines.append(f"| {vs.name} | {vs.title} | {systems} | {definition} | "
                     f"{', '.join(vs.exclude)} |")
    return "\n".join(lines) + "\n"
