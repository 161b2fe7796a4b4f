"""A crowd of clients on the default SQLite server: every one gets its answer, every answer is stored once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import func, select

from survey_api.db.models import Response
from tests.api.helpers import collector, instrument, submission
from tests.conftest import Db

CLIENTS = 64
EACH = 3


def test_64_concurrent_clients_all_get_answers(live_server: str, client: Any, official: dict[str, int], db: Db) -> None:
    sipas = instrument(client, "sipas")
    headers = collector(client)
    bodies = [[submission(sipas) for _ in range(EACH)] for _ in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)

    def one_client(mine: list[dict[str, Any]]) -> list[int]:
        with httpx.Client(base_url=live_server, headers=headers, timeout=20) as http:
            barrier.wait()
            return [http.post("/api/v1/responses", json=body).status_code for body in mine]

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = [s for result in pool.map(one_client, bodies) for s in result]
    assert statuses == [201] * (CLIENTS * EACH)
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == CLIENTS * EACH
