"""The rule matrix (docs/validators.md), generated from the rule registry."""

from __future__ import annotations

from .standard import DOCUMENT_TYPES, RULES, VALUE_SETS


def markdown() -> str:
    lines = [
        "# Validation rules",
        "",
        "Generated from `src/validators/standard.py` by `scripts/gen-docs`; "
        "`tests/test_validate.py` keeps it in step. Paths in findings are FHIRPath-style: "
        "`Bundle.entry[3].resource.severity` (single resources start at their type).",
        "",
        "| rule | severity | clause | what it checks |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{r.id}` | {r.severity} | {r.clause} | {r.description} |"
              for r in RULES.values()]
    lines += ["", "## Document types", "", "| id | document | profiles | standard |",
              "|---|---|---|---|"]
    lines += [f"| `{d.id}` | {d.title} | `{d.profile_prefix}…` | {d.standard} |"
              for d in DOCUMENT_TYPES]
    lines += ["", "## Value sets", "", "| name | system | definition |", "|---|---|---|"]
    for vs in VALUE_SETS.values():
        parts = [f"descendent-of {c}" for c in vs.descendent_of] + list(vs.codes)
        lines.append(f"| {vs.name} | `{vs.system}` | {', '.join(parts)} |")
    return "\n".join(lines) + "\n"
