"""HTTP interfaces: JSON API under /api/v1, Linked Data, SPARQL, FHIR, web pages."""

from .app import create_app

__all__ = ["create_app"]
