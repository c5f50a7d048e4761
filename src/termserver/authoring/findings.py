"""What a check of a draft reports: findings with a stable rule id, a severity and a
Danish message that names the concept and says how to fix it.

Integrity rules and SHACL shapes report in this one shape, so the API, the CLI and the
stored check runs treat them alike. Errors block submitting and publishing; warnings are
shown and do not block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Concept

ERROR = "error"
WARNING = "warning"


@dataclass(slots=True)
class Finding:
    """One problem with the draft, about one concept (`code`; None for the scheme)."""

    rule: str
    """Stable id: `broader-cycle`, `mapping-target-missing`, `shacl-pref-label`, …"""
    severity: str
    code: str | None
    message: str
    source: str = "integrity"
    """`integrity` (a rule of termserver's) or `shacl` (a shape in shapes.ttl)."""
    related: tuple[str, ...] = ()
    """Other concepts of the draft the finding is about (the other end of a cycle, a
    duplicate, a parent)."""
    inherited: bool = False
    """The base release has the same problem already (or the draft changed none of the
    concepts involved), so it is reported as a warning and does not block the draft."""
    extra: dict[str, Any] = field(default_factory=dict)

    def involves(self) -> set[str]:
        return {c for c in (self.code, *self.related) if c is not None}

    def key(self) -> tuple[object, ...]:
        """What makes two findings the same problem, whatever the labels in the message
        say: the rule, the concepts and the value at fault."""
        return (self.rule, self.code, tuple(sorted(self.related)), self.extra.get("target"),
                self.extra.get("value"))

    def body(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "code": self.code,
                "message": self.message, "source": self.source, "related": list(self.related),
                "inherited": self.inherited, **self.extra}


def named(code: str, concept: Concept | None) -> str:
    """«code» (label), as messages name a concept."""
    if concept is None:
        return f"«{code}»"
    label = concept.label()
    return f"«{code}» ({label})" if label and label != code else f"«{code}»"


def attribute(findings: list[Finding], changed: set[str],
              known: set[tuple[object, ...]]) -> list[Finding]:
    """Mark as inherited warnings the findings its base release has too (`known`: their
    keys) and those that involve no concept the draft changed.

    A draft answers for what it introduces: a problem its base release already had (an old
    cycle in an official scheme, two entries that share a label, a mapping whose target
    another publisher withdrew) is shown, but does not stop the draft."""
    for finding in findings:
        if finding.key() in known or (finding.involves() and not finding.involves() & changed):
            finding.inherited = True
            if finding.severity == ERROR:
                finding.severity = WARNING
                finding.message += " (Fejlen findes allerede i grundudgaven.)"
    return findings
