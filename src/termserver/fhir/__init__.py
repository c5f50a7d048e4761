"""FHIR R4 terminology over the release store: pure functions from releases to resources.

`params` reads a request's parameters (query string or `Parameters` body) into one shape;
`context` finds code systems and value sets (the store's, and those sent with the request
as `tx-resource`); `operations` answers `$lookup`, `$validate-code`, `$subsumes` and
`$expand`; `capabilities` writes `metadata`; `outcome` turns errors into
`OperationOutcome`s. Nothing here knows about HTTP: `api/fhir.py` is the thin router.
"""
