"""Web page routes (placeholder until the caseworker page issue)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
