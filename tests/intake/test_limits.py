"""Rate limits shared by every worker (database or Redis), and whose X-Forwarded-For is believed."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from survey_api.clients import client_address
from survey_api.db.engine import make_engine
from survey_api.errors import TooManyRequests
from survey_api.ratelimit import DatabaseCounter, RateLimiter, RedisCounter
from survey_api.settings import Settings
from survey_web.asgi import create_app
from tests.conftest import Db, free_port
from tests.web.qr_helpers import form_fields, make_point
from tests.web.test_qr_pages import path_of, scale_answers

REDIS_URL = "redis://127.0.0.1:6379/15"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _redis_or_skip() -> RedisCounter:
    counter = RedisCounter(REDIS_URL)
    try:
        counter._redis.ping()
    except Exception:  # noqa: BLE001 - any failure means no Redis here
        pytest.skip("no Redis at 127.0.0.1:6379")
    return counter


@pytest.fixture(params=["database", "redis"])
def counter(request: pytest.FixtureRequest, database_url: str) -> Any:
    if request.param == "redis":
        return _redis_or_skip()
    return DatabaseCounter(make_engine(database_url))


def test_a_burst_across_a_window_start_is_still_one_burst(counter: Any) -> None:
    key = f"test-{uuid.uuid4().hex}"
    clock = Clock(1_000_000 * 60 + 50.0)  # 10 s before a window starts
    limiter = RateLimiter(counter, clock)
    assert [limiter.retry_after(key, limit=6, window=60) for _ in range(5)] == [None] * 5
    clock.now += 11  # the next window has begun: 5 × 49/60 of the old window still counts
    assert limiter.retry_after(key, limit=6, window=60) is None
    wait = limiter.retry_after(key, limit=6, window=60)
    assert wait is not None and 1 <= wait <= 60
    with pytest.raises(TooManyRequests) as refused:
        limiter.hit(key, limit=6, window=60, message="wait {seconds} s")
    assert refused.value.retry_after >= 1 and "wait" in refused.value.detail
    clock.now += 120  # two windows later everything is forgotten
    assert limiter.retry_after(key, limit=6, window=60) is None


def test_two_limiters_on_one_store_share_their_counts(counter: Any, database_url: str) -> None:
    """Two server processes are two limiters over the same database (or Redis)."""
    other = DatabaseCounter(make_engine(database_url)) if isinstance(counter, DatabaseCounter) else counter
    key = f"test-{uuid.uuid4().hex}"
    first, second = RateLimiter(counter), RateLimiter(other)
    results = [(first if i % 2 else second).retry_after(key, limit=6, window=3600) for i in range(7)]
    assert results[:6] == [None] * 6 and results[6] is not None


def _request(peer: str, forwarded: str | None, trusted: list[str]) -> Request:
    app = type("App", (), {})()
    app.state = type("State", (), {"settings": Settings(trusted_proxies=trusted, environment="test")})()
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "headers": headers, "client": (peer, 1234), "app": app})


def test_x_forwarded_for_counts_only_from_trusted_proxies() -> None:
    assert client_address(_request("127.0.0.1", "6.6.6.6", [])) == "127.0.0.1"
    assert client_address(_request("10.0.0.5", "6.6.6.6", ["127.0.0.1"])) == "10.0.0.5"
    assert client_address(_request("127.0.0.1", "6.6.6.6", ["127.0.0.1"])) == "6.6.6.6"
    # a client's own forged entries stand left of what our proxies appended
    assert client_address(_request("127.0.0.1", "1.1.1.1, 203.0.113.9", ["127.0.0.0/8"])) == "203.0.113.9"
    assert client_address(_request("10.1.2.3", "1.1.1.1, 203.0.113.9, 10.0.0.7", ["10.0.0.0/8"])) == "203.0.113.9"


def test_a_spoofed_header_does_not_dodge_the_per_client_limit(
    client: TestClient, db: Db, official: dict[str, int], token_for: Any, settings: Settings
) -> None:
    point = make_point(client, db, dict(token_for("admin")))
    link = path_of(point["link"])
    statuses = []
    for k in range(settings.qr_limit_per_client_per_minute + 1):
        client.cookies.clear()
        fields = form_fields(client.get(link).text) | scale_answers(client)
        headers = {"X-Forwarded-For": f"198.51.100.{k}"}
        statuses.append(client.post(link, data=fields, headers=headers, follow_redirects=False).status_code)
    assert statuses[-1] == 429 and statuses[:-1] == [303] * settings.qr_limit_per_client_per_minute


def test_the_qr_limit_holds_across_two_server_processes(
    client: TestClient, db: Db, official: dict[str, int], token_for: Any, settings: Settings
) -> None:
    point = make_point(client, db, dict(token_for("admin")))
    link = path_of(point["link"])
    with TestClient(create_app(settings)) as second:
        statuses = []
        for k in range(settings.qr_limit_per_client_per_minute + 1):
            worker = client if k % 2 else second
            worker.cookies.clear()
            fields = form_fields(worker.get(link).text) | scale_answers(worker)
            statuses.append(worker.post(link, data=fields, follow_redirects=False).status_code)
    assert statuses[-1] == 429 and statuses[:-1] == [303] * settings.qr_limit_per_client_per_minute


def test_survey_serve_with_two_workers_limits_a_spoofing_flood(
    client: TestClient, db: Db, official: dict[str, int], token_for: Any, settings: Settings, database_url: str
) -> None:
    """The real server, two processes: a client changing X-Forwarded-For on every answer is still one client."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    point = make_point(client, db, dict(token_for("admin")))
    link = path_of(point["link"])
    port = free_port()
    env = {**os.environ, "SURVEY_DATABASE_URL": database_url, "SURVEY_SECRET_KEY": settings.secret_key}
    survey = Path(sys.executable).parent / "survey"
    server = subprocess.Popen(
        [str(survey), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        statuses = []
        for k in range(settings.qr_limit_per_client_per_minute + 1):
            # a new connection each time, so the kernel spreads them over both processes
            with httpx.Client(base_url=base, headers={"X-Forwarded-For": f"198.51.100.{k}"}) as http:
                fields = form_fields(http.get(link).text) | scale_answers(client)
                statuses.append(http.post(link, data=fields).status_code)
        assert statuses[:-1] == [303] * settings.qr_limit_per_client_per_minute, statuses
        assert statuses[-1] == 429
    finally:
        server.terminate()
        server.wait(20)
