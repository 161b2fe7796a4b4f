"""The demo's map over time: Đắk Nông's districts until 2025-06-30, then the new Lâm Đồng's communes and
wards, with the crosswalk (``data/lam-dong-2025.csv``; its sources and confidence in ``lam-dong-2025.md``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from survey_api.db.models import User
from survey_api.units.importer import ImportSummary, import_csv

DEMO_MAP = Path(__file__).parent / "data" / "lam-dong-2025.csv"


def load_demo_map(session: Session, *, actor: User | None = None, path: Path = DEMO_MAP) -> ImportSummary:
    """Load the demo map (idempotent: a second run changes nothing).

    Meant to run after the demo's 2022 units exist (codes ``dak-nong``, ``gia-nghia``, … as in
    ``survey_api.demo``): they are closed on 2025-06-30 with their successors, and the agencies and schools
    below them move under the successor with the largest share from 2025-07-01. On an empty database it
    creates both maps."""
    return import_csv(session, actor, path.read_bytes(), path.name, move_children=True)
