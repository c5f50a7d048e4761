"""Fast JSON responses: orjson-encoded bytes, optionally memoised per immutable key."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response

JSON = "application/json"


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, media_type=JSON)


def cached_json(cache: dict, key: Any, build: Any) -> Response:
    """Serve `build()` encoded once per key; releases never change, so neither does it."""
    data = cache.get(key)
    if data is None:
        data = orjson.dumps(build())
        cache[key] = data
    return Response(data, media_type=JSON)
