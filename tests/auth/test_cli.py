"""``survey user create|passwd|disable``: passwords from standard input, errors as one line and exit 2."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from survey_api.cli import main
from tests.auth.conftest import PASSWORD, audit_entries
from tests.conftest import Db
from tests.fieldwork.conftest import Person

Run = Callable[..., tuple[int, str, str]]
NEW_PASSWORD = "mat-khau-dong-lenh"


@pytest.fixture
def survey(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Run]:
    """``survey(*args, stdin="…")`` runs the command on the test's database: (exit code, stdout, stderr)."""
    from survey_api.settings import get_settings

    monkeypatch.setenv("SURVEY_DATABASE_URL", database_url)
    get_settings.cache_clear()

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    get_settings.cache_clear()


def signs_in(client: TestClient, username: str, password: str) -> bool:
    reply = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    return reply.status_code == 200


def test_user_create_reads_the_password_from_stdin(client: TestClient, db: Db, area: object, survey: Run) -> None:
    code, out, err = survey(
        "user", "create", "ql-d1", "--role", "unit_manager", "--unit", "d1", "--display-name", "Cán bộ d1",
        "--password-stdin", stdin=NEW_PASSWORD + "\n",
    )  # fmt: skip
    assert (code, err) == (0, "") and NEW_PASSWORD not in out
    assert signs_in(client, "ql-d1", NEW_PASSWORD)
    assert audit_entries(db, "user.create") == [("user.create", "ql-d1", {"role": "unit_manager", "unit": "d1"})]


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["pt-1", "--role", "analyst"], "ngan\n", "at least 10 characters"),
        (["pt-1", "--role", "analyst"], "", "at least 10 characters"),
        (["tnv-1", "--role", "volunteer", "--unit", "khong-co"], NEW_PASSWORD, "no org unit 'khong-co'"),
        (["tnv-1", "--role", "volunteer"], NEW_PASSWORD, "a volunteer needs a unit"),
        (["có dấu", "--role", "analyst"], NEW_PASSWORD, "username"),
    ],
)
def test_user_create_errors_are_one_line_and_exit_2(
    area: object, survey: Run, args: list[str], stdin: str, says: str
) -> None:
    code, out, err = survey("user", "create", *args, "--password-stdin", stdin=stdin)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and says in err
    assert NEW_PASSWORD not in err


def test_user_create_refuses_an_existing_username(area: object, survey: Run, volunteer: Person) -> None:
    code, _, err = survey("user", "create", volunteer.username, "--role", "analyst", "--password-stdin", stdin=PASSWORD)
    assert code == 2 and "exists already" in err


def test_user_passwd_and_disable(client: TestClient, db: Db, survey: Run, volunteer: Person) -> None:
    code, _, err = survey("user", "passwd", volunteer.username, "--password-stdin", stdin=NEW_PASSWORD + "\r\n")
    assert (code, err) == (0, "")
    assert signs_in(client, volunteer.username, NEW_PASSWORD) and not signs_in(client, volunteer.username, PASSWORD)
    assert client.get("/api/v1/auth/me", headers=volunteer.headers).status_code == 401, "tokens revoked"
    assert survey("user", "passwd", volunteer.username, "--password-stdin", stdin="ngan")[0] == 2
    code, _, err = survey("user", "disable", volunteer.username)
    assert (code, err) == (0, "")
    assert not signs_in(client, volunteer.username, NEW_PASSWORD)
    code, _, err = survey("user", "disable", "khong-co")
    assert code == 2 and err == "error: no user 'khong-co'\n"
    assert [action for action, _, _ in audit_entries(db)] == ["user.password", "user.disable"]
