"""Validation of plan and assessment documents against KL's documentation standard."""
