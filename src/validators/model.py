"""The shapes in which the standard is declared: rules, value sets, bindings, profiles.

Kept apart from the declarations themselves (validators/standards/*) so that each
standard version is one data module and the engine reads them all the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Rule:
    """One check with a stable id (KL's invariant id where KL has one)."""

    id: str
    severity: str
    clause: str
    description: str


@dataclass(frozen=True, slots=True)
class Include:
    """One `compose.include` in the standard's own semantics.

    `descendent_of`: every descendant, the root itself excluded; `is_a`: the root and its
    descendants; `codes`: enumerated codes; `value_sets`: other declared value sets.
    """

    system: str = ""
    descendent_of: tuple[str, ...] = ()
    is_a: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    value_sets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ValueSet:
    name: str
    include: tuple[Include, ...]
    exclude: tuple[str, ...] = ()
    title: str = ""
    unchecked_systems: tuple[str, ...] = ()
    """Systems the value set also draws on that are not ours to expand (SNOMED CT, NPU):
    their codings are accepted as they are."""

    @property
    def systems(self) -> frozenset[str]:
        return frozenset(i.system for i in self.include if i.system)


@dataclass(frozen=True, slots=True)
class Binding:
    """`path` (FHIRPath-like, `[x]` for choice types) must hold a code from `value_set`.

    required → error `term-valueset`; extensible → warning `term-valueset-extensible`.
    """

    path: str
    value_set: str
    strength: str = "required"
    judged: str = field(init=False, compare=False)
    """Where the code is judged. KL binds some slices on `….coding`: judged on the
    CodeableConcept, where other slices (local codes, SNOMED CT) may sit beside the KL
    coding; a binding on a Quantity's unit (`value[x].code`) is judged on the Quantity,
    whose `system` belongs with the code."""

    def __post_init__(self) -> None:
        judged = (self.path.removesuffix(".code") if self.path.endswith("[x].code")
                  else self.path.removesuffix(".coding"))
        object.__setattr__(self, "judged", judged)


@dataclass(frozen=True, slots=True)
class Profile:
    """What one KL profile demands, written from its StructureDefinition (differential).

    `required`: paths with min ≥ 1 (a child is required in every present parent);
    `forbidden`: paths with max = 0 that carry meaning (free text, unsupported elements);
    `fixed`: primitive paths with a fixed or pattern value; `codings`: pattern codings.
    """

    name: str
    resource_type: str
    required: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    fixed: tuple[tuple[str, str], ...] = ()
    bindings: tuple[Binding, ...] = ()
    codings: tuple[tuple[str, str, str], ...] = ()
    """(path, system, code): the CodeableConcept or Coding at path must carry this coding
    (KL's patternCoding/patternCodeableConcept "type markers", note §8)."""
    closed: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    """(path, discriminator, allowed): a closed slicing. The items at path (`extension`,
    `code.coding`) may only be the profile's slices: an extension whose `url` ends in one
    of `allowed`, a coding whose `system` is one of `allowed`."""
    base: str = ""
    """A declared profile this one is derived from (KL's indicator observations derive from
    one common profile): a resource declaring this profile is held to the base's
    constraints too, as FHIR's snapshot would be."""


@dataclass(frozen=True, slots=True)
class DocumentType:
    """A document type: the profile family a document declares, and its standard version."""

    id: str
    title: str
    profile_prefix: str
    standard: str
    bundled_references: bool
    rule_sets: tuple[str, ...] = field(default=())
    report_profiles: tuple[str, ...] = field(default=())
    """For delivery reports: the profile names allowed for entries (empty: no check)."""
    unprofiled_kinds: tuple[str, ...] = field(default=())
    """Resource types a report admits without one of `report_profiles`, because a rule of
    the standard judges them instead (kl-children: gateway-children-report-1 for
    Observations)."""
