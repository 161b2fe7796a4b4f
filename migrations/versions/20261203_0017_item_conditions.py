"""item conditions: the shipped "other, please specify" items are asked only after "other"

The shipped instruments now say when an item is asked (``shown_if`` in the instrument document). Their
versions stored before this revision get the conditions of the time (``SHIPPED_CONDITIONS``, a frozen copy:
later edits of the data files never change what this revision did), each added to the stored document only
where the item and the earlier item it looks at exist, the option is among the earlier item's, and the
item has no condition yet (the one change a published version accepts besides 0013's cells: it adds no
question, changes no option, and only stops asking a question nobody should answer). Stored answers stay
as they are: the checks apply to answers arriving from now on. Downgrade leaves the documents as they are.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 15:40:00
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from survey_api.db.types import JSONDocument

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Item → (the earlier item it looks at, the option values that ask it), per instrument.
_HEALTH_HEADER = {"hdr.3.other": ("hdr.3", [5]), "G2.other": ("G2", [6])}
SHIPPED_CONDITIONS: dict[str, dict[str, tuple[str, list[int]]]] = {
    "education-parents": {"P.4.other": ("P.4", [2])},
    "health-inpatient": {**_HEALTH_HEADER, "E7.other": ("E7", [6])},
    "health-outpatient": {**_HEALTH_HEADER, "E5.other": ("E5", [6])},
}

_versions = sa.table(
    "instrument_versions",
    sa.column("id", sa.Integer),
    sa.column("instrument_id", sa.Integer),
    sa.column("content", JSONDocument),
    sa.column("content_hash", sa.String),
)
_instruments = sa.table("instruments", sa.column("id", sa.Integer), sa.column("code", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_versions.c.id, _versions.c.content, _instruments.c.code)
        .join(_instruments, _instruments.c.id == _versions.c.instrument_id)
        .where(_instruments.c.code.in_(SHIPPED_CONDITIONS))
    ).all()
    for version_id, content, code in rows:
        changed = _with_conditions(content, SHIPPED_CONDITIONS[code])
        if changed is not None:
            bind.execute(
                _versions.update()
                .where(_versions.c.id == version_id)
                .values(content=changed, content_hash=_digest(changed))
            )


def downgrade() -> None:
    pass


def _with_conditions(content: dict[str, Any], conditions: dict[str, tuple[str, list[int]]]) -> dict[str, Any] | None:
    """The content with every fitting condition added (a new copy), or None when none fits."""
    scales = content.get("scales", {})
    earlier: dict[str, dict[str, Any]] = {}
    sections = []
    added = False
    for section in content.get("sections", []):
        items = []
        for item in section.get("items", []):
            wanted = conditions.get(item["code"])
            if wanted is not None and "shown_if" not in item and _fits(item, earlier.get(wanted[0]), wanted[1], scales):
                item = {**item, "shown_if": {"item": wanted[0], "any_of": wanted[1]}}
                added = True
            earlier[item["code"]] = item
            items.append(item)
        sections.append({**section, "items": items})
    return {**content, "sections": sections} if added else None


def _fits(item: dict[str, Any], source: dict[str, Any] | None, values: list[int], scales: dict[str, Any]) -> bool:
    if source is None or not set(source.get("hidden_on", [])) <= set(item.get("hidden_on", [])):
        return False
    options = source.get("options") or scales.get(source.get("scale") or "", [])
    return set(values) <= {option["value"] for option in options}


def _digest(content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
