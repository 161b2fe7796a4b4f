"""Fixtures of the feedback tests: the fieldwork area (province p, districts d1 and d2), people, QR links."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient

from survey_api.settings import Settings
from tests.conftest import free_port
from tests.feedback.helpers import qr_link
from tests.fieldwork.conftest import Person
from tests.fieldwork.conftest import area as area
from tests.fieldwork.conftest import person as person
from tests.web.conftest import chromium as chromium


@pytest.fixture
def admin(person: Callable[..., Person]) -> Person:
    return person("admin", unit=None)


@pytest.fixture
def links(client: TestClient, official: dict[str, int], admin: Person, area: dict[str, str]) -> dict[str, str]:
    """A SIPAS QR link at a desk of each district: ``{"d1": path, "d2": path}``."""
    return {unit: qr_link(client, admin.headers, unit, f"{unit}-qr") for unit in ("d1", "d2")}


@pytest.fixture
def managers(person: Callable[..., Person]) -> dict[str, Person]:
    """A unit manager of each district."""
    return {unit: person("unit_manager", unit=unit) for unit in ("d1", "d2")}


def item_id(client: TestClient, who: Person, reference: str) -> int:
    """The id of the feedback with ``reference``, as ``who`` lists it."""
    found: list[dict[str, Any]] = client.get("/api/v1/feedback", params={"q": reference}, headers=who.headers).json()
    assert len(found) == 1, found
    number: int = found[0]["id"]
    return number


@dataclass
class Mail:
    """One e-mail the local SMTP server received."""

    recipients: list[str]
    message: EmailMessage


@pytest.fixture
def smtp(settings: Settings) -> Iterator[list[Mail]]:
    """A local SMTP server (aiosmtpd) the app sends its e-mail to; the messages it received."""
    from aiosmtpd.controller import Controller

    received: list[Mail] = []

    class Collect:
        async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            received.append(Mail(list(envelope.rcpt_tos), message))
            return "250 OK"

    port = free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.smtp_host, settings.smtp_port, settings.smtp_sender = "127.0.0.1", port, "khaosat@tinh.example.vn"
    yield received
    controller.stop()
