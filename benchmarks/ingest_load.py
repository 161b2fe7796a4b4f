"""The crowd of `benchmarks/ingest.py`: keep-alive HTTP clients posting submissions (or GET /healthz), each
retrying an unanswered submission with the same id until it is acknowledged."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Protocol


class Disruptor(Protocol):
    """Something that disrupts the run halfway (kills the server, restarts the database)."""

    async def run(self) -> None: ...


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)
    sent: set[str] = field(default_factory=set)
    errors: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    server_cpu: float | None = None

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def load(
    port: int,
    clients: int,
    seconds: float,
    submit: tuple[str, bytes] | None,
    tally: Tally | None,
    disruption: Disruptor | None = None,
) -> float:
    """Run the clients; with ``submit`` post responses, else GET /healthz. Returns requests per second."""
    tally = tally if tally is not None else Tally()
    stop_at = time.perf_counter() + seconds
    tasks = [asyncio.create_task(_client(port, stop_at, submit, tally)) for _ in range(clients)]
    if disruption is not None:
        tasks.append(asyncio.create_task(disruption.run()))
    await asyncio.gather(*tasks)
    return len(tally.latencies) / seconds


async def _client(port: int, stop_at: float, submit: tuple[str, bytes] | None, tally: Tally) -> None:
    reader = writer = None
    pending: str | None = None
    while True:
        if pending is None and time.perf_counter() >= stop_at:
            break
        if submit is not None and pending is None:
            pending = str(uuid.uuid4())
            tally.sent.add(pending)
        request = _request(submit, pending)
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            started = time.perf_counter()
            writer.write(request)
            status, close = await asyncio.wait_for(_read_response(reader), timeout=60)
            elapsed = time.perf_counter() - started
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            if writer is not None:
                writer.close()
            reader = writer = None
            tally.retries += 1
            if isinstance(exc, asyncio.TimeoutError):
                tally.error("timeout")
            await asyncio.sleep(0.05 + random.random() * 0.1)
            continue
        if close:
            writer.close()
            reader = writer = None
        if status in (200, 201):
            tally.latencies.append(elapsed)
            if pending is not None:
                tally.acknowledged.add(pending)
            pending = None
        elif status == 503 or status >= 500:
            tally.error(f"HTTP {status}")
            tally.retries += 1
            await asyncio.sleep(0.05)
        else:
            tally.error(f"HTTP {status}")
            pending = None


def _request(submit: tuple[str, bytes] | None, response_id: str | None) -> bytes:
    if submit is None:
        return b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"
    token, template = submit
    body = template.replace(b"{ID}", (response_id or "").encode())
    head = (
        "POST /api/v1/responses HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection") == "close"
