"""Personal data and signed addresses never reach the logs: a failed insert of contact details shows no values
(neither SQL parameters nor PostgreSQL's DETAIL), and the access log of a real server keeps no QR signature,
thank-you proof, poster signature or token."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from uvicorn.logging import AccessFormatter

from survey_api.logging_config import LOGGING, RedactSecrets, install_filters, redact
from survey_api.settings import Settings
from tests.conftest import Db, free_port
from tests.web.qr_helpers import form_fields, make_point
from tests.web.test_qr_pages import path_of, scale_answers

CONTACT = {"name": "Nguyễn Thị Riêng Tư", "phone": "0912 345 678", "email": "rieng.tu@example.vn"}
ANSWER = "Câu trả lời riêng PRIVATE-ANSWER-7f3a"
SERVE = (
    "import sys, uvicorn; from survey_api.logging_config import LOGGING; "
    "uvicorn.run('survey_web.asgi:create_app', factory=True, host='127.0.0.1', port=int(sys.argv[1]), "
    "log_config=LOGGING)"
)


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/q/desk/sipas/1/AbCdEfGh12345678", "/q/desk/sipas/1/…"),
        ("/q/desk/sipas/1/AbCdEfGh12345678?lang=en", "/q/desk/sipas/1/…?…"),
        ("/q/desk/sipas/1/AbCdEfGh12345678/thanks?r=5f0c&s=Pr00fPr00fPr00f0", "/q/desk/sipas/1/…/thanks?…"),
        ("/q/desk/sipas/1/AbCdEfGh12345678/feedback", "/q/desk/sipas/1/…/feedback"),
        ("/%71/desk%2Fsipas%2F1%2FAbCdEfGh12345678", "/q/desk/sipas/1/…"),  # as the router decodes it
        ("/q/a%0Ab/sipas/1/AbCd", "/q/a%0Ab/sipas/1/…"),  # no line break into the log
        ("/posters/desk/sipas?expires=1767225600&sig=AbCdEfGh12345678", "/posters/desk/sipas?…"),
        ("/api/v1/indices?instrument=sipas&token=abc&S=x", "/api/v1/indices?instrument=sipas&token=…&S=…"),
        ("/healthz", "/healthz"),
        ("/q/desk", "/q/desk"),
        ("/phan-anh/AH97-HDCY-QB0P-K48M", "/phan-anh/…"),
        ("/phan-anh/AH97-HDCY-QB0P-K48M?lang=en", "/phan-anh/…?…"),
        ("/phan-anh?ma=ah97+hdcy+qb0p+k48m", "/phan-anh?ma=…"),
        ("/phan-anh", "/phan-anh"),
    ],
)
def test_redact(target: str, logged: str) -> None:
    assert redact(target) == logged


def test_the_filter_redacts_uvicorns_access_records() -> None:
    target = "/q/desk/sipas/1/AbCdEfGh12345678/thanks?r=1&s=Pr00f"
    args = ("127.0.0.1:50000", "GET", target, "1.1", 200)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None)
    assert RedactSecrets().filter(record)
    line = AccessFormatter(LOGGING["formatters"]["access"]["fmt"], use_colors=False).format(record)
    assert '"GET /q/desk/sipas/1/…/thanks?… HTTP/1.1" 200' in line and "Pr00f" not in line
    assert LOGGING["loggers"]["uvicorn.access"]["filters"] == ["redact_secrets"]
    install_filters()
    install_filters()
    assert sum(isinstance(f, RedactSecrets) for f in logging.getLogger("uvicorn.access").filters) == 1


@pytest.fixture
def refused_contacts(database_url: str) -> None:
    """The database refuses every contact-details row: a failed insert carrying a respondent's details."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_contacts BEFORE INSERT ON feedback_contacts "
                    "BEGIN SELECT RAISE(ABORT, 'contacts refused'); END"
                )
            )
        else:  # PostgreSQL quotes the failing row in the error's DETAIL
            connection.execute(text("ALTER TABLE feedback_contacts ADD CONSTRAINT ck_refused CHECK (false)"))
    engine.dispose()


@pytest.fixture
def point(client: TestClient, db: Db, official: dict[str, int], token_for: Any) -> dict[str, Any]:
    return make_point(client, db, token_for("admin"))


