"""FHIR date comparison as FHIR defines it, for per-1 and the date-consistency rules.

Instants are compared across time zones (a time without a zone may be anywhere from
UTC-14 to UTC+14); values of different precision only as far as both go, so a
`2020-01-01T10:00:00+01:00` is neither before nor after `2020-01-01`. A comparison says
"after" only when the first value is surely later: an unreadable value is never after
anything (struct-date-format reports it).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_DATE_TIME = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})"
                        r":([0-9]{2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?")
"""FHIR's date, dateTime and instant (a time without a zone is let through: common, and
its meaning is clear enough to compare)."""
_NO_ZONE = timedelta(hours=14)
"""A dateTime without a zone may be anywhere from UTC-14 to UTC+14."""

Moment = tuple[tuple[int, ...], datetime | None, bool]
_MOMENTS: dict[str, Moment | None] = {}
_KEPT = 10_000
"""Memo for the date values documents repeat (a report's dates are mostly one day);
bounded, so that invented values cannot grow the process."""


def moment(value: str) -> Moment | None:
    """(the calendar parts as written, the instant when there is a time, whether the time
    has a zone); None when the value is no FHIR date/dateTime or no real date."""
    if value in _MOMENTS:
        return _MOMENTS[value]
    found = _moment(value)
    if len(_MOMENTS) < _KEPT and len(value) <= 40:
        _MOMENTS[value] = found
    return found


def _moment(value: str) -> Moment | None:
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    parts = tuple(int(p) for p in (year, month, day) if p is not None)
    if not parts[0]:
        return None  # there is no year 0000
    try:
        if len(parts) > 1:
            date(*parts, *(1,) * (3 - len(parts)))  # a real month and day
        if hour is None:
            return parts, None, False
        leap = second == "60"  # a leap second is a valid FHIR time
        instant = datetime(*parts, int(hour), int(minute), 59 if leap else int(second),
                           int((fraction or "0")[:6].ljust(6, "0")))
        if zone:
            hours, minutes = (0, 0) if zone == "Z" else (int(zone[1:3]), int(zone[4:6]))
            if hours > 14 or minutes > 59 or (hours == 14 and minutes):
                return None
            instant -= (1 if zone[0] == "+" else -1) * timedelta(hours=hours, minutes=minutes)
    except (ValueError, OverflowError):
        return None
    return parts, instant, bool(zone)


def after(first: str, second: str) -> bool:
    """Whether `first` is surely later than `second` (per-1: a start after its end)."""
    one, two = moment(first), moment(second)
    if one is None or two is None:
        return False
    if one[1] is not None and two[1] is not None:
        if one[2] == two[2]:
            return one[1] > two[1]
        earliest = one[1] if one[2] else one[1] - _NO_ZONE
        latest = two[1] if two[2] else two[1] + _NO_ZONE
        return earliest > latest
    common = min(len(one[0]), len(two[0]))
    return one[0][:common] > two[0][:common]


def day_of(value: object) -> date | None:
    """The calendar day a FHIR date/dateTime/instant names, as written (a timestamp's own
    day, not converted to another zone; a year or month alone counts from its first day)."""
    if type(value) is not str:
        return None
    found = moment(value)
    if found is None:
        return None
    parts = found[0]
    return date(*parts, *(1,) * (3 - len(parts)))


def document_date(document: dict) -> str | None:
    """A document's own date as written: a Bundle's timestamp (the report's date); else
    the period start of the document's Encounter (the document itself, or the first in
    the Bundle); else None. Only a value that reads as a FHIR date counts."""
    if document.get("resourceType") == "Bundle":
        stamp = document.get("timestamp")
        if type(stamp) is str and moment(stamp) is not None:
            return stamp
        items = document.get("entry")
        resources = [i.get("resource") for i in items if type(i) is dict] if type(
            items) is list else []
    else:
        resources = [document]
    for resource in resources:
        if type(resource) is dict and resource.get("resourceType") == "Encounter":
            period = resource.get("period")
            start = period.get("start") if type(period) is dict else None
            if type(start) is str and moment(start) is not None:
                return start
    return None


def document_day(document: dict) -> date | None:
    """The day of `document_date`: it decides the terminology releases the document is
    checked against."""
    return day_of(document_date(document))


def sort_key(value: str | None) -> tuple:
    """A key that orders FHIR dates in time (instants in UTC, a time without a zone as if
    UTC, a date at its start); what is no date sorts after every date."""
    found = moment(value) if type(value) is str else None
    if found is None:
        return (1, datetime.min)
    parts, instant, _ = found
    return (0, instant if instant is not None else datetime(*parts, *(1,) * (3 - len(parts))))


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def requested_day(text: str | None) -> date | str | None:
    """The `?date=` / `--date` choice: None (the document's own date), `latest` (the latest
    releases), or a day written YYYY-MM-DD. Raises ValueError saying what is accepted."""
    if text is None:
        return None
    text = text.strip()
    if text == "latest":
        return "latest"
    if _DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"date must be a day written YYYY-MM-DD (e.g. 2024-05-30) or 'latest'; "
                     f"got {text[:40]!r}")
