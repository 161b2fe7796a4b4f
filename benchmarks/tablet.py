"""A volunteer's tablet for the benchmarks: complete SIPAS answers posted to the real server
(`POST /api/v1/responses`) at a district desk that still takes answers, one every few tenths of a second."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import httpx
import numpy as np
from index_data import DISTRICT_POINTS, sipas
from sqlalchemy import select

from survey_api.auth.service import create_user, issue_token
from survey_api.db.engine import make_engine, make_sessionmaker, transaction
from survey_api.db.models import OrgUnit, ServicePoint
from survey_api.instruments.service import document_of


def volunteer(url: str) -> tuple[str, int, str, dict[str, Any]]:
    """A volunteer's token at one demo district's desk, the SIPAS version, the desk, and a complete answer."""
    factory = make_sessionmaker(make_engine(url))
    with transaction(factory) as session:
        version = sipas(session)
        assert version is not None
        # A desk that still takes answers: its unit open today (the demo map closes some districts in 2025).
        point = session.execute(
            select(ServicePoint.code, ServicePoint.unit_id)
            .join(OrgUnit, OrgUnit.id == ServicePoint.unit_id)
            .where(ServicePoint.code.like(f"%{DISTRICT_POINTS}"), ServicePoint.active, OrgUnit.valid_to.is_(None))
            .order_by(ServicePoint.code)
        ).first()
        assert point is not None
        user = create_user(session, username=f"bench-v-{uuid.uuid4().hex[:6]}", role="volunteer", unit_id=point[1])
        document = document_of(version)
        answers: dict[str, Any] = {}
        for item in document.items_by_code().values():
            if item.type == "scale_1_5":
                answers[item.code] = 4
            elif item.type == "score_0_100":
                answers[item.code] = 80
            elif item.type in ("single_choice", "multiple_choice"):
                first = document.options_of(item)[0].value
                answers[item.code] = first if item.type == "single_choice" else [first]
            elif item.required:
                answers[item.code] = "ok"
        return issue_token(session, user, name="bench"), version.id, str(point[0]), answers


class Arrivals(threading.Thread):
    """A tablet posting a complete SIPAS answer every ``every`` seconds until stopped."""

    def __init__(self, base: str, url: str, every: float) -> None:
        super().__init__(daemon=True)
        self.token, self.version, self.point, self.answers = volunteer(url)
        self.base, self.every = base, every
        self.stop = threading.Event()
        self.stored = 0
        self.refused = ""
        self.rng = np.random.default_rng(3)

    def body(self) -> dict[str, Any]:
        # Every 1-5 scale item answered at random; the other items as in the template.
        answers = {c: int(self.rng.integers(1, 6)) if v == 4 else v for c, v in self.answers.items()}
        return {
            "id": str(uuid.uuid4()),
            "instrument_version": self.version,
            "service_point": self.point,
            "answers": answers,
        }

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=60) as client:
            while not self.stop.wait(self.every):
                reply = client.post("/api/v1/responses", json=self.body())
                if reply.status_code == 201:
                    self.stored += 1
                else:
                    self.refused = f"{reply.status_code} {reply.text[:300]}"
