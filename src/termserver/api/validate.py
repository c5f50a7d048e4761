"""Routes for validate (owned by its issue; placeholder until then)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["validate"])
