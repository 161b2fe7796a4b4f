"""A crowd of clients on the default SQLite server: every one gets its answer, every answer is stored once."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from survey_api.db.models import Response
from survey_api.settings import Settings
from survey_web.asgi import create_app
from tests.api.helpers import collector, instrument, submission
from tests.conftest import Db

CLIENTS = 64
EACH = 3


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    """The full app served by uvicorn on a free port, as `survey serve` runs it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not instance.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(10)


def test_64_concurrent_clients_all_get_answers(server: str, client: Any, official: dict[str, int], db: Db) -> None:
    sipas = instrument(client, "sipas")
    headers = collector(client)
    bodies = [[submission(sipas) for _ in range(EACH)] for _ in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)

    def one_client(mine: list[dict[str, Any]]) -> list[int]:
        with httpx.Client(base_url=server, headers=headers, timeout=20) as http:
            barrier.wait()
            return [http.post("/api/v1/responses", json=body).status_code for body in mine]

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = [s for result in pool.map(one_client, bodies) for s in result]
    assert statuses == [201] * (CLIENTS * EACH)
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == CLIENTS * EACH