def test_a_failed_insert_of_contact_details_shows_none_of_them(
    client: TestClient, point: dict[str, Any], refused_contacts: None, caplog: pytest.LogCaptureFixture
) -> None:
    # With SQLAlchemy's statement log on (as SURVEY_SQL_ECHO does), the parameters stay hidden there too.
    with caplog.at_level(logging.INFO), caplog.at_level(logging.INFO, logger="sqlalchemy.engine"):
        page = client.get(path_of(point["link"]))
        fields = form_fields(page.text) | scale_answers(client) | {"a:Q2.other": ANSWER}
        thanks = client.get(
            client.post(path_of(point["link"]), data=fields, follow_redirects=False).headers["location"]
        )
        action = re.search(r'<form method="post" action="([^"]+)"', thanks.text).group(1)  # type: ignore[union-attr]
        feedback = form_fields(thanks.text) | CONTACT | {"kind": "petition", "text": "Chờ lâu", "consent": "yes"}
        with pytest.raises(IntegrityError) as failed:
            client.post(action, data=feedback)
    told = "".join(traceback.format_exception(failed.value)) + caplog.text
    assert "INSERT INTO feedback_contacts" in told and "SQL parameters hidden" in told  # the failure meant
    for value in [*CONTACT.values(), ANSWER]:
        assert value not in told


@pytest.fixture
def server(database_url: str, settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The app served by uvicorn in a process of its own with the logging of ``survey serve``; its output file."""
    port, output = free_port(), tmp_path / "server.log"
    env = {
        **{name: os.environ[name] for name in ("PATH", "PYTHONPATH") if name in os.environ},
        "SURVEY_DATABASE_URL": database_url,
        "SURVEY_SECRET_KEY": settings.secret_key,
        "SURVEY_ENVIRONMENT": "test",
    }
    with output.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(port)], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/healthz")
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"the server did not start: {output.read_text()}") from None
            time.sleep(0.1)
    yield base, output
    process.terminate()
    process.wait(timeout=10)


def test_a_real_servers_log_keeps_no_signature_token_or_personal_data(
    client: TestClient, point: dict[str, Any], refused_contacts: None, server: tuple[str, Path]
) -> None:
    base, output = server
    link, poster = path_of(point["link"]), point["poster"].removeprefix("http://testserver")
    signature = link.rsplit("/", 1)[1]
    with httpx.Client(base_url=base) as browser:
        page = browser.get(link)
        assert page.status_code == 200
        fields = form_fields(page.text) | scale_answers(client) | {"a:Q2.other": ANSWER}
        answered = browser.post(link, data=fields)
        assert answered.status_code == 303, answered.text
        thanks_url = answered.headers["location"]
        proof = thanks_url.rsplit("s=", 1)[1]
        thanks = browser.get(thanks_url)
        assert thanks.status_code == 200
        action = re.search(r'<form method="post" action="([^"]+)"', thanks.text).group(1)  # type: ignore[union-attr]
        feedback = form_fields(thanks.text) | CONTACT | {"kind": "petition", "text": "Chờ lâu", "consent": "yes"}
        # The database refuses the contact; the server closes the connection after the error.
        assert browser.post(action, data=feedback, headers={"Connection": "close"}).status_code == 500
        assert browser.get(poster).status_code == 200
        assert browser.get("/api/v1/units", params={"token": "T0ken-Secret-123"}).status_code == 401
    time.sleep(0.5)  # the last lines
    log = output.read_text()
    assert '/q/desk/sipas/1/…/thanks?… HTTP/1.1" 200' in log
    assert '/q/desk/sipas/1/…/feedback HTTP/1.1" 500' in log and "Exception in ASGI application" in log
    assert "/posters/desk/sipas?… HTTP/1.1" in log and "token=…" in log
    sig = re.search(r"sig=([^&]+)", poster).group(1)  # type: ignore[union-attr]
    for secret in [signature, proof, sig, "T0ken-Secret-123", *CONTACT.values(), ANSWER]:
        assert secret not in log


def test_survey_serve_runs_uvicorn_with_the_redacting_log_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn

    from survey_api.cli import main
    from survey_api.settings import get_settings

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("SURVEY_DATABASE_URL", f"sqlite:///{tmp_path}/survey.db")
    get_settings.cache_clear()
    try:
        assert main(["serve", "--port", "8123"]) == 0
    finally:
        get_settings.cache_clear()
    assert calls[0]["log_config"] is LOGGING
