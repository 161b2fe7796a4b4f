"""``survey user create|passwd|disable``: manage accounts from the server's shell (audit-logged, no actor).

Passwords are read from standard input (``--password-stdin``), never from the command line, where other
users of the machine and the shell history would see them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from survey_api.roles import ROLES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``user`` subcommands."""
    user = subparsers.add_parser("user", help="user accounts").add_subparsers(title="user commands")

    create = user.add_parser("create", help="create an account (password read from standard input)")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--unit", help="org unit code (required for unit_manager and volunteer)")
    create.add_argument("--display-name", help="the name shown on pages (default: the username)")
    create.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")
    create.set_defaults(func=_create)

    passwd = user.add_parser("passwd", help="set an account's password (read from stdin); revokes its tokens")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")
    passwd.set_defaults(func=_passwd)

    disable = user.add_parser("disable", help="disable an account and revoke all its tokens")
    disable.add_argument("username")
    disable.set_defaults(func=_disable)


def _password() -> str:
    """The first line of standard input, without its line ending."""
    return sys.stdin.readline().rstrip("\r\n")


def _run(action: str, work: Callable[[Session], str]) -> int:
    """Run ``work(session)`` in one transaction and print what it says; 0, or 2 with one line on stderr."""
    from pydantic import ValidationError

    from survey_api.db.engine import make_engine, make_sessionmaker, transaction
    from survey_api.errors import DomainError
    from survey_api.settings import get_settings

    try:
        with transaction(make_sessionmaker(make_engine(get_settings().database_url))) as session:
            message = work(session)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in exc.errors())
        print(f"error: cannot {action}: {problems}", file=sys.stderr)
        return 2
    print(message)
    return 0


def _create(args: argparse.Namespace) -> int:
    from survey_api.users import service
    from survey_api.users.schemas import UserIn

    password = _password()

    def work(session: Session) -> str:
        payload = UserIn(
            username=args.username,
            role=args.role,
            unit=args.unit,
            display_name=args.display_name,
            password=password,
        )
        user = service.create(session, None, payload)
        return f"created {user.username} ({user.role})"

    return _run("create the user", work)


def _passwd(args: argparse.Namespace) -> int:
    from survey_api.users import service

    password = _password()

    def work(session: Session) -> str:
        service.change_password(session, None, args.username, password)
        return f"password of {args.username} changed; its tokens are revoked"

    return _run("change the password", work)


def _disable(args: argparse.Namespace) -> int:
    from survey_api.users import service

    def work(session: Session) -> str:
        service.disable(session, None, args.username)
        return f"{args.username} is disabled and its tokens are revoked"

    return _run("disable the user", work)
