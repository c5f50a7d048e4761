"""Validation of plan and assessment documents against KL's documentation standard."""

from .engine import Validator
from .report import Finding, Report
from .standard import DOCUMENT_TYPES, RULES

__all__ = ["DOCUMENT_TYPES", "RULES", "Finding", "Report", "Validator", "validator_for"]


def validator_for(services) -> Validator:
    """The validator for this process's store, built on first use (value sets expanded)."""
    validator = services.cache.get("validator")
    if validator is None:
        validator = services.cache["validator"] = Validator(services.store)
    return validator
