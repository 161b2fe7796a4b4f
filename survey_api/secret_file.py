"""The development secret key: one random key kept in a file, shared by every worker and every restart.

Without ``SURVEY_SECRET_KEY`` in development the key lives beside the SQLite database (``survey.db`` →
``survey.secret-key``), or in ``.survey-secret-key`` in the current directory for other databases. The first
process to start writes it (mode 0600) to a file of its own and links it into place: linking is atomic and
fails when the name exists, so workers starting together all read the one key that won, complete.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import make_url

MIN_LENGTH = 32


def key_path(database_url: str) -> Path:
    """Where the development key of ``database_url`` is kept."""
    url = make_url(database_url)
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        return Path(database).with_suffix(".secret-key")
    return Path(".survey-secret-key")


def development_key(path: Path) -> str:
    """The key kept at ``path``, created (random, mode 0600) when there is none yet."""
    if not path.exists():
        temporary = path.with_name(f"{path.name}.{secrets.token_hex(8)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48) + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: its key is the one
        finally:
            temporary.unlink(missing_ok=True)
    key = path.read_text().strip()
    if len(key) < MIN_LENGTH:
        raise ValueError(f"{path} holds no usable secret key: delete it to make a new one, or set SURVEY_SECRET_KEY")
    return key
