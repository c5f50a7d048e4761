"""The one settings object every entry point builds: CLI, server and tests alike."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_VOCAB_DIR = Path(__file__).resolve().parents[2] / "vocab"


class Settings(BaseSettings):
    """Runtime configuration, read from `TERMSERVER_*` environment variables.

    Every field is documented in docs/settings.md; a test keeps the two in step.
    """

    model_config = SettingsConfigDict(env_prefix="TERMSERVER_", extra="forbid")

    data_dir: Path = Field(
        default=Path("data"),
        description="Directory holding published releases and the search index.",
    )
    vocab_dir: Path = Field(
        default=REPO_VOCAB_DIR,
        description="Our own SKOS sources (catalogue, crosswalks, search words); "
        "`termserver serve` publishes them from here on start.",
    )
    search_backend: str = Field(
        default="tantivy",
        description="Search engine: `tantivy` (default, fast) or `whoosh` (pure Python).",
    )
    host: str = Field(default="127.0.0.1", description="Address `termserver serve` binds to.")
    port: int = Field(default=8000, description="Port `termserver serve` listens on.")
    sparql_timeout: float = Field(
        default=5.0, description="Seconds a SPARQL query may run before it is stopped."
    )
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024,
        description="Largest document accepted for validation (bytes); larger gets HTTP 413.",
    )
    max_xml_depth: int = Field(
        default=256, description="Deepest element nesting accepted in an XML document."
    )
    reload_interval: float = Field(
        default=2.0, ge=0,
        description="Seconds between `termserver serve`'s checks of the data directory for "
        "newly published releases, which it then loads without a restart (0 turns it off).",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the authoring database (users, tokens, roles, audit): "
        "unset means the SQLite file `authoring.sqlite3` in `data_dir`; PostgreSQL as "
        "`postgresql+psycopg://user:password@host:5432/dbname`.",
    )
