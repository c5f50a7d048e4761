"""A request's parameters in one shape, whether sent as a query string or a `Parameters`.

FHIR operations take the same parameters by GET (`?code=x&system=y`) and by POST (a
`Parameters` resource whose entries carry `valueCode`, `valueCoding`, `resource`…).
`Params` holds both as name → values, with JSON values kept as they came.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .outcome import FhirError


@dataclass
class Params:
    values: dict[str, list[Any]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    """The `value[x]` key each parameter came with (`valueCode`…), to echo it the same way."""

    @classmethod
    def from_query(cls, items: Iterable[tuple[str, str]]) -> Params:
        params = cls()
        for name, value in items:
            if not name.startswith("_"):
                params.values.setdefault(name, []).append(value)
        return params

    @classmethod
    def from_resource(cls, body: Any) -> Params:
        if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
            kind = body.get("resourceType") if isinstance(body, dict) else type(body).__name__
            raise FhirError(f"The request body must be a FHIR Parameters resource, not "
                            f"{kind!r}.", issue_code="invalid")
        params = cls()
        for index, entry in enumerate(body.get("parameter") or []):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise FhirError(f"Parameters.parameter[{index}] has no name.")
            value = entry.get("resource")
            if value is None:
                kind, value = next(((k, v) for k, v in entry.items() if k.startswith("value")),
                                   ("", None))
                if kind:
                    params.kinds.setdefault(entry["name"], kind)
            if value is not None:
                params.values.setdefault(entry["name"], []).append(value)
        return params

    def default(self, name: str, kind: str, value: Any) -> None:
        """Set `name` unless the request gave it (a value set's own expansion parameters)."""
        if name not in self.values:
            self.values[name] = [value]
            self.kinds[name] = kind

    def get(self, name: str) -> Any:
        found = self.values.get(name)
        return found[0] if found else None

    def all(self, name: str) -> list[Any]:
        return self.values.get(name, [])

    def text(self, name: str) -> str | None:
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, (str, int, float)):
            raise FhirError(f"Parameter {name!r} must be a simple value.")
        return str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise FhirError(f"Parameter {name!r} must be true or false, not {value!r}.")

    def number(self, name: str) -> int | None:
        value = self.get(name)
        if value is None:
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise FhirError(f"Parameter {name!r} must be a whole number, not {value!r}.") \
                from None
        if number < 0:
            raise FhirError(f"Parameter {name!r} must not be negative.")
        return number

    def echo(self, only: tuple[str, ...]) -> list[dict[str, Any]]:
        """The parameters named in `only` as sent, for `ValueSet.expansion.parameter`."""
        out = []
        for name, values in self.values.items():
            if name not in only:
                continue
            for value in values:
                value = _typed(name, value)
                kind = self.kinds.get(name) or _QUERY_KINDS.get(name) or _value_key(value)
                out.append({"name": name, kind: value})
        return out


_INTEGERS = {"count", "offset"}
_QUERY_KINDS = {"displayLanguage": "valueCode", "system-version": "valueUri",
                "force-system-version": "valueUri", "check-system-version": "valueUri",
                "valueSetVersion": "valueString"}


def _typed(name: str, value: Any) -> Any:
    """A query-string value as the type FHIR gives the parameter (`count=2` is an integer)."""
    if not isinstance(value, str):
        return value
    if value in ("true", "false"):
        return value == "true"
    if name in _INTEGERS and value.isdigit():
        return int(value)
    return value


def _value_key(value: Any) -> str:
    if isinstance(value, bool):
        return "valueBoolean"
    if isinstance(value, int):
        return "valueInteger"
    if isinstance(value, dict):
        return "valueCoding" if "code" in value else "valueCodeableConcept"
    return "valueString"
