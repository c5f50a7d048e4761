"""The rule matrix (docs/validators.md), generated from the rule registry and the standards."""

from __future__ import annotations

from .model import Include
from .rules_course import RULES as COURSE_RULES
from .standard import DOCUMENT_TYPES, PROFILES, RULES, VALUE_SETS

_INTRO = """\
Generated from `src/validators/standard.py` and `src/validators/standards/*.py` by
`scripts/gen-docs`; `tests/test_validate.py` keeps it in step with the registry, and
`tests/test_validate_standard.py` checks every declared value set against KL's published
ValueSets and every declared profile constraint against KL's StructureDefinitions.

## Report

`{valid, document_type, standard, terminology_versions, terminology_date, issues:
[{severity, rule, path, message}]}`; `valid` is false exactly when an issue has severity
`error`. Messages are in
Danish. The shape is in the contract (docs/openapi.json: `ValidationReportOut`,
`OperationOutcomeOut`), so domain systems can generate their clients from it. The same
report is available as a FHIR OperationOutcome (`POST /fhir/$validate`): each issue
carries the rule id as `details.coding[0].code` (system
`https://data.termserver.dk/def/rules`) and the path in `expression` (FHIRPath paths
only; an unreadable document's line and column go into FHIR's
`operationoutcome-issue-line`/`-col` extensions).

Paths are FHIRPath-style locations with list indexes: in a Bundle
`Bundle.entry[3].resource.severity.coding[0].code`; a single resource starts at its type
(`Condition.code.coding[0].code`); bundles of bundles continue inside the inner Bundle
(`Bundle.entry[0].resource.entry[2].resource…`); a missing choice element is named
without `[x]` (`Observation.value`); a key that is no FHIRPath identifier is delimited
(`` Condition.code.`weird key`.code ``), and a resource whose `resourceType` is missing or
junk is `Resource`. Findings about the whole document use `(dokument)`; unreadable input
names the line (`(linje 3, kolonne 7)`). Values the document carries are echoed shortened
(a message stays under 1,000 characters).

## Layers

1. syntax: UTF-8 (BOM tolerated; XML is read as UTF-8 whatever its declaration says), JSON
   (RFC 8259: `NaN`, `Infinity` and lone surrogate escapes refused) or XML (DOCTYPE/entities
   refused), size and depth; parser errors are told in Danish with line and column;
2. structure: FHIR resource types, base cardinalities, date/dateTime/instant formats (a
   real date; a time without a zone is let through), and the KL profiles' cardinalities,
   forbidden elements, fixed values and closed slicings (only the profile's own
   extensions or code systems; table *Profiles*); a profile derived from another
   (kl-children's indicators) is held to both;
3. Bundle integrity and references (reporting Bundles: every reference resolves inside);
   resources contained in another are checked like the rest (codes, references, dates,
   the profiles they declare), but are no entries of a report;
4. terminology against the store: unknown, retired (with the version it left), wrong
   system, unknown version, legacy canonical URLs (warning), displays (warning, compared
   with every historical display, ignoring case and whitespace), and value-set bindings
   (codes from systems outside the store, such as HL7's v3 encounter classes or UCUM
   units, are judged against the codes the value set lists);
5. business rules of each standard, by their KL invariant id where KL has one, written
   from the rule's meaning: KL's rank invariants compare a string and look for the wrong
   extension URL (note §7.1), the citizen-observation invariant only knows the letter
   codes; here ranks are integers under any ConditionRank canonical and UUID codes count.
   The children's report rules follow their text where KL's FHIRPath says otherwise: the
   motor-function rule looks for the motor code (KL's looks for sleep), communication is
   not required at »Andet besøg inden første måned« (KL's expression adds that visit, its
   text does not), parent relationship is required at the 8-11 months visit (its text
   names it, KL's expression leaves it out). Each correction is named in the rule's
   clause.
6. consistency of the document's own dates, for every document type (`date-*`): a
   tilstand's last assessment not before its recording, a follow-up (an Observation, or
   the planned Encounter a tilstand or indsats points to) not before what it follows,
   a goal's start and due dates inside the period of the plan that refers to it, and
   nothing that has happened (recorded, assessed, observed, created, a visit begun) after
   the day of the report's own timestamp. Planned dates (a follow-up visit, a plan's
   end) may lie ahead.

Terminology is answered by our own store, expanded once per validator (and per choice of
releases) into sets. A coding's own `version` is honoured; otherwise codes are checked
against the releases *in force on the document's date*:

* The document's date is its `Bundle.timestamp` (the report's date, the day as written),
  else the period start of its Encounter (the document itself, or the first in a Bundle
  without a timestamp). `?date=YYYY-MM-DD` (HTTP) or `--date` (CLI) overrides it;
  `?date=latest` / `--date latest` checks against the latest releases, as a document
  without any date is.
* The release of a code system in force on a day is the newest one issued on or before
  that day: its release date is `ReleaseInfo.issued` (FHIR `CodeSystem.date`, SKOS
  `dcterms:issued`; a year or month alone counts from its first day), else its version
  read as a date when it begins with one (`20240530`, `20240530~4c6bc7f` → 2024-05-30).
  Among releases of the same day the later version wins. A release is in force from its
  own day until the next one's.
* A code system of which no release held is dated on or before the day (its history in
  the data directory begins later, or its releases carry no date) is answered by its
  latest release: nothing held tells what was in force then.
* A code missing from the release in force is `term-retired-code` when an earlier release
  had it (naming the last release with it and the one that removed it) and
  `term-not-yet-introduced` when only a later one has it (naming the release that
  brought it). A code retired since the document's date is valid on that date.
* The report's `terminology_versions` names the releases used and `terminology_date` the
  day (or `latest`). Value sets are the standard's own, written for the latest releases:
  a code is in a value set when the latest releases put it there or the release in force
  does (a code retired since is placed by the release in force).

KL's examples are validated the same way: 24 of them are dated before a KL release that
brought codes they use (e.g. kl-gateway reports of February 2021 with FSIII codes of
20230517) and are reported with `term-not-yet-introduced` (tests/validation/manifest.json
names the codes); with `?date=latest` they give what they gave before. Legacy KL-dk 0.7.0
canonicals (`http://kl.dk/fhir/common/caresocial/CodeSystem/…`) are mapped with a
warning. Legacy FSIII codes (letters, `83_stk_…`) are accepted unless the validator runs
with `accept_legacy_fsiii=False` (KL Gateway's post-transition policy).

Periods (per-1) are compared as FHIR compares dates: instants across time zones (a time
without a zone may be anywhere from UTC-14 to UTC+14), and values of different precision
only as far as both go, so `2020-01-01T10:00:00+01:00` to `2020-01-01` is fine.

## Interfaces

* `termserver validate FILE|DIR... [--profile ID] [--date DAY|latest] [--json]`: exit 0
  all valid, 1 any invalid, 2 any unreadable (encoding, syntax, limits, or the file cannot be read).
  `--json` prints the report for one file, or `{"files": [report + "source"], "valid",
  "invalid", "unreadable"}` for several. Directories are searched for `*.json`/`*.xml`;
  from 200 files they are validated in one worker process per core. The progress bar is
  on stderr (several files on a terminal, or 200 and more), never on stdout.
* `POST /api/v1/validate[?profile=ID|URL][&date=DAY|latest]`: the report; `Content-Type`
  decides JSON (`application/fhir+json`, `application/json`) or XML (`application/fhir+xml`,
  `application/xml`); other types 415, bodies over `max_upload_bytes` 413.
* `POST /fhir/$validate[?profile=…][&date=…]`: the OperationOutcome; also accepts a `Parameters`
  resource with the document in `resource` (and optionally `profile`).
* In process: `validators.Validator(store).validate_bytes(data, content_type)` or
  `.validate(dict)`, each with `day=` (a `datetime.date` or `"latest"`).

## A citizen's course

`termserver validate --course DIR|FILE...` and `POST /api/v1/validate/course` validate one
citizen's documents together. The body is a FHIR Bundle (type `collection`) whose every
entry's resource is one document (a report Bundle or a single resource; a Bundle that
declares a KL report profile is one document itself and refused with 400), or the
documents as files in `multipart/form-data` (each file or text field one document, at
most 1,000). `?profile=` and `?date=` (`--profile`, `--date`) apply to every document.

1. Each document is validated on its own, every rule above, against the releases in
   force on its own date.
2. The documents are put in the order of their own dates (`Bundle.timestamp`, else the
   Encounter's start; compared as instants; documents of the same date keep the order
   given; undated ones last).
3. The course rules (table *Course rules*) read them in that order. The same resource
   type and id in a later document is an update of the latest earlier version.

The report: `{valid, citizen, documents: [{source, date, report}], issues: [{severity,
rule, document, path, message}]}` (`CourseReportOut` in docs/openapi.json); `valid` is
false when a document is invalid or a course rule found an error; `citizen` is
`Patient/<id>` of the first document (a CPR number is never echoed); `document` names the
file, or `entry[N] Type/id` in a Bundle of documents, and `path` the place in it. The CLI
prints the documents in course order with their findings, then the course's; `--json`
prints the HTTP body. Exit codes as for single documents.

## Progression (FKO)

`termserver progression PATH... [--icf CODE] [--json] [--html FILE]` and `POST
/api/v1/progression[?icf=CODE][&format=html]` (the body as for a course, with the
documents of any number of citizens) answer what FFB's reporting and Frederiksberg's FKO
exist for: did the citizens' functioning change, and did the interventions help. The
documents are grouped into courses by citizen (the Patient's CPR number, else its id;
documents without a Patient are listed as `unattributed`) and read in date order; they
are not validated here (`validate --course` does that).

* Per tilstand of each citizen (`courses[].tilstande`): every assessment of a Condition
  with a level on FFB's funktionsevneniveau or FSIII's funktionsniveau, dated by its
  conditionLastAssertedDate, else its recordedDate (a later report repeating an
  assessment date restates that assessment). Levels are ordinals, 0 the best: FFB Ingen
  (0), Let (1), Moderat (2), Svært (3), Fuldstændig (4) nedsat funktionsevne; FSIII 0–4
  begrænsninger; »Ikke vurderet« and »Ikke relevant« are no level (the tables are in
  `validators/progression.py`, and a test holds them to the code systems).
* `direction`: the last level against the first, `bedre` (lower), `uændret` or `værre`;
  null with fewer than two levelled assessments.
* `goal`: the latest goal that addresses the tilstand as primary (ConditionRank 1), else
  the latest that addresses it at all, with its target (forventet funktionsevneniveau,
  measure 66959f77) and måltype (measure 90c48f03).
* `goal_met` at the last follow-up: the latest follow-up Observation (712744002) about
  the tilstand (its focus names it, or names no tilstand at all, as FFB's follow-ups of a
  social indsats do); met when the level then (the latest assessment on or before it) is
  at least as good as the target.
* Per intervention (`interventions`, an FFB ydelse or FSIII indsats: a CarePlan's
  `activity.detail.code`): of the citizens who got it, how many got better, stayed,
  got worse or cannot be judged yet (`unknown`) on each tilstand it addresses, and how
  many met their goal. The tilstande an intervention addresses are those of its goals
  (`goal`, `activity.detail.goal`, else those of the plan it is `basedOn`) and its reasons
  (`activity.detail.reasonReference`, `addresses`); when it links none, as in KL's FFB
  reporting examples, the tilstande of every goal of the course (FFB's indsatsmål are the
  goals of the indsatser). A citizen counts once per intervention and tilstand. The
  direction is the course's, not limited to the intervention's period.
* `icf`: the ICF codes our crosswalks (`vocab/crosswalk-*-icf.ttl`) relate each tilstand
  to; `?icf=d450` / `--icf d450` keeps only tilstande related to d450 or a code below it.
* The page (`--html`, `?format=html` or `Accept: text/html`) is Danish, self-contained
  and without JavaScript: per intervention a table with a bar of bedre / uændret / værre
  per tilstand, and for up to 50 citizens a chart per tilstand of its level at each
  assessment against the goal's target (SVG made on the server, the numbers beside it in
  text). The JSON is `ProgressionReportOut` in docs/openapi.json.

## Speed

`bench/bench_validate.py` (data directory with KL's current and earlier publications, so
every document meets the releases in force on its date), 2026-12-02, 2-core Linux VM
shared with other jobs (load average 2–4 during the run): a typical FFB reporting Bundle
(18 resources) 1,731 documents/s median on one core (2,021 best, 2,374 per CPU second;
target ≥ 1,000); a course of 20 documents validated together 43 ms median (28 ms best,
20 ms CPU; target ≤ 50 ms); progression over 1,000 citizens' courses (5,000 documents)
2.8 s in-process with reading the files, 4.0 s via `termserver progression --json DIR`
(target ≤ 10 s).

Limits come from the settings: `max_upload_bytes` (default 10 MB) and `max_xml_depth`
(nesting depth of JSON and XML alike; libxml2 itself stops at 256). A store holding none
of KL's code systems cannot validate: HTTP 503 `terminology_missing`, CLI exit 2.

## Known gaps

* Completeness across a course (note §6.2: every tilstand of an udredning followed up,
  every indsats closed) is not checked: a course given may be a part of the citizen's.
* KL's intentionally invalid `CarePlan-BrunoforloebKostValidationerror` differs from the
  valid one only by its category (Opfølgnings- instead of Interventionsforløb); no rule in
  the guide makes that an error on one resource, so it is reported valid.
* The FFB target group described as another group in KL's FSH (SOURCES.md) carries no
  display in the document, so there is nothing to compare.
* FFinst measurement profiles are not implemented: those documents get the common layers
  only.
* Sundhedspleje: a visit counts as delivered face to face by its class (HH, AMB) alone, as
  KL's rules say, whatever its status; an Observation counts by its declared profile
  (gateway-children-report-1), not by structural conformance. obs-1 counts the decimals
  as the document writes them: XML keeps `3.50`, but a JSON number reaches the validator
  as the float 3.5 (one decimal). The measurement profiles' LOINC slices are not checked
  (their cardinality is dk-core's); the SNOMED CT codes the report rules look for are.
* The messaging guide's own participant roles and guardianship forms are checked (its
  code systems are listed in the standard's data); its consent policy binding is not (it
  names the guardianship code system, a defect, note §7.3), nor the extensible
  relationship binding or the acting municipality (dk-core's codes). A few messaging
  profiles are not declared (tests/test_validate_standard.py lists each with the reason).
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
    lines += ["", "## Course rules", "",
              "Over a citizen's course (`validate --course`, `POST /api/v1/validate/course`); "
              "findings name the document and the path in it.", "",
              "| rule | severity | clause | what it checks |", "|---|---|---|---|"]
    lines += [f"| `{r.id}` | {r.severity} | {r.clause} | {r.description} |"
              for r in COURSE_RULES.values()]
    lines += ["", "## Document types", "",
              "Chosen from `meta.profile` (the Bundle's first, then each resource's), or by "
              "the `profile` parameter (`--profile` in the CLI) with one of these ids.", "",
              "| id | document | profiles | standard |", "|---|---|---|---|"]
    lines += [f"| `{d.id}` | {d.title} | `{d.profile_prefix}…` | {d.standard} |"
              for d in DOCUMENT_TYPES]
    lines += ["", "## Profiles", "",
              "| profile | resource | required (min ≥ 1) | forbidden (max 0) | "
              "fixed, pattern codings, closed slicings | bindings |",
              "|---|---|---|---|---|---|"]
    for p in PROFILES.values():
        bindings = "; ".join(f"{b.path} → {b.value_set}"
                             + (" (extensible)" if b.strength != "required" else "")
                             for b in p.bindings)
        fixed = ", ".join([f"{k} = {v}" for k, v in p.fixed]
                          + [f"{k} ∋ {c}" for k, _, c in p.codings]
                          + [f"{k} closed ({', '.join(a.lstrip('/') for a in allowed)})"
                             for k, _, allowed in p.closed]
                          + ([f"derived from {p.base}"] if p.base else []))
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
