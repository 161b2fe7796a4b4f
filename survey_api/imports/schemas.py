"""API shapes of a response import."""

from __future__ import annotations

from pydantic import BaseModel


class ImportOut(BaseModel):
    """What an import stored: every row is either new or was imported before."""

    instrument: str
    version: int
    rows: int
    new: int
    already_imported: int
    file_digest: str
