"""Validation of plan and assessment documents against KL's documentation standard."""

from .engine import Validator
from .report import Finding, Report
from .standard import DOCUMENT_TYPES, RULES

__all__ = ["DOCUMENT_TYPES", "RULES", "Finding", "Report", "Validator", "validator_for"]


def validator_for(services) -> Validator:
    """The validator for this process's store, built on first use (value sets expanded)."""
    key = ("validator", id(services.store))  # a new store (after an import) gets its own
    validator = services.cache.get(key)
    if validator is None:
        validator = services.cache[key] = Validator(services.store)
    return validator
