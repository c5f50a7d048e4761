"""The reference server for the HTTP benchmark: FastAPI returning a fixed small JSON.

Run with the same uvicorn settings as `termserver serve` (one worker, warnings only,
no access log), so the ratio measures our lookup path and nothing else.
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/fixed")
async def fixed() -> dict[str, str]:
    return {"code": "d450", "label": "Walking", "scheme": "icf"}
